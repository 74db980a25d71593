"""What may be chosen for one customer, at what contracted price: the Change Options screen.

Read from the same price list, agreement and account the rules check, so that a portal can
show only what will pass: every choice offered here reviews, and every product left out is
refused by review with the rule it breaks (a property test over the sample data holds this
module and :mod:`.rules` to each other).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from changeorders.domain import errors
from changeorders.domain.agreement import MsaReference
from changeorders.domain.catalogue import ProductKind
from changeorders.domain.options import AccountState, Options, PrimaryChoice
from changeorders.domain.pricing import price
from changeorders.domain.rules import MINIMUM_SEATS, OrderContext, primary_products_in_price_list


@dataclass(frozen=True)
class PricedProduct:
    code: str
    name: str
    kind: ProductKind
    list_price: Decimal
    unit_price: Decimal  # the MSP's contracted price per seat per month


@dataclass(frozen=True)
class AddOnChoice:
    product: PricedProduct
    active: bool  # already on the account: shown, not selectable again


@dataclass(frozen=True)
class Offer:
    account: AccountState
    current: tuple[PricedProduct, ...]  # the account's products, priced
    add_ons: tuple[AddOnChoice, ...]  # every add-on the agreement enables
    add_to: tuple[PricedProduct, ...]  # primaries that may be added to the current one
    select_new: tuple[PricedProduct, ...]  # primaries that may replace it
    users: frozenset[str]  # who may be named implementation lead
    price_list_version: str
    agreement_version: int
    msa: MsaReference
    blocked: str | None = None  # why nothing can be ordered, when nothing can

    @property
    def minimum_seat_adjustment(self) -> int:
        """Seats never go below the minimum."""
        return MINIMUM_SEATS - self.account.seats

    @property
    def minimum_seat_adjustment_with_product_change(self) -> int:
        """A product change cannot be combined with a seat downgrade."""
        return 0


def offer(ctx: OrderContext) -> Offer:
    """The choices ``ctx`` allows: only priced products, only allowed transitions."""
    account, price_list, agreement = ctx.account, ctx.price_list, ctx.agreement

    def priced(code: str) -> PricedProduct | None:
        product, unit = price_list.product(code), agreement.contracted_price(code)
        if product is None or unit is None:
            return None
        return PricedProduct(code, product.name, product.kind, product.list_price, unit)

    def all_priced(codes: list[str]) -> tuple[PricedProduct, ...]:
        return tuple(p for code in sorted(codes) if (p := priced(code)) is not None)

    blocked = _blocked(ctx)
    current = account.primary_products + account.add_ons
    allowed = price_list.transitions_from(account.base_primary)
    enabled = [c for c in agreement.enabled_add_ons if price_list.is_add_on(c)]
    return Offer(
        account=account,
        current=all_priced(list(current)),
        add_ons=tuple(AddOnChoice(p, p.code in account.add_ons) for p in all_priced(enabled)),
        add_to=() if blocked else all_priced([c for c in allowed.add_to if c not in current]),
        select_new=()
        if blocked
        else all_priced([c for c in allowed.replace_with if c not in current]),
        users=ctx.users,
        price_list_version=price_list.version,
        agreement_version=agreement.version,
        msa=agreement.msa,
        blocked=blocked,
    )


def _blocked(ctx: OrderContext) -> str | None:
    """Why no order can be placed for the account as it is (its product is not in the
    price list, or one of its products has no contracted price), if so."""
    unchanged = Options(0, ctx.account.implementation_lead, PrimaryChoice.KEEP)
    try:
        primary_products_in_price_list(unchanged, ctx)
        price(ctx.account, ctx.account, ctx.price_list, ctx.agreement)
    except errors.RuleViolation as exc:
        return f"{exc.rule}: {exc.message}"
    return None
