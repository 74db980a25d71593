"""An MSP's webhook endpoints, their deliveries, and redelivery on request."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from changeorders.adapters.webhooks import Delivery, Endpoint
from changeorders.schemas.commands import RegisterWebhook
from changeorders.schemas.views import WebhookCreated, WebhookDeliveryView, WebhookView
from changeorders.services.commands.dependencies import (
    ActingUser,
    IdempotencyKey,
    Idempotent,
    Msp,
    Parts,
    json_response,
)

router = APIRouter(tags=["webhooks"])


def _view(endpoint: Endpoint) -> WebhookView:
    return WebhookView(
        webhook_id=endpoint.webhook_id,
        url=endpoint.url,
        event_types=endpoint.event_types,
        description=endpoint.description,
        created_by=endpoint.created_by,
        created_at=datetime.fromisoformat(endpoint.created_at),
    )


def _delivery(d: Delivery) -> WebhookDeliveryView:
    return WebhookDeliveryView.model_validate(
        {
            **{k: getattr(d, k) for k in WebhookDeliveryView.model_fields if k != "payload"},
            "next_attempt_at": d.next_attempt_at if d.state == "pending" else None,
            "payload": json.loads(d.payload),
        }
    )


@router.post("/v1/webhooks", status_code=201)
def register_webhook(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    body: RegisterWebhook,
    idempotency_key: IdempotencyKey = None,
) -> WebhookCreated:
    """Every order status change of the MSP's orders is POSTed to ``url``, signed with the
    secret answered here (and only here), per the Standard Webhooks spec."""

    def action() -> JSONResponse:
        registered = parts.webhooks.register(
            msp, acting, body.url, body.event_types, body.description
        )
        view = WebhookCreated(**_view(registered.endpoint).model_dump(), secret=registered.secret)
        return json_response(view, 201, Location=f"/v1/webhooks/{view.webhook_id}")

    return once.run(idempotency_key, acting, body, action)  # type: ignore[return-value]


@router.get("/v1/webhooks")
def list_webhooks(parts: Parts, msp: Msp) -> list[WebhookView]:
    return [_view(e) for e in parts.webhooks.endpoints(msp)]


@router.delete("/v1/webhooks/{webhook_id}", status_code=204, response_class=Response)
def delete_webhook(parts: Parts, msp: Msp, webhook_id: str) -> Response:
    """Stop sending to the endpoint (its delivery log stays until it is gone with it)."""
    parts.webhooks.delete(msp, webhook_id)
    return Response(status_code=204)


@router.get("/v1/webhooks/{webhook_id}/deliveries")
def list_deliveries(parts: Parts, msp: Msp, webhook_id: str) -> list[WebhookDeliveryView]:
    """The endpoint's last 100 deliveries, newest first."""
    return [_delivery(d) for d in parts.webhooks.deliveries(msp, webhook_id)]


@router.post(
    "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_class=Response,
)
def redeliver(parts: Parts, msp: Msp, webhook_id: str, delivery_id: str) -> Response:
    """Send the delivery again now, with the same webhook-id (receivers dedupe by it)."""
    parts.webhooks.redeliver(msp, webhook_id, delivery_id)
    return Response(status_code=202)
