"""For auditors: histories, accounts as of a moment, exports, and the log's evidence
(signed checkpoints, inclusion and consistency proofs). Every route reads; an auditor's
token reads its MSP (or, for every MSP, the one named with ``?msp=``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials

from changeorders.adapters.publishing import owner_of
from changeorders.application import audit
from changeorders.application.application import Identity
from changeorders.application.errors import AuditRequestInvalid, NotAuthenticated
from changeorders.schemas.audit import AccountAsOf, CheckpointView, ConsistencyProof, InclusionProof
from changeorders.schemas.events import PublishedEvent
from changeorders.schemas.views import CustomerDetails
from changeorders.services.commands.dependencies import Msp, Parts, bearer
from changeorders.services.commands.routes.customers import customer_details

router = APIRouter(tags=["audit"])


def identity(
    parts: Parts,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Identity:
    if credentials is None:
        raise NotAuthenticated("send an API or auditor token as 'Authorization: Bearer <token>'")
    return parts.application.identify(credentials.credentials)


Reader = Annotated[Identity, Depends(identity)]
AsOf = Annotated[
    datetime | None, Query(description="A moment (ISO 8601; UTC when no zone is given).")
]
Version = Annotated[int | None, Query(ge=1, description="The account's aggregate version.")]


@router.get("/v1/orders/{order_id}/history")
def order_history(parts: Parts, msp: Msp, order_id: UUID) -> list[PublishedEvent]:
    """Every event of the order, as published (ids, versions, actors, correlation ids)."""
    return audit.order_history(parts.application, msp, order_id)


@router.get("/v1/customers/{customer}/history")
def customer_history(parts: Parts, msp: Msp, customer: str) -> list[PublishedEvent]:
    """The account's events and those of every order placed for it, in store order."""
    return audit.customer_history(parts.application, msp, customer)


@router.get("/v1/customers/{customer}", response_model=CustomerDetails | AccountAsOf)
def get_customer(
    parts: Parts, msp: Msp, customer: str, as_of: AsOf = None, version: Version = None
) -> CustomerDetails | AccountAsOf:
    """The customer now (from the views); with ``as_of`` or ``version``, the account as it
    stood then, rebuilt from its events and priced with the reference data in force then."""
    if as_of is None and version is None:
        return customer_details(parts, msp, customer)
    at = as_of.replace(tzinfo=as_of.tzinfo or UTC) if as_of else None
    then = audit.account_as_of(parts.application, msp, customer, at, version)
    state = then.state
    return AccountAsOf(
        customer=customer,
        as_of=at,
        version=state.version,
        primary_products=list(state.primary_products),
        add_ons=list(state.add_ons),
        seats=state.seats,
        implementation_lead=state.implementation_lead,
        monthly_cost=f"{then.monthly_cost:.2f}",
        price_list_version=then.price_list_version,
        agreement_version=then.agreement_version,
    )


@router.get(
    "/v1/customers/{customer}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(parts: Parts, msp: Msp, customer: str) -> StreamingResponse:
    """The customer's whole history as JSON lines, streamed (one published event a line)."""
    parts.application.customer(msp, customer)  # tenancy, before the first byte

    def lines() -> Iterator[bytes]:
        for event in audit.msp_history(parts.application, msp):
            if event.customer == customer:
                yield event.model_dump_json().encode() + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get("/v1/audit/checkpoints")
def checkpoints(parts: Parts, _reader: Reader) -> list[CheckpointView]:
    """Every signed checkpoint, oldest first. Keep one: later, a consistency proof from it
    shows that nothing it covered was changed."""
    return [CheckpointView(**c) for c in parts.evidence.checkpoints()]


@router.get("/v1/audit/public-key", response_class=PlainTextResponse)
def public_key(parts: Parts) -> str:
    """The Ed25519 public key (PEM) that verifies the checkpoints' signatures."""
    if parts.evidence.key is None:
        raise AuditRequestInvalid("this deployment signs no checkpoints", rule="no-signing-key")
    return parts.evidence.key.public_pem()


@router.get("/v1/audit/proofs/inclusion/{event_id}")
def inclusion(
    parts: Parts,
    reader: Reader,
    event_id: UUID,
    tree_size: Annotated[int | None, Query(ge=1, description="A checkpoint's size.")] = None,
) -> InclusionProof:
    """The event (its stored JSON, the hash before it) and its audit path to the root of
    the log of ``tree_size`` entries (default: the whole log)."""
    proof: dict[str, Any] = parts.evidence.inclusion(event_id, tree_size)
    msp, _customer = owner_of(parts.application, UUID(proof["aggregate_id"]))
    if reader.msp_key is not None and msp != reader.msp_key:
        raise AuditRequestInvalid(f"no event {event_id} in the log", rule="event-not-in-log")
    return InclusionProof(**proof)


@router.get("/v1/audit/proofs/consistency")
def consistency(
    parts: Parts,
    _reader: Reader,
    first: Annotated[int, Query(ge=1, description="The size of the checkpoint you hold.")],
    second: Annotated[int | None, Query(ge=1, description="Default: the whole log.")] = None,
) -> ConsistencyProof:
    """Proof that the log of ``first`` entries is a prefix of the log of ``second``."""
    return ConsistencyProof(**parts.evidence.consistency(first, second))
