"""Composition root of the commands service: settings -> store -> application -> API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg
from fastapi import FastAPI
from psycopg import sql

from changeorders.services.commands.api import create_api
from changeorders.services.commands.application import ChangeOrdersApplication
from changeorders.services.commands.idempotency import IdempotencyStore
from changeorders.services.commands.processor import LocalOrderProcessing
from changeorders.services.commands.relay import (
    OutboxRelay,
    ensure_topics,
    new_producer,
    relay_tracking,
)
from changeorders.services.commands.settings import Settings
from changeorders.services.projections.local import LocalViews


@dataclass
class CommandsService:
    """Everything the commands service runs on, built once per process."""

    settings: Settings
    application: ChangeOrdersApplication
    idempotency: IdempotencyStore
    views: LocalViews
    processing: LocalOrderProcessing

    def api(self) -> FastAPI:
        return create_api(self.application, self.idempotency, self.views)

    def relay(self) -> OutboxRelay:
        """The outbox relay to Kafka; creates the events topic if it is missing."""
        settings = self.settings
        ensure_topics(
            settings.kafka_bootstrap,
            [settings.events_topic],
            settings.topic_partitions,
            settings.topic_replication,
        )
        return OutboxRelay(
            self.application,
            new_producer(settings.kafka_bootstrap),
            settings.events_topic,
            relay_tracking(self.application.recorder.datastore),  # type: ignore[attr-defined]
        )

    def close(self) -> None:
        self.application.close()


def ensure_postgres_schema(settings: Settings) -> None:
    """The event store's schema must exist before the library creates its tables in it."""
    with psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_db,
        user=settings.postgres_user,
        password=settings.postgres_password,
        autocommit=True,
    ) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(settings.postgres_schema)
            )
        )


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
        LocalViews(application),
        LocalOrderProcessing(application),
    )
