"""The MSP's users: who may submit orders and be named implementation lead."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from changeorders.schemas.commands import CreateUser
from changeorders.schemas.views import UserView
from changeorders.services.commands import presenters
from changeorders.services.commands.dependencies import (
    ActingUser,
    IdempotencyKey,
    Idempotent,
    Msp,
    Parts,
    json_response,
)

router = APIRouter(tags=["users"])


@router.get("/v1/users")
def list_users(parts: Parts, msp: Msp) -> list[UserView]:
    return presenters.users(parts.application.msp(msp))


@router.post("/v1/users", status_code=201)
def create_user(
    parts: Parts,
    once: Idempotent,
    msp: Msp,
    acting: ActingUser,
    body: CreateUser,
    idempotency_key: IdempotencyKey = None,
) -> UserView:
    def action() -> JSONResponse:
        parts.application.create_user(msp, acting, body.user_id, body.name, body.email)
        return json_response(UserView(**body.model_dump()), 201)

    return once.run(idempotency_key, acting, body, action)  # type: ignore[return-value]
