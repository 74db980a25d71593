"""The order processor: applies each ``Submitted`` order to its account as it is delivered.

Written against an event feed (an event and its tracking position). Processing is
idempotent by the order's own state (an order with an outcome is skipped), so the position
is recorded after the outcome is saved: a crash in between replays one event harmlessly.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from changeorders.domain.order import ChangeOrder
from changeorders.schemas.events import PublishedEvent
from changeorders.services.commands.application import ChangeOrdersApplication
from changeorders.services.database import tracking_recorder
from changeorders.services.feed import LocalFeed, LocalWorker


class OrderProcessor:
    name = "order-processor"
    topics = (get_topic(ChangeOrder.Submitted),)  # type: ignore[attr-defined]

    def __init__(self, application: ChangeOrdersApplication, tracking: TrackingRecorder) -> None:
        self._application = application
        self._tracking = tracking

    def handle(self, event: Any, tracking: Tracking) -> None:
        """A stored ``Submitted`` event, from the in-process feed."""
        self._application.process_order(event.originator_id)
        self._tracking.insert_tracking(tracking)

    def handle_published(self, event: PublishedEvent, tracking: Tracking) -> None:
        """Any published event, from Kafka: only ``Submitted`` ones need work, and only
        their positions are recorded (the broker's committed offset covers the rest)."""
        if event.type == "ChangeOrder.Submitted":
            self._application.process_order(event.aggregate_id)
            self._tracking.insert_tracking(tracking)


def processor_tracking(datastore: Any) -> TrackingRecorder:
    return tracking_recorder(datastore, "processor_tracking")


def local_processing(application: ChangeOrdersApplication) -> LocalWorker:
    """The processor on the in-process feed (the embedded default)."""
    tracking = processor_tracking(application.recorder.datastore)  # type: ignore[attr-defined]
    processor = OrderProcessor(application, tracking)
    feed = LocalFeed(application, OrderProcessor.name, tracking, OrderProcessor.topics)
    return LocalWorker(feed, processor.handle)
