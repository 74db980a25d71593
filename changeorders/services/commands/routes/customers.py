"""Customers, their attachments and licence counts: reads of the views."""

from __future__ import annotations

from fastapi import APIRouter, Response

from changeorders.domain.errors import AttachmentNotFound, CustomerNotFound
from changeorders.schemas.views import CustomerDetails, CustomerSummary, Licences
from changeorders.services.commands.dependencies import Msp, Parts

router = APIRouter(tags=["customers"])


@router.get("/v1/customers")
def list_customers(parts: Parts, msp: Msp) -> list[CustomerSummary]:
    return parts.views().customers(msp)


@router.get("/v1/customers/{customer}")
def get_customer(parts: Parts, msp: Msp, customer: str) -> CustomerDetails:
    details = parts.views().customer(msp, customer)
    if details is None:
        raise CustomerNotFound(f"no customer {customer!r} for MSP {msp}")
    return CustomerDetails(**details)


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
