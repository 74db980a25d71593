"""The projection: how each published event changes the views.

Written once against the published envelope, whichever feed delivers it (Kafka or the
event store's notification log). Events of one customer arrive in order (one partition),
so an order's or account's rows have one writer at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from changeorders.schemas.events import PublishedEvent
from changeorders.services.feed import Poison
from changeorders.services.projections.views import (
    NOTIFICATION_TYPES,
    STATUS_BY_TYPE,
    ViewsRecorder,
)

Cursor = Any
Handler = Callable[["ChangeOrderViews", Cursor, PublishedEvent], None]

_DETAIL_BY_TYPE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ChangeOrder.OptionsSelected": lambda d: {
        "options": d["options"],
        "review": None,
        "confirmation": None,
    },
    "ChangeOrder.Reviewed": lambda d: {
        "review": {"review_number": d["review_number"], **d["quote"]},
        "confirmation": None,
    },
    "ChangeOrder.Confirmed": lambda d: {"confirmation": d},
    "ChangeOrder.Submitted": lambda d: {"submitted_by": d["submitted_by"]},
    "ChangeOrder.Applied": lambda d: {"applied": d["quote"]},
    "ChangeOrder.Rejected": lambda d: {"rejection": d},
    "ChangeOrder.Cancelled": lambda d: {"cancellation": d},
    "ChangeOrder.AddendumIssued": lambda d: {"addendum": d},
    "ChangeOrder.NotificationSent": lambda d: {f"notification_{d['role']}": d | {"state": "sent"}},
    "ChangeOrder.NotificationFailed": lambda d: {
        f"notification_{d['role']}": d | {"state": "failed"}
    },
}


def status_of(event_type: str, detail: dict[str, Any]) -> str:
    """An applied order's status follows its emails: notified, notification failed, applied."""
    if event_type not in NOTIFICATION_TYPES:
        return STATUS_BY_TYPE[event_type]
    states = [detail.get(f"notification_{role}", {}).get("state") for role in ("submitter", "lead")]
    if states == ["sent", "sent"]:
        return "notified"
    return "notification-failed" if "failed" in states else "applied"


class ChangeOrderViews(Projection[ViewsRecorder]):
    """Customer view, licence counts (now and before each order), order status and history."""

    name = "views"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        event: PublishedEvent = domain_event
        handler = HANDLERS.get(event.type)
        with self.view.tracked(tracking) as cursor:
            if handler is not None:
                handler(self, cursor, event)

    def run(self, cursor: Cursor, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.view.execute(cursor, statement, params)

    # --- accounts ---------------------------------------------------------------------------

    def account_opened(self, cursor: Cursor, event: PublishedEvent) -> None:
        d = event.data
        inserted = self.run(
            cursor,
            "INSERT INTO {s}customer_view VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (customer) DO NOTHING RETURNING customer",
            d["key"],
            d["msp_key"],
            d["name"],
            json.dumps(d["primary_products"]),
            json.dumps(d["add_ons"]),
            d["seats"],
            d["implementation_lead"],
            event.aggregate_version,
        )
        if inserted:  # not a republished Opened arriving after later changes
            self._replace_licences(cursor, d["key"], d["msp_key"], _licences(d))

    def order_applied_to_account(self, cursor: Cursor, event: PublishedEvent) -> None:
        d, customer = event.data, event.customer
        updated = self.run(
            cursor,
            "UPDATE {s}customer_view SET primary_products = ?, add_ons = ?, seats = ?, "
            "implementation_lead = ?, version = ? WHERE customer = ? AND version < ? "
            "RETURNING msp",
            json.dumps(d["primary_products"]),
            json.dumps(d["add_ons"]),
            d["seats"],
            d["implementation_lead"],
            event.aggregate_version,
            customer,
            event.aggregate_version,
        )
        if not updated:
            return  # already applied (a republished event) or the account was never seen
        rows = self.run(
            cursor, "SELECT product, seats FROM {s}licence_counts WHERE customer = ?", customer
        )
        before: dict[str, int] = dict(rows)
        after = _licences(d)
        for product in sorted(set(before) | set(after)):
            self.run(
                cursor,
                "INSERT INTO {s}licence_history VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                customer,
                d["order_id"],
                product,
                before.get(product, 0),
                after.get(product, 0),
            )
        self._replace_licences(cursor, customer, updated[0][0], after)

    def _replace_licences(
        self, cursor: Cursor, customer: Any, msp: str, seats: dict[str, int]
    ) -> None:
        self.run(cursor, "DELETE FROM {s}licence_counts WHERE customer = ?", customer)
        for product, count in seats.items():
            self.run(
                cursor,
                "INSERT INTO {s}licence_counts VALUES (?, ?, ?, ?)",
                customer,
                msp,
                product,
                count,
            )

    def attachment_stored(self, cursor: Cursor, event: PublishedEvent) -> None:
        d = event.data
        self.run(
            cursor,
            "INSERT INTO {s}attachments_view VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (attachment_id) DO NOTHING",
            d["attachment_id"],
            event.customer,
            d["order_id"],
            d["name"],
            d["media_type"],
            d["size"],
            d["sha256"],
            event.occurred_at.isoformat(),
        )

    # --- orders -----------------------------------------------------------------------------

    def order_drafted(self, cursor: Cursor, event: PublishedEvent) -> None:
        d = event.data
        self.run(
            cursor,
            "INSERT INTO {s}order_view VALUES (?, ?, ?, 'draft', ?, ?, ?, '{}') "
            "ON CONFLICT (order_id) DO NOTHING",
            str(event.aggregate_id),
            d["msp_key"],
            d["customer_key"],
            d["created_by"],
            event.aggregate_version,
            event.occurred_at.isoformat(),
        )
        self._history(cursor, event)

    def order_changed(self, cursor: Cursor, event: PublishedEvent) -> None:
        order_id = str(event.aggregate_id)
        rows = self.run(
            cursor, "SELECT version, detail FROM {s}order_view WHERE order_id = ?", order_id
        )
        if not rows:
            raise Poison(f"order {order_id} is not in the view: its Drafted event was not seen")
        ((version, detail_json),) = rows
        if version < event.aggregate_version:
            detail = json.loads(detail_json) | _DETAIL_BY_TYPE[event.type](event.data)
            self.run(
                cursor,
                "UPDATE {s}order_view SET status = ?, version = ?, updated_at = ?, detail = ? "
                "WHERE order_id = ? AND version < ?",
                status_of(event.type, detail),
                event.aggregate_version,
                event.occurred_at.isoformat(),
                json.dumps(detail),
                order_id,
                event.aggregate_version,
            )
        self._history(cursor, event)

    def _history(self, cursor: Cursor, event: PublishedEvent) -> None:
        self.run(
            cursor,
            "INSERT INTO {s}order_history VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            str(event.aggregate_id),
            event.aggregate_version,
            event.type.split(".")[1],
            event.occurred_at.isoformat(),
            event.actor,
            str(event.event_id),
        )


def _licences(data: dict[str, Any]) -> dict[str, int]:
    return dict.fromkeys([*data["primary_products"], *data["add_ons"]], data["seats"])


HANDLERS: dict[str, Handler] = {
    "CustomerAccount.Opened": ChangeOrderViews.account_opened,
    "CustomerAccount.OrderApplied": ChangeOrderViews.order_applied_to_account,
    "CustomerAccount.AttachmentStored": ChangeOrderViews.attachment_stored,
    "ChangeOrder.Drafted": ChangeOrderViews.order_drafted,
    **dict.fromkeys(_DETAIL_BY_TYPE, ChangeOrderViews.order_changed),
}
