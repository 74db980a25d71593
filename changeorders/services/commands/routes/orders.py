"""A change order's steps: create, select options, review, confirm, submit, cancel."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from changeorders.application.application import ChangeOrdersApplication
from changeorders.schemas.commands import CancelOrder, Confirm, CreateOrder, SelectOptions
from changeorders.schemas.views import Accepted, OrderSummary, OrderView, ReviewView
from changeorders.services.commands import presenters
from changeorders.services.commands.dependencies import (
    ActingUser,
    IdempotencyKey,
    Idempotent,
    Msp,
    Parts,
    json_response,
)
from changeorders.services.commands.parsing import to_options

router = APIRouter(tags=["orders"])


def order_view(application: ChangeOrdersApplication, msp: str, order_id: UUID) -> OrderView:
    return presenters.order(*application.order_with_history(msp, order_id))


@router.post("/v1/orders", status_code=201)
def create_order(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    body: CreateOrder,
    idempotency_key: IdempotencyKey = None,
) -> OrderView:
    def action() -> JSONResponse:
        order_id = parts.application.create_order(msp, acting, body.customer)
        view = order_view(parts.application, msp, order_id)
        return json_response(view, 201, Location=f"/v1/orders/{order_id}")

    return once.run(idempotency_key, acting, body, action)  # type: ignore[return-value]


@router.get("/v1/orders")
def list_orders(parts: Parts, msp: Msp, open_only: bool = True) -> list[OrderSummary]:
    """The MSP's orders, newest first; by default only open drafts (saved quotes)."""
    return parts.views().orders(msp, open_only=open_only)


@router.get("/v1/orders/{order_id}")
def get_order(parts: Parts, msp: Msp, order_id: UUID) -> OrderView:
    return order_view(parts.application, msp, order_id)


@router.put("/v1/orders/{order_id}/options")
def select_options(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    order_id: UUID,
    body: SelectOptions,
    idempotency_key: IdempotencyKey = None,
) -> OrderView:
    def action() -> JSONResponse:
        parts.application.select_options(msp, acting, order_id, to_options(body))
        return json_response(order_view(parts.application, msp, order_id))

    return once.run(idempotency_key, acting, body, action)  # type: ignore[return-value]


@router.post("/v1/orders/{order_id}/review")
def review(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    order_id: UUID,
    idempotency_key: IdempotencyKey = None,
) -> ReviewView:
    def action() -> JSONResponse:
        order, _ = parts.application.review(msp, acting, order_id)
        return json_response(presenters.review(order, parts.application.agreement(msp)))

    return once.run(idempotency_key, acting, None, action)  # type: ignore[return-value]


@router.post("/v1/orders/{order_id}/confirm")
def confirm(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    order_id: UUID,
    body: Confirm,
    idempotency_key: IdempotencyKey = None,
) -> OrderView:
    def action() -> JSONResponse:
        app = parts.application
        app.confirm(msp, acting, order_id, body.accept_msa, body.confirm_authority)
        return json_response(order_view(app, msp, order_id))

    return once.run(idempotency_key, acting, body, action)  # type: ignore[return-value]


@router.post("/v1/orders/{order_id}/submit", status_code=202)
def submit(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    order_id: UUID,
    idempotency_key: IdempotencyKey = None,
) -> Accepted:
    def action() -> JSONResponse:
        order = parts.application.submit(msp, acting, order_id)
        url = f"/v1/orders/{order_id}"
        accepted = Accepted(
            order_id=order_id,
            status=order.status,
            message="Your order is being processed.",
            status_url=url,
        )
        return json_response(accepted, 202, Location=url)

    return once.run(idempotency_key, acting, None, action)  # type: ignore[return-value]


@router.post("/v1/orders/{order_id}/cancel")
def cancel(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    order_id: UUID,
    body: CancelOrder,
    idempotency_key: IdempotencyKey = None,
) -> OrderView:
    def action() -> JSONResponse:
        parts.application.cancel(msp, acting, order_id, body.reason)
        return json_response(order_view(parts.application, msp, order_id))

    return once.run(idempotency_key, acting, body, action)  # type: ignore[return-value]
