"""The HTTP API for partner portals (FastAPI): one router per resource.

Thin: authenticate, parse (pydantic), call the application, present. Failures become HTTP
answers in :mod:`.errors`, the one place that maps them to status codes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app
from starlette.middleware.sessions import SessionMiddleware

from changeorders.services.commands.dependencies import ApiParts
from changeorders.services.commands.errors import ERROR_RESPONSES, install_error_handlers
from changeorders.services.commands.middleware import RequestContext
from changeorders.services.commands.portal import ordering, pages
from changeorders.services.commands.portal.session import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    SignInRequired,
)
from changeorders.services.commands.routes import customers, live, ops, orders, users, webhooks

STATIC = Path(__file__).parent / "portal" / "static"


def create_api(parts: ApiParts, session_secret: str, *, secure_cookie: bool = True) -> FastAPI:
    """The API and, at /portal, the reference portal. ``session_secret`` signs the portal's
    session cookie, which is Secure unless ``secure_cookie`` is off (plain-http development)."""
    api = FastAPI(
        title="changeorders",
        version="1.0.0",
        description="Change orders for MSP partner portals: select, review, confirm, submit.",
        responses=ERROR_RESPONSES,  # type: ignore[arg-type]
    )
    api.state.parts = parts
    install_error_handlers(api)
    api.mount("/metrics", make_asgi_app())
    api.add_middleware(
        SessionMiddleware,
        secret_key=session_secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=secure_cookie,
    )
    api.add_middleware(RequestContext)
    api.mount("/portal/static", StaticFiles(directory=STATIC), name="portal-static")
    api.add_exception_handler(
        SignInRequired, lambda _r, _e: RedirectResponse("/portal/sign-in", 303)
    )
    routers = (ops, customers, users, orders, live, webhooks, pages, ordering)
    for module in routers:
        api.include_router(module.router)
    return api
