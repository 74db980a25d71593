"""Composition root of the projections service: Kafka consumer group -> views."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from changeorders.services.database import datastore
from changeorders.services.kafka_feed import KafkaFeed, feed_from_settings
from changeorders.services.projections.projection import ChangeOrderViews
from changeorders.services.projections.queries import ViewQueries
from changeorders.services.projections.views import views_recorder
from changeorders.services.settings import Settings


@dataclass
class ProjectionsService:
    projection: ChangeOrderViews
    feed: KafkaFeed
    queries: ViewQueries

    def run(self) -> None:
        """Consume until the stop event is set (SIGTERM), then leave the group cleanly."""
        self.feed.run_until_stopped(self.projection.process_event, self.projection.process_batch)


def build(settings: Settings, stop: threading.Event, **consumer_config: Any) -> ProjectionsService:
    views = views_recorder(datastore(settings, "views"))
    feed = feed_from_settings(settings, "views", stop, **consumer_config)
    return ProjectionsService(ChangeOrderViews(views), feed, ViewQueries(views))
