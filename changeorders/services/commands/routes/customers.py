"""Customers, their attachments and licence counts: reads of the views."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from changeorders.domain.errors import AttachmentNotFound, CustomerNotFound
from changeorders.schemas.views import (
    Catalogue,
    CustomerDetails,
    CustomerOptions,
    CustomerSummary,
    Licences,
)
from changeorders.services.commands import presenters
from changeorders.services.commands.dependencies import (
    NOT_MODIFIED,
    ApiParts,
    Msp,
    Parts,
    with_etag,
)

router = APIRouter(tags=["customers"])


@router.get("/v1/customers")
def list_customers(parts: Parts, msp: Msp) -> list[CustomerSummary]:
    return parts.views().customers(msp)


def customer_details(parts: ApiParts, msp: str, customer: str) -> CustomerDetails:
    """The customer now, from the views (``GET /v1/customers/{customer}`` is in .audit)."""
    details = parts.views().customer(msp, customer)
    if details is None:
        raise CustomerNotFound(f"no customer {customer!r} for MSP {msp}")
    return CustomerDetails(**details)


@router.get(
    "/v1/customers/{customer}/options", response_model=CustomerOptions, responses=NOT_MODIFIED
)
def customer_options(parts: Parts, msp: Msp, customer: str, request: Request) -> Response:
    """What may be chosen for the customer now, at the MSP's contracted prices: the add-ons
    the agreement enables, the primary products along allowed transitions, seat bounds, the
    users who may be implementation lead, and what the two confirmations say."""
    offer, msp_users = parts.application.offer(msp, customer)
    return with_etag(request, presenters.options(offer, msp_users))


@router.get("/v1/catalogue", response_model=Catalogue, responses=NOT_MODIFIED)
def catalogue(parts: Parts, msp: Msp, request: Request) -> Response:
    """The price list at the MSP's contracted prices, and the allowed transitions."""
    app = parts.application
    return with_etag(request, presenters.catalogue(app.price_list(), app.agreement(msp)))


@router.get(
    "/v1/customers/{customer}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def download_attachment(parts: Parts, msp: Msp, customer: str, attachment_id: str) -> Response:
    """An attachment's bytes (the order addenda), with its sha256 in a header."""
    parts.application.customer(msp, customer)
    stored = parts.attachments.get(attachment_id)
    if stored is None or stored.customer != customer:
        raise AttachmentNotFound(f"no attachment {attachment_id!r} on customer {customer}")
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{stored.name}"',
            "Digest": f"sha-256={stored.sha256}",
        },
    )


@router.get("/v1/licences")
def licences(parts: Parts, msp: Msp) -> Licences:
    """Seat counts per customer and product now, and the MSP's totals per product."""
    queries = parts.views()
    return Licences(msp=msp, counts=queries.licences(msp), totals=queries.licence_totals(msp))
