"""The rules a change order's options must satisfy, one function per rule.

:func:`check_options` runs them all in a fixed order, so the first broken rule is the one
reported. Every function raises its own error type from :mod:`changeorders.domain.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from changeorders.domain import errors
from changeorders.domain.agreement import Agreement
from changeorders.domain.catalogue import PriceList
from changeorders.domain.options import AccountState, Options, PrimaryChoice
from changeorders.domain.pricing import Quote

MINIMUM_SEATS = 1


@dataclass(frozen=True)
class OrderContext:
    """Everything the rules read: current reference data and the account as it is now."""

    price_list: PriceList
    agreement: Agreement
    account: AccountState
    users: frozenset[str]


def primary_products_in_price_list(options: Options, ctx: OrderContext) -> None:
    for code in ctx.account.primary_products:
        if not ctx.price_list.is_primary(code):
            raise errors.PrimaryProductNotInPriceList(
                f"the account's primary product {code!r} is not an item of the current "
                f"price list ({ctx.price_list.version}); it cannot be changed through the portal"
            )


def products_known(options: Options, ctx: OrderContext) -> None:
    for code in options.products:
        if not ctx.price_list.is_primary(code):
            raise errors.UnknownProduct(
                f"{code!r} is not a primary product of price list {ctx.price_list.version}"
            )
    for code in options.add_ons:
        if not ctx.price_list.is_add_on(code):
            raise errors.UnknownProduct(
                f"{code!r} is not an add-on of price list {ctx.price_list.version}"
            )
    if options.primary is PrimaryChoice.KEEP and options.products:
        raise errors.UnknownProduct("'keep' takes no primary products")
    if options.primary is not PrimaryChoice.KEEP and not options.products:
        raise errors.UnknownProduct(f"{options.primary.value!r} needs at least one product")
    if options.primary is PrimaryChoice.SELECT_NEW and len(options.products) != 1:
        raise errors.UnknownProduct("'select_new' takes exactly one replacement product")


def products_named_once(options: Options, ctx: OrderContext) -> None:
    for codes in (options.products, options.add_ons):
        named_twice = sorted({code for code in codes if codes.count(code) > 1})
        if named_twice:
            raise errors.ProductNamedTwice(
                f"{', '.join(repr(c) for c in named_twice)} named more than once: "
                "name each product once"
            )


def no_product_change_with_seat_downgrade(options: Options, ctx: OrderContext) -> None:
    if options.changes_products and options.seat_adjustment < 0:
        raise errors.ProductChangeWithSeatDowngrade(
            "product changes cannot be combined with a seat downgrade: "
            "place the seat decrease as an order of its own"
        )


def transition_allowed(options: Options, ctx: OrderContext) -> None:
    base = ctx.account.base_primary
    allowed = ctx.price_list.transitions_from(base)
    if options.primary is PrimaryChoice.ADD_TO:
        for code in options.products:
            if code in ctx.account.primary_products or code not in allowed.add_to:
                raise errors.TransitionNotAllowed(
                    f"{code!r} cannot be added to {base!r}; "
                    f"allowed: {sorted(allowed.add_to - set(ctx.account.primary_products))}"
                )
    elif options.primary is PrimaryChoice.SELECT_NEW:
        (code,) = options.products
        if code in ctx.account.primary_products or code not in allowed.replace_with:
            raise errors.TransitionNotAllowed(
                f"{base!r} cannot be replaced by {code!r}; allowed: {sorted(allowed.replace_with)}"
            )


def add_ons_enabled(options: Options, ctx: OrderContext) -> None:
    for code in options.add_ons:
        if code not in ctx.agreement.enabled_add_ons:
            raise errors.AddOnNotEnabled(
                f"add-on {code!r} is not enabled in the agreement of MSP {ctx.agreement.msp_id}"
            )
        if code in ctx.account.add_ons:
            raise errors.AddOnAlreadyActive(f"add-on {code!r} is already on the account")


def seats_at_least_minimum(options: Options, ctx: OrderContext) -> None:
    seats = ctx.account.seats + options.seat_adjustment
    if seats < MINIMUM_SEATS:
        raise errors.SeatsBelowMinimum(
            f"the account would have {seats} seats; an account keeps at least {MINIMUM_SEATS}"
        )


def lead_is_user(options: Options, ctx: OrderContext) -> None:
    if options.implementation_lead not in ctx.users:
        raise errors.UnknownImplementationLead(
            f"{options.implementation_lead!r} is not a user of MSP {ctx.agreement.msp_id}",
            hint="create them as a user first (POST /v1/users or `changeorders user create`)",
        )


def something_changes(options: Options, ctx: OrderContext) -> None:
    if (
        options.seat_adjustment == 0
        and not options.changes_products
        and options.implementation_lead == ctx.account.implementation_lead
    ):
        raise errors.NothingToChange("the selected options leave the account as it is")


RULES: tuple[Callable[[Options, OrderContext], None], ...] = (
    primary_products_in_price_list,
    products_known,
    products_named_once,
    no_product_change_with_seat_downgrade,
    transition_allowed,
    add_ons_enabled,
    seats_at_least_minimum,
    lead_is_user,
    something_changes,
)


def confirmed_change_unchanged(confirmed: Quote, applying: Quote) -> None:
    """What the MSP confirmed is a change at a price: each changed line's seats and monthly
    amount, and the monthly difference. Another order applied in between may leave the
    account elsewhere (45 seats, not the 40 reviewed), and the order still applies on top of
    it when its change, priced there, is the same; if not, nobody confirmed that price."""
    if confirmed.change != applying.change:
        raise errors.PricedChangeDiffersFromReview(
            f"on the account as it is now the order would be {_described(applying)}, "
            f"not the confirmed {_described(confirmed)}: review it again"
        )


def _described(quote: Quote) -> str:
    lines, delta = quote.change
    changes = ", ".join(f"{code} {seats:+} seats {amount:+}/month" for code, seats, amount in lines)
    return f"{changes or 'no change'} (monthly {delta:+})"


def check_options(options: Options, ctx: OrderContext) -> None:
    """Raise the error of the first rule ``options`` break in ``ctx``; return if none."""
    for rule in RULES:
        rule(options, ctx)
