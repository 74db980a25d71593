"""The order processor: applies each ``Submitted`` order to its account as it is delivered.

Processing is idempotent by the order's own state (an order with an outcome is skipped),
so the position is recorded after the outcome is saved: a crash in between replays one
event harmlessly.
"""

from __future__ import annotations

from eventsourcing.persistence import Tracking, TrackingRecorder

from changeorders.adapters.feed import Interest
from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain.order import ChangeOrder
from changeorders.schemas.events import PublishedEvent


class OrderProcessor:
    name = "order-processor"
    interest = Interest(ChangeOrder.Submitted)  # type: ignore[attr-defined]

    def __init__(self, application: ChangeOrdersApplication, tracking: TrackingRecorder) -> None:
        self._application = application
        self.tracking = tracking

    def handle(self, event: PublishedEvent, tracking: Tracking) -> None:
        """A submitted order: apply it (or reject it), then record the position."""
        self._application.process_order(event.aggregate_id)
        self.tracking.insert_tracking(tracking)
