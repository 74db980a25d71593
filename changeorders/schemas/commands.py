"""Commands as upstream portals send them (HTTP bodies, CLI arguments)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from changeorders.schemas.reference import Code, Email, Key, Name


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CreateUser(Command):
    user_id: Key
    name: Name
    email: Email


class CreateOrder(Command):
    customer: Key


class KeepPrimary(Command):
    mode: Literal["keep"]


class AddToPrimary(Command):
    mode: Literal["add_to"]
    products: Annotated[list[Code], Field(min_length=1, max_length=10)]


class SelectNewPrimary(Command):
    mode: Literal["select_new"]
    product: Code


PrimaryOption = Annotated[
    KeepPrimary | AddToPrimary | SelectNewPrimary, Field(discriminator="mode")
]


class SelectOptions(Command):
    seat_adjustment: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
    implementation_lead: Key
    primary: PrimaryOption
    add_ons: Annotated[list[Code], Field(max_length=20)] = []


class Confirm(Command):
    accept_msa: bool = Field(description="Ticked: the order is governed by the MSA in effect.")
    confirm_authority: bool = Field(description="Ticked: the submitter may place this order.")


class CancelOrder(Command):
    reason: Annotated[
        str,
        StringConstraints(min_length=1, max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]+$"),
    ] = "cancelled by MSP"


class RegisterWebhook(Command):
    url: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="Where status changes are POSTed; https (http only where allowed)."
    )
    event_types: (
        Annotated[list[Annotated[str, StringConstraints(max_length=60)]], Field(max_length=20)]
        | None
    ) = Field(default=None, description="e.g. order.applied; none: every order status.")
    description: Annotated[
        str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")
    ] = ""
