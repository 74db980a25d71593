"""The HTTP API for partner portals (FastAPI): one router per resource.

Thin: authenticate, parse (pydantic), call the application, present. Failures become HTTP
answers in :mod:`.errors`, the one place that maps them to status codes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app
from starlette.middleware.sessions import SessionMiddleware

from changeorders.services.commands.dependencies import ApiParts
from changeorders.services.commands.errors import ERROR_RESPONSES, install_error_handlers
from changeorders.services.commands.middleware import RequestContext
from changeorders.services.commands.portal import ordering, pages
from changeorders.services.commands.portal.pages import NotHere, not_here_page
from changeorders.services.commands.portal.session import (
    SESSION_COOKIE,
    SESSION_SECONDS,
    SignInRequired,
)
from changeorders.services.commands.routes import (
    audit,
    customers,
    live,
    ops,
    orders,
    users,
    webhooks,
)

STATIC = Path(__file__).parent / "portal" / "static"
SWAGGER_UI = Path(__file__).parent / "static" / "swagger-ui"


def swagger_ui() -> HTMLResponse:
    """The API's interactive docs, with Swagger UI's files served by this app (offline)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="changeorders API",
        swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )


def create_api(parts: ApiParts, session_secret: str, *, secure_cookie: bool = True) -> FastAPI:
    """The API and, at /portal, the reference portal. ``session_secret`` signs the portal's
    session cookie, which is Secure unless ``secure_cookie`` is off (plain-http development)."""
    api = FastAPI(
        docs_url=None,  # served below from the package, never a CDN
        redoc_url=None,
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
    api.mount("/static/swagger-ui", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
    api.add_api_route("/docs", swagger_ui, include_in_schema=False)
    api.add_exception_handler(
        SignInRequired, lambda _r, _e: RedirectResponse("/portal/sign-in", 303)
    )
    api.add_exception_handler(NotHere, not_here_page)  # type: ignore[arg-type]
    routers = (ops, customers, audit, users, orders, live, webhooks, pages, ordering)
    for module in routers:
        api.include_router(module.router)
    return api
