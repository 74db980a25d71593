"""The customer account aggregate: what the customer has, and its attachments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from changeorders.domain import errors, ids
from changeorders.domain.options import AccountState, Options
from changeorders.domain.rules import OrderContext, check_options


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
        self.attachments: list[dict[str, Any]] = []
        self.applied_orders: list[str] = []

    def apply_order(self, order_id: str, options: Options, ctx: OrderContext) -> AccountState:
        """Apply a submitted order to the account as it is now; return the state it leaves.

        The rules are checked again against the current account, so an order that raced
        another is applied on top of it, or refused with the rule it would break.
        """
        if order_id in self.applied_orders:
            raise errors.OrderAlreadyApplied(f"order {order_id} was already applied")
        check_options(options, ctx)
        after = self.state.apply(options)
        self._order_applied(
            order_id=order_id,
            primary_products=list(after.primary_products),
            add_ons=list(after.add_ons),
            seats=after.seats,
            implementation_lead=after.implementation_lead,
        )
        return self.state

    def store_attachment(
        self,
        attachment_id: str,
        order_id: str,
        name: str,
        media_type: str,
        size: int,
        sha256: str,
    ) -> bool:
        """Record an attachment (its bytes are stored beside the events); False if known."""
        known = next((a for a in self.attachments if a["attachment_id"] == attachment_id), None)
        if known is not None:
            if known["sha256"] != sha256:
                raise errors.AttachmentChanged(
                    f"attachment {name} of order {order_id} would change: "
                    f"stored {known['sha256']}, new {sha256}"
                )
            return False
        self._attachment_stored(attachment_id, order_id, name, media_type, size, sha256)
        return True

    @event("AttachmentStored")
    def _attachment_stored(
        self,
        attachment_id: str,
        order_id: str,
        name: str,
        media_type: str,
        size: int,
        sha256: str,
    ) -> None:
        self.attachments.append(
            {
                "attachment_id": attachment_id,
                "order_id": order_id,
                "name": name,
                "media_type": media_type,
                "size": size,
                "sha256": sha256,
            }
        )

    @event("OrderApplied")
    def _order_applied(
        self,
        order_id: str,
        primary_products: list[str],
        add_ons: list[str],
        seats: int,
        implementation_lead: str,
    ) -> None:
        self.primary_products = list(primary_products)
        self.add_ons = list(add_ons)
        self.seats = seats
        self.implementation_lead = implementation_lead
        self.applied_orders.append(order_id)

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
