"""What an MSP user selects for a change order, and the account it would produce."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class PrimaryChoice(Enum):
    KEEP = "keep"
    ADD_TO = "add_to"
    SELECT_NEW = "select_new"


@dataclass(frozen=True)
class Options:
    """One change order's selection.

    ``products`` holds the primary products to add (``ADD_TO``) or the single replacement
    (``SELECT_NEW``); it is empty for ``KEEP``.
    """

    seat_adjustment: int
    implementation_lead: str
    primary: PrimaryChoice
    products: tuple[str, ...] = ()
    add_ons: tuple[str, ...] = ()

    @property
    def changes_products(self) -> bool:
        """A product change: any primary product or add-on that the account does not have."""
        return self.primary is not PrimaryChoice.KEEP or bool(self.add_ons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seat_adjustment": self.seat_adjustment,
            "implementation_lead": self.implementation_lead,
            "primary": self.primary.value,
            "products": list(self.products),
            "add_ons": list(self.add_ons),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Options:
        return cls(
            seat_adjustment=int(data["seat_adjustment"]),
            implementation_lead=str(data["implementation_lead"]),
            primary=PrimaryChoice(data["primary"]),
            products=tuple(data.get("products", ())),
            add_ons=tuple(data.get("add_ons", ())),
        )


@dataclass(frozen=True)
class AccountState:
    """A customer account as an order sees it (a snapshot at one version)."""

    customer_id: str
    msp_id: str
    name: str
    primary_products: tuple[str, ...]
    add_ons: tuple[str, ...]
    seats: int
    implementation_lead: str
    version: int

    @property
    def base_primary(self) -> str:
        """The product transitions are read from: the first primary product."""
        return self.primary_products[0]

    def apply(self, options: Options) -> AccountState:
        """The account as it would be once ``options`` are applied (rules not checked)."""
        primaries = self.primary_products
        if options.primary is PrimaryChoice.ADD_TO:
            primaries = primaries + options.products
        elif options.primary is PrimaryChoice.SELECT_NEW:
            primaries = options.products + primaries[1:]
        return AccountState(
            customer_id=self.customer_id,
            msp_id=self.msp_id,
            name=self.name,
            primary_products=primaries,
            add_ons=self.add_ons + options.add_ons,
            seats=self.seats + options.seat_adjustment,
            implementation_lead=options.implementation_lead,
            version=self.version,
        )
