"""The projection: how each published event changes the views.

Written once against the published envelope, whichever feed delivers it (Kafka or the
event store's notification log). Events of one customer arrive in order (one partition),
so an order's or account's rows have one writer at a time. Events are applied to rows in
memory (:class:`ViewBatch`), a whole batch at a time; every change is guarded by the
aggregate version it comes from, so an event seen again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from changeorders.adapters.feed import Interest, Poison
from changeorders.adapters.views.rows import CustomerRow, OrderRow, ViewBatch
from changeorders.adapters.views.tables import ViewsRecorder
from changeorders.domain.order import EMAIL_ROLES, OrderStatus, status_after_emails
from changeorders.schemas.events import PublishedEvent

Handler = Callable[[ViewBatch, PublishedEvent], None]

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


STATUS_BY_TYPE = {
    "ChangeOrder.Drafted": OrderStatus.DRAFT,
    "ChangeOrder.OptionsSelected": OrderStatus.SELECTED,
    "ChangeOrder.Reviewed": OrderStatus.REVIEWED,
    "ChangeOrder.Confirmed": OrderStatus.CONFIRMED,
    "ChangeOrder.Submitted": OrderStatus.SUBMITTED,
    "ChangeOrder.Applied": OrderStatus.APPLIED,
    "ChangeOrder.Rejected": OrderStatus.REJECTED,
    "ChangeOrder.Cancelled": OrderStatus.CANCELLED,
}
#: After an order is applied its status follows its emails.
NOTIFICATION_TYPES = (
    "ChangeOrder.AddendumIssued",
    "ChangeOrder.NotificationSent",
    "ChangeOrder.NotificationFailed",
)


def status_of(event_type: str, detail: dict[str, Any]) -> str:
    """The order's status after an event of ``event_type``, in the domain's vocabulary."""
    if event_type not in NOTIFICATION_TYPES:
        return STATUS_BY_TYPE[event_type].value
    states = {role: detail.get(f"notification_{role}", {}).get("state") for role in EMAIL_ROLES}
    return status_after_emails(states).value


class ChangeOrderViews(Projection[ViewsRecorder]):
    """Customer view, licence counts (now and before each order), order status and history."""

    name = "views"
    interest = Interest()  # every published event

    def handle(self, event: PublishedEvent, tracking: Tracking) -> None:
        self.handle_batch([event], [tracking])

    process_event = handle  # the name the eventsourcing Projection gives it

    def handle_batch(self, events: Sequence[PublishedEvent], trackings: Sequence[Tracking]) -> None:
        """Apply ``events`` in order; commit their effects with the last of ``trackings``
        (per feed), or nothing: a :class:`Poison` event or a position already recorded
        undoes the whole batch."""
        with self.view.batch(trackings, *keys_of(events)) as batch:
            for event in events:
                handler = HANDLERS.get(event.type)
                if handler is not None:
                    handler(batch, event)


def keys_of(events: Sequence[PublishedEvent]) -> tuple[set[str], set[str]]:
    """The customers and orders whose rows these events change."""
    customers, orders = set(), set()
    for event in events:
        if event.type == "CustomerAccount.Opened":
            customers.add(event.data["key"])
        elif event.type == "CustomerAccount.OrderApplied" and event.customer:
            customers.add(event.customer)
        elif event.type.startswith("ChangeOrder."):
            orders.add(str(event.aggregate_id))
    return customers, orders


# --- accounts ---------------------------------------------------------------------------


def account_opened(batch: ViewBatch, event: PublishedEvent) -> None:
    d = event.data
    if d["key"] in batch.customers:
        return  # a republished Opened arriving after later changes
    batch.customers[d["key"]] = CustomerRow(
        d["key"],
        d["msp_key"],
        d["name"],
        d["primary_products"],
        d["add_ons"],
        d["seats"],
        d["implementation_lead"],
        event.aggregate_version,
    )
    batch.licences[d["key"]] = _licences(d)
    batch.changed_customers.add(d["key"])


def order_applied_to_account(batch: ViewBatch, event: PublishedEvent) -> None:
    d, customer = event.data, str(event.customer)
    row = batch.customers.get(customer)
    if row is None or row.version >= event.aggregate_version:
        return  # already applied (a republished event) or the account was never seen
    row.primary_products, row.add_ons = d["primary_products"], d["add_ons"]
    row.seats, row.implementation_lead = d["seats"], d["implementation_lead"]
    row.version = event.aggregate_version
    before, after = batch.licences.get(customer, {}), _licences(d)
    batch.licence_history += [
        (customer, d["order_id"], product, before.get(product, 0), after.get(product, 0))
        for product in sorted(set(before) | set(after))
    ]
    batch.licences[customer] = after
    batch.changed_customers.add(customer)


def attachment_stored(batch: ViewBatch, event: PublishedEvent) -> None:
    d = event.data
    batch.attachments.append(
        (
            d["attachment_id"],
            event.customer,
            d["order_id"],
            d["name"],
            d["media_type"],
            d["size"],
            d["sha256"],
            event.occurred_at.isoformat(),
        )
    )


def _licences(data: dict[str, Any]) -> dict[str, int]:
    return dict.fromkeys([*data["primary_products"], *data["add_ons"]], data["seats"])


# --- orders -----------------------------------------------------------------------------


def order_drafted(batch: ViewBatch, event: PublishedEvent) -> None:
    order_id, d = str(event.aggregate_id), event.data
    if order_id not in batch.orders:
        batch.orders[order_id] = OrderRow(
            order_id,
            d["msp_key"],
            d["customer_key"],
            "draft",
            d["created_by"],
            event.aggregate_version,
            event.occurred_at.isoformat(),
            {},
        )
        batch.changed_orders.add(order_id)
    _history(batch, event)


def order_changed(batch: ViewBatch, event: PublishedEvent) -> None:
    order_id = str(event.aggregate_id)
    row = batch.orders.get(order_id)
    if row is None:
        raise Poison(f"order {order_id} is not in the view: its Drafted event was not seen")
    if row.version < event.aggregate_version:
        row.detail = row.detail | _DETAIL_BY_TYPE[event.type](event.data)
        row.status = status_of(event.type, row.detail)
        row.version = event.aggregate_version
        row.updated_at = event.occurred_at.isoformat()
        batch.changed_orders.add(order_id)
    _history(batch, event)


def _history(batch: ViewBatch, event: PublishedEvent) -> None:
    batch.order_history.append(
        (
            str(event.aggregate_id),
            event.aggregate_version,
            event.type.split(".")[1],
            event.occurred_at.isoformat(),
            event.actor,
            str(event.event_id),
        )
    )


HANDLERS: dict[str, Handler] = {
    "CustomerAccount.Opened": account_opened,
    "CustomerAccount.OrderApplied": order_applied_to_account,
    "CustomerAccount.AttachmentStored": attachment_stored,
    "ChangeOrder.Drafted": order_drafted,
    **dict.fromkeys(_DETAIL_BY_TYPE, order_changed),
}
