"""What every route depends on: the process's parts, the caller's MSP, idempotency.

Routes declare these as FastAPI dependencies; none of them reads settings or builds
anything: :func:`changeorders.bootstrap.build_api` puts :class:`ApiParts` on the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, StringConstraints

from changeorders.adapters.database import STORE_UNAVAILABLE
from changeorders.adapters.views.queries import ViewQueries
from changeorders.application.application import ChangeOrdersApplication
from changeorders.application.attachments import AttachmentStore
from changeorders.application.errors import (
    AuditRequestInvalid,
    NotAuthenticated,
    ReferenceDataMissing,
)
from changeorders.application.evidence import Evidence
from changeorders.application.webhooks import WebhookRegistry
from changeorders.domain.errors import DomainError
from changeorders.services.commands.errors import error_response
from changeorders.services.commands.idempotency import MAX_KEY_LENGTH, IdempotencyStore


@dataclass(frozen=True)
class ApiParts:
    """Everything the routes use, built once per process by the composition root."""

    application: ChangeOrdersApplication
    idempotency: IdempotencyStore
    views: Callable[[], ViewQueries]  # the views, caught up first on the embedded default
    attachments: AttachmentStore
    webhooks: WebhookRegistry
    evidence: Evidence


def parts(request: Request) -> ApiParts:
    found: ApiParts = request.app.state.parts
    return found


Parts = Annotated[ApiParts, Depends(parts)]

bearer = HTTPBearer(
    auto_error=False,
    description="An MSP-scoped API token, or an auditor's read-only token (GET only).",
)


def current_msp(
    parts: Parts,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The MSP the bearer token acts for: every route is scoped to it. An auditor's token
    reads (GET) the MSP it is for; one for every MSP names it with ``?msp=``."""
    if credentials is None:
        raise NotAuthenticated("send an MSP API token as 'Authorization: Bearer <token>'")
    if request.method not in ("GET", "HEAD"):
        return parts.application.authenticate(credentials.credentials)
    identity = parts.application.identify(credentials.credentials)
    msp = identity.msp_key or request.query_params.get("msp")
    if msp is None:
        raise AuditRequestInvalid(
            f"auditor {identity.auditor} reads every MSP: name one with ?msp=KEY",
            rule="auditor-names-the-msp",
        )
    return msp


Msp = Annotated[str, Depends(current_msp)]
ActingUser = Annotated[
    str,
    Header(
        alias="X-Acting-User",
        description="The MSP user on whose behalf the portal acts; recorded on every event.",
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retries with the same key and body get the first answer; kept 24 h+.",
    ),
    StringConstraints(min_length=1, max_length=MAX_KEY_LENGTH),
]


def json_response(model: BaseModel, status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status, headers=headers)


#: Documented on reads that carry an ETag.
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the If-None-Match ETag is current"}
}


def with_etag(request: Request, model: BaseModel) -> Response:
    """``model`` with a strong ETag (the SHA-256 of its JSON); 304 when the client's
    ``If-None-Match`` already names it."""
    body = model.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    wanted = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


@dataclass(frozen=True)
class Once:
    """Runs a command once per (MSP, idempotency key); retries get the stored answer."""

    request: Request
    msp: str
    store: IdempotencyStore

    def run(
        self,
        key: str | None,
        acting: str,
        command: BaseModel | None,
        action: Callable[[], JSONResponse],
    ) -> Response:
        if key is None:
            return action()
        stored = self.store.reserve(self.msp, key, self._fingerprint(acting, command))
        if stored is not None:
            return Response(
                stored.body,
                status_code=stored.status_code,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = action()
        except (DomainError, ReferenceDataMissing) as exc:
            response = error_response(exc)
        except STORE_UNAVAILABLE:
            with contextlib.suppress(*STORE_UNAVAILABLE):
                self.store.release(self.msp, key)  # let the retry run; the store may be down
            raise
        except BaseException:
            self.store.release(self.msp, key)
            raise
        self.store.complete(self.msp, key, response.status_code, bytes(response.body).decode())
        return response

    def _fingerprint(self, acting: str, command: BaseModel | None) -> str:
        request = [self.request.method, self.request.url.path, acting]
        body = command and command.model_dump()
        text = json.dumps([*request, body], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def once(request: Request, msp: Msp, parts: Parts) -> Once:
    return Once(request, msp, parts.idempotency)


Idempotent = Annotated[Once, Depends(once)]
