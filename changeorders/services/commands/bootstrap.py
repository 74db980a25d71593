"""Composition root of the commands service: settings -> store -> application -> API."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from changeorders.services.commands.api import create_api
from changeorders.services.commands.application import ChangeOrdersApplication
from changeorders.services.commands.attachments import AttachmentStore
from changeorders.services.commands.idempotency import IdempotencyStore
from changeorders.services.commands.processor import (
    OrderProcessor,
    local_processing,
    processor_tracking,
)
from changeorders.services.commands.relay import (
    OutboxRelay,
    relay_tracking,
)
from changeorders.services.database import ensure_postgres_schema
from changeorders.services.feed import LocalWorker
from changeorders.services.kafka_feed import ensure_topics, feed_from_settings, new_producer
from changeorders.services.projections.local import LocalViews
from changeorders.services.settings import Settings

Runner = Callable[[], None]


@dataclass
class CommandsService:
    """Everything the commands service runs on, built once per process."""

    settings: Settings
    application: ChangeOrdersApplication
    idempotency: IdempotencyStore
    views: LocalViews
    processing: LocalWorker
    attachments: AttachmentStore

    def api(self) -> FastAPI:
        return create_api(self.application, self.idempotency, self.views, self.attachments)

    def relay(self) -> OutboxRelay:
        """The outbox relay to Kafka; creates the events topic if it is missing."""
        settings = self.settings
        ensure_topics(
            settings.kafka_bootstrap,
            [settings.events_topic],
            settings.topic_partitions,
            settings.topic_replication,
        )
        return self.relay_to(settings.events_topic)

    def relay_to(self, topic: str) -> OutboxRelay:
        return OutboxRelay(
            self.application,
            new_producer(self.settings.kafka_bootstrap),
            topic,
            relay_tracking(self.application.recorder.datastore),  # type: ignore[attr-defined]
        )

    def kafka_processing(self, stop: threading.Event, **consumer_config: Any) -> Runner:
        """The order processor as a member of its Kafka consumer group."""
        feed = feed_from_settings(self.settings, "processor", stop, **consumer_config)
        datastore = self.application.recorder.datastore  # type: ignore[attr-defined]
        processor = OrderProcessor(self.application, processor_tracking(datastore))
        return lambda: feed.run_until_stopped(processor.handle_published)

    def close(self) -> None:
        self.application.close()


def build(settings: Settings) -> CommandsService:
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    application = ChangeOrdersApplication(settings.eventsourcing_env())
    idempotency = IdempotencyStore(
        application.recorder.datastore,  # type: ignore[attr-defined]
        retention=timedelta(hours=settings.idempotency_hours),
        postgres=settings.event_store == "postgres",
    )
    idempotency.create_table()
    idempotency.purge_expired()
    return CommandsService(
        settings,
        application,
        idempotency,
        LocalViews(application, follow=settings.delivery == "local"),
        local_processing(application),
        AttachmentStore(application.recorder.datastore),  # type: ignore[attr-defined]
    )
