"""Pricing: contracted prices, one rounding point (half-up to the cent), exact totals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from changeorders.domain.money import to_cents
from changeorders.domain.options import PrimaryChoice
from changeorders.domain.pricing import price
from changeorders.domain.rules import OrderContext
from tests.domain.conftest import ACCOUNT, AGREEMENT, PRICE_LIST, options, with_account


def test_lines_are_priced_at_the_contracted_not_the_list_price(ctx: OrderContext) -> None:
    quote = price(ctx.account, ctx.account.apply(options(seats=10)), PRICE_LIST, AGREEMENT)
    (line,) = quote.lines
    assert line.unit_price == Decimal("2.04")
    assert (line.monthly_before, line.monthly_after) == (Decimal("81.60"), Decimal("102.00"))
    assert quote.monthly_delta == Decimal("20.40")


def test_half_a_cent_rounds_up() -> None:
    assert to_cents(Decimal("167.875")) == Decimal("167.88")
    assert to_cents(Decimal("167.8749")) == Decimal("167.87")
    assert to_cents(Decimal("0.005")) == Decimal("0.01")


def test_sub_cent_contract_price_is_rounded_once_per_line(ctx: OrderContext) -> None:
    after = ctx.account.apply(
        options(primary=PrimaryChoice.SELECT_NEW, products=("ADV",), seats=10)
    )
    quote = price(ctx.account, after, PRICE_LIST, AGREEMENT)
    adv = next(line for line in quote.lines if line.code == "ADV")
    assert adv.monthly_after == Decimal("167.88")  # 50 x 3.3575 = 167.875
    assert quote.monthly_before == Decimal("81.60")
    assert quote.monthly_after == Decimal("167.88")


def test_review_shows_before_after_and_versions(ctx: OrderContext) -> None:
    after = ctx.account.apply(options(primary=PrimaryChoice.ADD_TO, products=("ARC",)))
    quote = price(ctx.account, after, PRICE_LIST, AGREEMENT)
    assert [(line.code, line.change) for line in quote.lines] == [
        ("ESS", "unchanged"),
        ("ARC", "added"),
    ]
    assert quote.price_list_version == "2026.11"
    assert quote.agreement_version == 1
    assert quote.account_version == 1


def test_a_replaced_primary_is_shown_removed(ctx: OrderContext) -> None:
    after = ctx.account.apply(options(primary=PrimaryChoice.SELECT_NEW, products=("ENT",)))
    quote = price(ctx.account, after, PRICE_LIST, AGREEMENT)
    assert {line.code: line.change for line in quote.lines} == {"ESS": "removed", "ENT": "added"}


@given(
    seats=st.integers(min_value=1, max_value=100_000),
    adjustment=st.integers(min_value=0, max_value=100_000),
    add_ons=st.sets(st.sampled_from(["AWT", "LFS"])),
)
def test_totals_always_equal_the_sum_of_the_lines(
    seats: int, adjustment: int, add_ons: set[str]
) -> None:
    ctx = with_account(
        OrderContext(PRICE_LIST, AGREEMENT, ACCOUNT, frozenset({"alice"})), seats=seats
    )
    after = ctx.account.apply(options(seats=adjustment, add_ons=tuple(sorted(add_ons))))
    quote = price(ctx.account, after, PRICE_LIST, AGREEMENT)
    assert quote.monthly_after == sum(line.monthly_after for line in quote.lines)
    assert quote.monthly_delta == quote.monthly_after - quote.monthly_before
    assert all(line.monthly_after == to_cents(line.monthly_after) for line in quote.lines)
