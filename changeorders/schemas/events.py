"""Events as published on Kafka: one envelope, a typed payload per event type, versions.

Every published event carries its id (stable across republishing), its type, the schema
version of its payload, the aggregate id and version, the time, the acting user, the
customer and MSP it concerns, and a correlation id. Consumers read records with
:func:`parse_published`, which upcasts payloads stored in older shapes to the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

ENVELOPE_VERSION = 1


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceListPublished(Payload):
    price_list: dict[str, Any]


class AgreementSigned(Payload):
    msp_key: str
    terms: dict[str, Any]


class AgreementAmended(Payload):
    terms: dict[str, Any]


class MspRegistered(Payload):
    key: str
    name: str


class UserCreated(Payload):
    user_id: str
    name: str
    email: str
    created_by: str


class CustomerAdded(Payload):
    customer_key: str


class AccountOpened(Payload):
    key: str
    msp_key: str
    name: str
    primary_products: list[str]
    add_ons: list[str]
    seats: int
    implementation_lead: str


class OrderAppliedToAccount(Payload):
    order_id: str
    primary_products: list[str]
    add_ons: list[str]
    seats: int
    implementation_lead: str


class OrderDrafted(Payload):
    msp_key: str
    customer_key: str
    created_by: str


class OptionsSelected(Payload):
    options: dict[str, Any]
    selected_by: str


class OrderReviewed(Payload):
    review_number: int
    quote: dict[str, Any]
    reviewed_by: str


class OrderConfirmed(Payload):
    review_number: int
    msa_id: str
    msa_title: str
    msa_sha256: str
    authority_statement: str
    authority_sha256: str
    confirmed_by: str


class OrderSubmitted(Payload):
    review_number: int
    submitted_by: str


class OrderApplied(Payload):
    quote: dict[str, Any]
    account_version: int


class OrderRejected(Payload):
    rule: str
    reason: str


class AttachmentStored(Payload):
    attachment_id: str
    order_id: str
    name: str
    media_type: str
    size: int
    sha256: str


class AddendumIssued(Payload):
    attachment_id: str
    sha256: str


class NotificationSent(Payload):
    role: str
    recipient: str
    message_id: str


class NotificationFailed(Payload):
    role: str
    recipient: str
    reason: str


class OrderCancelled(Payload):
    cancelled_by: str
    reason: str


PAYLOADS: dict[str, type[Payload]] = {
    "Catalogue.Published": PriceListPublished,
    "Catalogue.Revised": PriceListPublished,
    "MspAgreement.Signed": AgreementSigned,
    "MspAgreement.Amended": AgreementAmended,
    "Msp.Registered": MspRegistered,
    "Msp.UserCreated": UserCreated,
    "Msp.CustomerAdded": CustomerAdded,
    "CustomerAccount.Opened": AccountOpened,
    "CustomerAccount.OrderApplied": OrderAppliedToAccount,
    "CustomerAccount.AttachmentStored": AttachmentStored,
    "ChangeOrder.Drafted": OrderDrafted,
    "ChangeOrder.OptionsSelected": OptionsSelected,
    "ChangeOrder.Reviewed": OrderReviewed,
    "ChangeOrder.Confirmed": OrderConfirmed,
    "ChangeOrder.Submitted": OrderSubmitted,
    "ChangeOrder.Applied": OrderApplied,
    "ChangeOrder.Rejected": OrderRejected,
    "ChangeOrder.Cancelled": OrderCancelled,
    "ChangeOrder.AddendumIssued": AddendumIssued,
    "ChangeOrder.NotificationSent": NotificationSent,
    "ChangeOrder.NotificationFailed": NotificationFailed,
}

#: The current schema version of each event type's payload (1 unless listed).
SCHEMA_VERSIONS: dict[str, int] = {}

#: ``(type, version) -> function`` turning a payload of that version into the next one.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def current_version(event_type: str) -> int:
    return SCHEMA_VERSIONS.get(event_type, 1)


class PublishedEvent(BaseModel):
    """The envelope every consumer reads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    envelope_version: int = ENVELOPE_VERSION
    event_id: UUID
    type: str
    schema_version: int
    aggregate_id: UUID
    aggregate_version: int
    occurred_at: datetime
    actor: str | None
    customer: str | None
    msp: str | None
    correlation_id: str | None
    position: int
    data: dict[str, Any]

    def payload(self) -> Payload:
        return PAYLOADS[self.type].model_validate(self.data)


class UnreadableEvent(ValueError):
    """A record no consumer can handle: malformed, unknown type, or an unknown version."""


def upcast(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring a payload stored in an older shape up to the current version."""
    while version < current_version(event_type):
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise UnreadableEvent(f"no upcaster for {event_type} v{version}")
        data, version = step(data), version + 1
    if version > current_version(event_type):
        raise UnreadableEvent(f"{event_type} v{version} is newer than this consumer knows")
    return data


def parse_published(raw: bytes) -> PublishedEvent:
    """Read a published record, upcast its payload, and validate it against its type."""
    try:
        event = PublishedEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise UnreadableEvent(f"not a published event: {exc.error_count()} errors") from exc
    if event.type not in PAYLOADS:
        raise UnreadableEvent(f"unknown event type {event.type!r}")
    data = upcast(event.type, event.schema_version, event.data)
    try:
        PAYLOADS[event.type].model_validate(data)
    except ValidationError as exc:
        raise UnreadableEvent(f"{event.type} payload is invalid: {exc}") from exc
    return event.model_copy(update={"data": data, "schema_version": current_version(event.type)})
