"""The HTTP API for partner portals (FastAPI).

Thin: authenticate, parse (pydantic), call the application, present. Domain errors become
4xx in :func:`error_response`, the one place that maps failures to status codes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import make_asgi_app
from pydantic import BaseModel, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from changeorders.domain.errors import (
    AttachmentNotFound,
    CustomerNotFound,
    DomainError,
    ErrorKind,
)
from changeorders.schemas.commands import (
    CancelOrder,
    Confirm,
    CreateOrder,
    CreateUser,
    SelectOptions,
)
from changeorders.schemas.views import (
    Accepted,
    CustomerDetails,
    CustomerSummary,
    ErrorBody,
    Licences,
    OrderSummary,
    OrderView,
    ReviewView,
    UserView,
)
from changeorders.services.commands import presenters
from changeorders.services.commands.application import ChangeOrdersApplication
from changeorders.services.commands.attachments import AttachmentStore
from changeorders.services.commands.errors import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    NotAuthenticated,
    ReferenceDataMissing,
)
from changeorders.services.commands.idempotency import MAX_KEY_LENGTH, IdempotencyStore
from changeorders.services.commands.middleware import RequestContext
from changeorders.services.commands.parsing import to_options
from changeorders.services.projections.local import LocalViews

log = logging.getLogger(__name__)

#: A database that is down or a connection that was cut: the command did not happen, and
#: the client may retry it (with its idempotency key, it cannot happen twice).
STORE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)

_STATUS_BY_KIND = {ErrorKind.RULE: 422, ErrorKind.CONFLICT: 409, ErrorKind.NOT_FOUND: 404}
_ERRORS = {code: {"model": ErrorBody} for code in (401, 404, 409, 413, 422, 503)}

_bearer = HTTPBearer(auto_error=False, description="An MSP-scoped API token.")

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


def current_msp(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The MSP the bearer token acts for: every route is scoped to it."""
    if credentials is None:
        raise NotAuthenticated("send an MSP API token as 'Authorization: Bearer <token>'")
    service: ChangeOrdersApplication = request.app.state.service
    return service.authenticate(credentials.credentials)


Msp = Annotated[str, Depends(current_msp)]


def error_response(exc: Exception) -> JSONResponse:
    """The single mapping from a failure to an HTTP answer naming the broken rule."""
    if isinstance(exc, DomainError):
        body = ErrorBody(rule=exc.rule, message=exc.message, hint=exc.hint)
        return JSONResponse(body.model_dump(mode="json"), status_code=_STATUS_BY_KIND[exc.kind])
    if isinstance(exc, NotAuthenticated):
        body = ErrorBody(rule="authentication-required", message=str(exc))
        return JSONResponse(
            body.model_dump(mode="json"),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, IdempotencyKeyReused | IdempotencyKeyInFlight):
        status = 422 if isinstance(exc, IdempotencyKeyReused) else 409
        body = ErrorBody(rule=exc.rule, message=str(exc))
        return JSONResponse(body.model_dump(mode="json"), status_code=status)
    if isinstance(exc, STORE_UNAVAILABLE):
        body = ErrorBody(
            rule="event-store-unavailable",
            message="the event store did not answer; nothing was stored: retry the request",
        )
        return JSONResponse(
            body.model_dump(mode="json"), status_code=503, headers={"Retry-After": "1"}
        )
    if isinstance(exc, ReferenceDataMissing):
        body = ErrorBody(rule="service-not-ready", message=str(exc))
        return JSONResponse(body.model_dump(mode="json"), status_code=503)
    raise exc


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """Errors the framework raises itself, in our error shape; a body that cannot even be
    parsed is a malformed request like any other (422)."""
    if exc.status_code == 400:
        body = ErrorBody(rule="invalid-request", message=f"the request body: {exc.detail}")
        return JSONResponse(body.model_dump(mode="json"), status_code=422)
    body = ErrorBody(rule=f"http-{exc.status_code}", message=str(exc.detail))
    return JSONResponse(body.model_dump(mode="json"), status_code=exc.status_code)


def validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    body = ErrorBody(
        rule="invalid-request",
        message="the request is malformed: see errors for the fields",
        errors=errors,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=422)


def create_api(
    service: ChangeOrdersApplication,
    idempotency: IdempotencyStore,
    views: LocalViews,
    attachments: AttachmentStore,
) -> FastAPI:
    api = FastAPI(
        title="changeorders",
        version="1.0.0",
        description="Change orders for MSP partner portals: select, review, confirm, submit.",
        responses=_ERRORS,  # type: ignore[arg-type]
    )
    api.state.service = service

    def idempotent(
        request: Request,
        msp: str,
        key: str | None,
        acting: str,
        command: BaseModel | None,
        action: Callable[[], JSONResponse],
    ) -> Response:
        """Run ``action`` once per (MSP, key); replay its stored answer for retries."""
        if key is None:
            return action()
        fingerprint = hashlib.sha256(
            json.dumps(
                [request.method, request.url.path, acting, command and command.model_dump()],
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        stored = idempotency.reserve(msp, key, fingerprint)
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
                idempotency.release(msp, key)  # let the retry run; the store may still be down
            raise
        except BaseException:
            idempotency.release(msp, key)
            raise
        idempotency.complete(msp, key, response.status_code, bytes(response.body).decode())
        return response

    def json_response(model: BaseModel, status: int = 200, **headers: str) -> JSONResponse:
        return JSONResponse(model.model_dump(mode="json"), status_code=status, headers=headers)

    for exc_type in (
        DomainError,
        NotAuthenticated,
        IdempotencyKeyReused,
        IdempotencyKeyInFlight,
        ReferenceDataMissing,
        *STORE_UNAVAILABLE,
    ):
        api.add_exception_handler(exc_type, lambda _r, e: error_response(e))
    api.add_exception_handler(
        StarletteHTTPException,
        lambda _r, e: http_error_response(e),
    )
    api.add_exception_handler(
        RequestValidationError,
        lambda _r, e: validation_response(e),
    )

    api.mount("/metrics", make_asgi_app())

    api.add_middleware(RequestContext)

    @api.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Alive: the process answers."""
        return {"status": "ok"}

    @api.get("/readyz", tags=["ops"], responses={503: {"model": ErrorBody}})
    def readyz() -> JSONResponse:
        """Ready: the event store answers a query."""
        try:
            with service.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
                cursor.execute("SELECT 1")
        except (PersistenceError, psycopg.Error, sqlite3.Error) as exc:
            body = ErrorBody(rule="event-store-unavailable", message=str(exc))
            return JSONResponse(body.model_dump(mode="json"), status_code=503)
        return JSONResponse({"status": "ready"})

    @api.get("/v1/customers", tags=["customers"])
    def list_customers(msp: Msp) -> list[CustomerSummary]:
        return views.read().customers(msp)

    @api.get("/v1/customers/{customer}", tags=["customers"])
    def get_customer(msp: Msp, customer: str) -> CustomerDetails:
        details = views.read().customer(msp, customer)
        if details is None:
            raise CustomerNotFound(f"no customer {customer!r} for MSP {msp}")
        return CustomerDetails(**details)

    @api.get(
        "/v1/customers/{customer}/attachments/{attachment_id}",
        tags=["customers"],
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
    )
    def download_attachment(msp: Msp, customer: str, attachment_id: str) -> Response:
        """An attachment's bytes (the order addenda), with its sha256 in a header."""
        service.customer(msp, customer)
        stored = attachments.get(attachment_id)
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

    @api.get("/v1/licences", tags=["customers"])
    def licences(msp: Msp) -> Licences:
        """Seat counts per customer and product now, and the MSP's totals per product."""
        queries = views.read()
        return Licences(msp=msp, counts=queries.licences(msp), totals=queries.licence_totals(msp))

    @api.get("/v1/users", tags=["users"])
    def list_users(msp: Msp) -> list[UserView]:
        return presenters.users(service.msp(msp))

    @api.post("/v1/users", status_code=201, tags=["users"])
    def create_user(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        body: CreateUser,
        idempotency_key: IdempotencyKey = None,
    ) -> UserView:
        def action() -> JSONResponse:
            service.create_user(msp, acting, body.user_id, body.name, body.email)
            return json_response(UserView(**body.model_dump()), 201)

        return idempotent(request, msp, idempotency_key, acting, body, action)  # type: ignore[return-value]

    @api.post("/v1/orders", status_code=201, tags=["orders"])
    def create_order(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        body: CreateOrder,
        idempotency_key: IdempotencyKey = None,
    ) -> OrderView:
        def action() -> JSONResponse:
            order_id = service.create_order(msp, acting, body.customer)
            view = order_view(msp, order_id)
            return json_response(view, 201, Location=f"/v1/orders/{order_id}")

        return idempotent(request, msp, idempotency_key, acting, body, action)  # type: ignore[return-value]

    def order_view(msp: str, order_id: UUID) -> OrderView:
        return presenters.order(*service.order_with_history(msp, order_id))

    @api.get("/v1/orders", tags=["orders"])
    def list_orders(msp: Msp, open_only: bool = True) -> list[OrderSummary]:
        """The MSP's orders, newest first; by default only open drafts (saved quotes)."""
        return views.read().orders(msp, open_only=open_only)

    @api.get("/v1/orders/{order_id}", tags=["orders"])
    def get_order(msp: Msp, order_id: UUID) -> OrderView:
        return order_view(msp, order_id)

    @api.put("/v1/orders/{order_id}/options", tags=["orders"])
    def select_options(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        order_id: UUID,
        body: SelectOptions,
        idempotency_key: IdempotencyKey = None,
    ) -> OrderView:
        def action() -> JSONResponse:
            service.select_options(msp, acting, order_id, to_options(body))
            return json_response(order_view(msp, order_id))

        return idempotent(request, msp, idempotency_key, acting, body, action)  # type: ignore[return-value]

    @api.post("/v1/orders/{order_id}/review", tags=["orders"])
    def review(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        order_id: UUID,
        idempotency_key: IdempotencyKey = None,
    ) -> ReviewView:
        def action() -> JSONResponse:
            order, _ = service.review(msp, acting, order_id)
            return json_response(presenters.review(order, service.agreement(msp)))

        return idempotent(request, msp, idempotency_key, acting, None, action)  # type: ignore[return-value]

    @api.post("/v1/orders/{order_id}/confirm", tags=["orders"])
    def confirm(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        order_id: UUID,
        body: Confirm,
        idempotency_key: IdempotencyKey = None,
    ) -> OrderView:
        def action() -> JSONResponse:
            service.confirm(msp, acting, order_id, body.accept_msa, body.confirm_authority)
            return json_response(order_view(msp, order_id))

        return idempotent(request, msp, idempotency_key, acting, body, action)  # type: ignore[return-value]

    @api.post("/v1/orders/{order_id}/submit", status_code=202, tags=["orders"])
    def submit(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        order_id: UUID,
        idempotency_key: IdempotencyKey = None,
    ) -> Accepted:
        def action() -> JSONResponse:
            order = service.submit(msp, acting, order_id)
            url = f"/v1/orders/{order_id}"
            accepted = Accepted(
                order_id=order_id,
                status=order.status.value,
                message="Your order is being processed.",
                status_url=url,
            )
            return json_response(accepted, 202, Location=url)

        return idempotent(request, msp, idempotency_key, acting, None, action)  # type: ignore[return-value]

    @api.post("/v1/orders/{order_id}/cancel", tags=["orders"])
    def cancel(
        request: Request,
        msp: Msp,
        acting: ActingUser,
        order_id: UUID,
        body: CancelOrder,
        idempotency_key: IdempotencyKey = None,
    ) -> OrderView:
        def action() -> JSONResponse:
            service.cancel(msp, acting, order_id, body.reason)
            return json_response(order_view(msp, order_id))

        return idempotent(request, msp, idempotency_key, acting, body, action)  # type: ignore[return-value]

    return api
