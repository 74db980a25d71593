"""The HTTP API for partner portals (FastAPI): one router per resource.

Thin: authenticate, parse (pydantic), call the application, present. Failures become HTTP
answers in :mod:`.errors`, the one place that maps them to status codes.
"""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import make_asgi_app

from changeorders.services.commands.dependencies import ApiParts
from changeorders.services.commands.errors import ERROR_RESPONSES, install_error_handlers
from changeorders.services.commands.middleware import RequestContext
from changeorders.services.commands.routes import customers, live, ops, orders, users, webhooks


def create_api(parts: ApiParts) -> FastAPI:
    api = FastAPI(
        title="changeorders",
        version="1.0.0",
        description="Change orders for MSP partner portals: select, review, confirm, submit.",
        responses=ERROR_RESPONSES,  # type: ignore[arg-type]
    )
    api.state.parts = parts
    install_error_handlers(api)
    api.mount("/metrics", make_asgi_app())
    api.add_middleware(RequestContext)
    routers = (ops, customers, users, orders, live, webhooks)
    for module in routers:
        api.include_router(module.router)
    return api
