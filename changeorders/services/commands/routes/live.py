"""Live status: an order's status changes as Server-Sent Events, for a page that wants to
follow an order without webhooks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from uuid import UUID

import anyio.to_thread
from fastapi import APIRouter
from sse_starlette import EventSourceResponse

from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain.order import OrderStatus, StatusChange
from changeorders.services.commands.dependencies import Msp, Parts

router = APIRouter(tags=["orders"])

#: After these an order's status never changes again: the stream ends.
FINAL = frozenset({OrderStatus.NOTIFIED, OrderStatus.REJECTED, OrderStatus.CANCELLED})
POLL_SECONDS = 0.25
PING_SECONDS = 15


@router.get(
    "/v1/orders/{order_id}/events",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "status events"}},
)
async def order_events(parts: Parts, msp: Msp, order_id: UUID) -> EventSourceResponse:
    """Every status the order has had (``event: status``, ``id``: the order's version), then
    each change as it happens, until it is notified, rejected or cancelled."""
    app = parts.application
    await anyio.to_thread.run_sync(app.order, msp, order_id)  # 404 before streaming
    return EventSourceResponse(_statuses(app, msp, order_id), ping=PING_SECONDS)


async def _statuses(
    app: ChangeOrdersApplication, msp: str, order_id: UUID
) -> AsyncIterator[dict[str, str]]:
    seen = 0
    while True:
        for change in await anyio.to_thread.run_sync(app.status_changes, msp, order_id, seen):
            seen = change.version
            yield {"event": "status", "id": str(change.version), "data": _data(order_id, change)}
            if change.status in FINAL:
                return
        await anyio.sleep(POLL_SECONDS)


def _data(order_id: UUID, change: StatusChange) -> str:
    return json.dumps(
        {
            "order_id": str(order_id),
            "status": change.status.value,
            "version": change.version,
            "at": change.at.isoformat(),
            "rejection": change.rejection,
        }
    )
