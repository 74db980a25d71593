"""The auditors' tools: full histories, and state as of any moment, from the events alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from changeorders.adapters.publishing import published_events
from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain import ids
from changeorders.domain.account import CustomerAccount
from changeorders.domain.agreement import MspAgreement
from changeorders.domain.catalogue import Catalogue
from changeorders.domain.errors import CustomerNotFound, OrderNotFound
from changeorders.domain.options import AccountState
from changeorders.domain.order import ChangeOrder
from changeorders.domain.pricing import price
from changeorders.schemas.events import PublishedEvent


def order_history(app: ChangeOrdersApplication, msp: str, order_id: UUID) -> list[PublishedEvent]:
    app.order(msp, order_id)  # tenancy: another MSP's order is not found
    return [e for e in published_events(app) if e.aggregate_id == order_id]


def customer_history(app: ChangeOrdersApplication, msp: str, customer: str) -> list[PublishedEvent]:
    """The account's events and those of every order placed for it, in store order."""
    app.customer(msp, customer)
    return [e for e in published_events(app) if e.customer == customer and e.msp == msp]


def msp_history(app: ChangeOrdersApplication, msp: str) -> Iterator[PublishedEvent]:
    return (e for e in published_events(app) if e.msp == msp)


def changed_fields(event: PublishedEvent) -> str:
    """A one-line summary of what the event set, for people."""
    parts = []
    for key, value in event.data.items():
        if key.endswith("_by") or key in ("quote", "terms", "price_list"):
            continue
        text = value if isinstance(value, str) else str(value)
        parts.append(f"{key}={text if len(text) <= 40 else text[:37] + '...'}")
    if "quote" in event.data:
        quote = event.data["quote"]
        parts.append(f"monthly {quote['monthly_before']} -> {quote['monthly_after']}")
    return ", ".join(parts)


@dataclass(frozen=True)
class AccountAsOf:
    state: AccountState
    as_of: datetime | None
    monthly_cost: Decimal
    price_list_version: str
    agreement_version: int


def _version_at(app: ChangeOrdersApplication, aggregate_id: UUID, at: datetime) -> int | None:
    versions = [
        e.originator_version
        for e in app.events.get(aggregate_id)
        if e.timestamp <= at  # type: ignore[attr-defined]
    ]
    return versions[-1] if versions else None


def _as_of(
    app: ChangeOrdersApplication, aggregate_id: UUID, at: datetime | None, version: int | None
) -> Any:
    if at is not None:
        version = _version_at(app, aggregate_id, at)
        if version is None:
            return None
    return app.repository.get(aggregate_id, version=version)


def account_as_of(
    app: ChangeOrdersApplication,
    msp: str,
    customer: str,
    at: datetime | None = None,
    version: int | None = None,
) -> AccountAsOf:
    """The account then, priced with the price list and agreement in force then."""
    app.customer(msp, customer)
    account = _as_of(app, ids.customer_id(customer), at, version)
    if not isinstance(account, CustomerAccount):
        raise CustomerNotFound(f"customer {customer} did not exist at {at}")
    when = at or account.modified_on
    catalogue = _as_of(app, ids.catalogue_id(), when, None)
    agreement = _as_of(app, ids.agreement_id(msp), when, None)
    assert isinstance(catalogue, Catalogue)  # reference data precedes every account
    assert isinstance(agreement, MspAgreement)
    state = account.state
    quote = price(state, state, catalogue.current, agreement.current)
    return AccountAsOf(
        state, at, quote.monthly_after, catalogue.current.version, agreement.current.version
    )


def order_as_of(
    app: ChangeOrdersApplication,
    msp: str,
    order_id: UUID,
    at: datetime | None = None,
    version: int | None = None,
) -> ChangeOrder:
    app.order(msp, order_id)
    order = _as_of(app, order_id, at, version)
    if not isinstance(order, ChangeOrder):
        raise OrderNotFound(f"order {order_id} did not exist at {at}")
    return order
