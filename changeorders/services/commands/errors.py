"""The one place where failures become HTTP answers that name the broken rule.

Domain rule violations are 422, conflicts 409, another MSP's things 404, a missing or
unknown token 401, an auditor's token on a command 403, the event store down 503 with
``Retry-After``. Anything else is a bug and propagates (a 500 with its traceback in the
log), never a disguised 4xx.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from changeorders.adapters.database import STORE_UNAVAILABLE
from changeorders.application.errors import (
    AuditRequestInvalid,
    EvidenceBroken,
    NotAuthenticated,
    ReadOnlyToken,
    ReferenceDataMissing,
)
from changeorders.domain.errors import DomainError, ErrorKind
from changeorders.schemas.views import ErrorBody


class IdempotencyKeyReused(Exception):
    """The same idempotency key came back with a different request."""

    rule = "idempotency-key-reused"


class IdempotencyKeyInFlight(Exception):
    """A request with this idempotency key is still being processed."""

    rule = "idempotency-key-in-flight"


_STATUS_BY_KIND = {ErrorKind.RULE: 422, ErrorKind.CONFLICT: 409, ErrorKind.NOT_FOUND: 404}
#: What every operation may answer besides its success, documented in the OpenAPI.
ERROR_RESPONSES = {code: {"model": ErrorBody} for code in (401, 403, 404, 409, 413, 422, 503)}
#: Failures answered by :func:`error_response` (the rest propagate).
HANDLED = (
    DomainError,
    NotAuthenticated,
    IdempotencyKeyReused,
    IdempotencyKeyInFlight,
    ReferenceDataMissing,
    AuditRequestInvalid,
    EvidenceBroken,
    *STORE_UNAVAILABLE,
)


def _answer(status: int, rule: str, message: str, **headers: str) -> JSONResponse:
    body = ErrorBody(rule=rule, message=message)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def error_response(exc: Exception) -> JSONResponse:
    """The single mapping from a failure to an HTTP answer naming the broken rule."""
    if isinstance(exc, DomainError):
        body = ErrorBody(rule=exc.rule, message=exc.message, hint=exc.hint)
        return JSONResponse(body.model_dump(mode="json"), status_code=_STATUS_BY_KIND[exc.kind])
    if isinstance(exc, ReadOnlyToken):
        return _answer(403, exc.rule, str(exc))
    if isinstance(exc, NotAuthenticated):
        return _answer(401, "authentication-required", str(exc), **{"WWW-Authenticate": "Bearer"})
    if isinstance(exc, IdempotencyKeyReused | IdempotencyKeyInFlight):
        return _answer(422 if isinstance(exc, IdempotencyKeyReused) else 409, exc.rule, str(exc))
    if isinstance(exc, STORE_UNAVAILABLE):
        message = "the event store did not answer; nothing was stored: retry the request"
        return _answer(503, "event-store-unavailable", message, **{"Retry-After": "1"})
    if isinstance(exc, AuditRequestInvalid):
        return _answer(404 if exc.rule == "event-not-in-log" else 422, exc.rule, str(exc))
    if isinstance(exc, EvidenceBroken):
        return _answer(409, "evidence-broken", str(exc))
    if isinstance(exc, ReferenceDataMissing):
        return _answer(503, "service-not-ready", str(exc))
    raise exc


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """Errors the framework raises itself, in our error shape; a body that cannot even be
    parsed is a malformed request like any other (422)."""
    if exc.status_code == 400:
        return _answer(422, "invalid-request", f"the request body: {exc.detail}")
    return _answer(exc.status_code, f"http-{exc.status_code}", str(exc.detail))


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


def install_error_handlers(api: FastAPI) -> None:
    for exc_type in HANDLED:
        api.add_exception_handler(exc_type, lambda _r, e: error_response(e))
    api.add_exception_handler(StarletteHTTPException, lambda _r, e: http_error_response(e))
    api.add_exception_handler(RequestValidationError, lambda _r, e: validation_response(e))
