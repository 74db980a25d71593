"""The reference-data file: price list, MSPs with users and agreements, customers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{0,31}$")]
PriceText = Annotated[str, StringConstraints(pattern=r"^\d{1,7}(\.\d{1,6})?$")]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$", max_length=254)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductIn(Strict):
    code: Code
    name: Name
    kind: Literal["primary", "add-on"]
    list_price: PriceText


class TransitionsIn(Strict):
    add_to: list[Code] = []
    replace_with: list[Code] = []


class PriceListIn(Strict):
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    products: list[ProductIn]
    transitions: dict[Code, TransitionsIn] = {}


class UserIn(Strict):
    user_id: Key
    name: Name
    email: Email


class MsaIn(Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(min_length=1)]


class AgreementIn(Strict):
    prices: dict[Code, PriceText]
    enabled_add_ons: list[Code]
    msa: MsaIn


class MspIn(Strict):
    key: Key
    name: Name
    api_token_sha256: list[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]] = []
    users: list[UserIn]
    agreement: AgreementIn


class CustomerIn(Strict):
    key: Key
    msp: Key
    name: Name
    primary_products: Annotated[list[Code], Field(min_length=1)]
    add_ons: list[Code] = []
    seats: Annotated[int, Field(ge=1)]
    implementation_lead: Key


class AuditorIn(Strict):
    """A read-only token: for one MSP (``msp``) or, without it, for every MSP."""

    name: Key
    token_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    msp: Key | None = None


class ReferenceData(Strict):
    price_list: PriceListIn
    msps: list[MspIn]
    customers: list[CustomerIn]
    auditors: list[AuditorIn] = []
