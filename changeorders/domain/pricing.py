"""Prices an order: every line at the MSP's contracted price, before and after.

Rounding happens in :func:`changeorders.domain.money.to_cents`, once per line amount;
totals and the difference are exact sums of the rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from changeorders.domain import errors
from changeorders.domain.agreement import Agreement
from changeorders.domain.catalogue import PriceList
from changeorders.domain.money import to_cents
from changeorders.domain.options import AccountState


@dataclass(frozen=True)
class QuoteLine:
    code: str
    name: str
    kind: str
    unit_price: Decimal
    seats_before: int
    seats_after: int
    monthly_before: Decimal
    monthly_after: Decimal

    @property
    def change(self) -> str:
        if self.seats_before == 0:
            return "added"
        if self.seats_after == 0:
            return "removed"
        if self.seats_after != self.seats_before:
            return "seats changed"
        return "unchanged"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "unit_price": str(self.unit_price),
            "seats_before": self.seats_before,
            "seats_after": self.seats_after,
            "monthly_before": str(self.monthly_before),
            "monthly_after": str(self.monthly_after),
            "change": self.change,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuoteLine:
        return cls(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            unit_price=Decimal(data["unit_price"]),
            seats_before=int(data["seats_before"]),
            seats_after=int(data["seats_after"]),
            monthly_before=Decimal(data["monthly_before"]),
            monthly_after=Decimal(data["monthly_after"]),
        )


@dataclass(frozen=True)
class Quote:
    """The priced summary a review shows, and what the price lock pins."""

    lines: tuple[QuoteLine, ...]
    price_list_version: str
    agreement_version: int
    account_version: int

    @property
    def monthly_before(self) -> Decimal:
        return sum((line.monthly_before for line in self.lines), Decimal("0.00"))

    @property
    def monthly_after(self) -> Decimal:
        return sum((line.monthly_after for line in self.lines), Decimal("0.00"))

    @property
    def monthly_delta(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    @property
    def change(self) -> tuple[tuple[tuple[str, int, Decimal], ...], Decimal]:
        """What the quote changes, wherever the account starts: (code, seat change, monthly
        change) of each changed line, and the monthly difference."""
        changed = tuple(
            (
                line.code,
                line.seats_after - line.seats_before,
                line.monthly_after - line.monthly_before,
            )
            for line in self.lines
            if line.change != "unchanged"
        )
        return changed, self.monthly_delta

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": [line.to_dict() for line in self.lines],
            "monthly_before": str(self.monthly_before),
            "monthly_after": str(self.monthly_after),
            "monthly_delta": str(self.monthly_delta),
            "price_list_version": self.price_list_version,
            "agreement_version": self.agreement_version,
            "account_version": self.account_version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quote:
        return cls(
            lines=tuple(QuoteLine.from_dict(line) for line in data["lines"]),
            price_list_version=data["price_list_version"],
            agreement_version=int(data["agreement_version"]),
            account_version=int(data["account_version"]),
        )


def _products(account: AccountState) -> tuple[str, ...]:
    return account.primary_products + account.add_ons


def price(
    before: AccountState, after: AccountState, price_list: PriceList, agreement: Agreement
) -> Quote:
    """One line per product on the account before or after, primaries first."""
    seen = list(dict.fromkeys(_products(before) + _products(after)))
    codes = [c for c in seen if price_list.is_primary(c)] + [
        c for c in seen if not price_list.is_primary(c)
    ]
    lines = []
    for code in codes:
        product = price_list.product(code)
        unit = agreement.contracted_price(code)
        if product is None or unit is None:
            raise errors.NoContractedPrice(
                f"MSP {agreement.msp_id} has no contracted price for {code!r} "
                f"(agreement version {agreement.version})"
            )
        seats_before = before.seats if code in _products(before) else 0
        seats_after = after.seats if code in _products(after) else 0
        lines.append(
            QuoteLine(
                code=code,
                name=product.name,
                kind=product.kind.value,
                unit_price=unit,
                seats_before=seats_before,
                seats_after=seats_after,
                monthly_before=to_cents(unit * seats_before),
                monthly_after=to_cents(unit * seats_after),
            )
        )
    return Quote(
        lines=tuple(lines),
        price_list_version=price_list.version,
        agreement_version=agreement.version,
        account_version=before.version,
    )
