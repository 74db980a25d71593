"""The webhooks consumer: each order status change becomes one delivery per endpoint of the
order's MSP that asked for that event type.

Deliveries have ids derived from the endpoint and the event, so an event handled twice
enqueues nothing new; the position is recorded after the deliveries are stored.
"""

from __future__ import annotations

import json
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from changeorders.adapters.feed import Interest
from changeorders.adapters.webhooks import Delivery, WebhookStore, delivery_id, iso, now
from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain.order import ChangeOrder, StatusChange, status_changes
from changeorders.domain.webhooks import event_type
from changeorders.schemas.events import PublishedEvent

#: The order's events; each may change its status.
ORDER_EVENTS = tuple(
    getattr(ChangeOrder, name)
    for name in (
        "Drafted",
        "OptionsSelected",
        "Reviewed",
        "Confirmed",
        "Submitted",
        "Applied",
        "Rejected",
        "Cancelled",
        "NotificationSent",
        "NotificationFailed",
    )
)


class WebhookSubscriber:
    name = "webhooks"
    interest = Interest(*ORDER_EVENTS)

    def __init__(
        self,
        application: ChangeOrdersApplication,
        store: WebhookStore,
        tracking: TrackingRecorder,
    ) -> None:
        self._application = application
        self._store = store
        self.tracking = tracking

    def handle(self, event: PublishedEvent, tracking: Tracking) -> None:
        """Enqueue the status change this event made, if it made one and anyone listens."""
        endpoints = self._store.endpoints(event.msp) if event.msp else []
        change = self._change_at(event.aggregate_id, event.aggregate_version) if endpoints else None
        if change is not None:
            payload = _payload(event, change)
            kind = event_type(change.status)
            self._store.enqueue(
                [
                    _delivery(e.webhook_id, event, kind, payload)
                    for e in endpoints
                    if kind in e.event_types
                ],
                event.msp or "",
            )
        self.tracking.insert_tracking(tracking)

    def _change_at(self, order_id: UUID, version: int) -> StatusChange | None:
        history = self._application.events.get(order_id, lte=version)
        changes = status_changes(history)
        return changes[-1] if changes and changes[-1].version == version else None


def _payload(event: PublishedEvent, change: StatusChange) -> str:
    """The Standard Webhooks shape: type, timestamp, data."""
    return json.dumps(
        {
            "type": event_type(change.status),
            "timestamp": change.at.isoformat(),
            "data": {
                "order_id": str(event.aggregate_id),
                "msp": event.msp,
                "customer": event.customer,
                "status": change.status.value,
                "order_version": change.version,
                "rejection": change.rejection,
                "status_url": f"/v1/orders/{event.aggregate_id}",
                "event_id": str(event.event_id),
            },
        },
        sort_keys=True,
    )


def _delivery(webhook_id: str, event: PublishedEvent, kind: str, payload: str) -> Delivery:
    moment = iso(now())
    return Delivery(
        delivery_id=delivery_id(webhook_id, event.event_id),
        webhook_id=webhook_id,
        order_id=str(event.aggregate_id),
        sequence=event.aggregate_version,
        event_type=kind,
        payload=payload,
        state="pending",
        attempts=0,
        next_attempt_at=moment,
        last_error=None,
        response_status=None,
        created_at=moment,
        delivered_at=None,
        retry_since=moment,
    )
