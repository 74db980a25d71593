"""The customer account aggregate: what the customer has, and its attachments."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from changeorders.domain import ids
from changeorders.domain.options import AccountState


class CustomerAccount(Aggregate):
    """A customer of one MSP: primary product(s), add-ons, seats and implementation lead."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return ids.customer_id(key)

    @event("Opened")
    def __init__(
        self,
        key: str,
        msp_key: str,
        name: str,
        primary_products: list[str],
        add_ons: list[str],
        seats: int,
        implementation_lead: str,
    ) -> None:
        self.key = key
        self.msp_key = msp_key
        self.name = name
        self.primary_products = list(primary_products)
        self.add_ons = list(add_ons)
        self.seats = seats
        self.implementation_lead = implementation_lead
        self.attachments: list[dict[str, object]] = []

    @property
    def state(self) -> AccountState:
        return AccountState(
            customer_id=self.key,
            msp_id=self.msp_key,
            name=self.name,
            primary_products=tuple(self.primary_products),
            add_ons=tuple(self.add_ons),
            seats=self.seats,
            implementation_lead=self.implementation_lead,
            version=self.version,
        )
