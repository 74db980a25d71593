"""The ASGI middleware every request passes: a body size limit and a correlation id.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware wraps
every response in a stream and a task, which cost more than the command on a fast store.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from uuid import uuid4

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from changeorders.adapters.correlation import correlated
from changeorders.schemas.views import ErrorBody

log = logging.getLogger("changeorders.services.commands")

MAX_BODY_BYTES = 64 * 1024
_CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContext:
    """Refuses bodies over :data:`MAX_BODY_BYTES` (413); runs every request under the
    caller's ``X-Correlation-Id`` (or a new one), echoed on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            body = ErrorBody(
                rule="payload-too-large",
                message=f"request bodies are limited to {MAX_BODY_BYTES} bytes",
            )
            await JSONResponse(body.model_dump(mode="json"), status_code=413)(scope, receive, send)
            return
        given = headers.get("x-correlation-id", "")
        correlation_id = given if _CORRELATION_ID.fullmatch(given) else str(uuid4())
        status: dict[str, Any] = {}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Correlation-Id"] = correlation_id
                status["code"] = message["status"]
            await send(message)

        with correlated(correlation_id, path=scope["path"], method=scope["method"]):
            await self.app(scope, receive, send_with_id)
            log.info("%s %s -> %s", scope["method"], scope["path"], status.get("code"))
