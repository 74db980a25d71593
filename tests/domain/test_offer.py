"""The options read and the rules agree: over every customer of the sample data, every
choice offered reviews, and every product not offered is refused with a named rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changeorders.domain import errors
from changeorders.domain.agreement import agreement_from_terms, agreement_terms
from changeorders.domain.catalogue import PriceList
from changeorders.domain.offer import Offer, offer
from changeorders.domain.options import AccountState, Options, PrimaryChoice
from changeorders.domain.pricing import price
from changeorders.domain.rules import OrderContext, check_options
from changeorders.schemas.reference import ReferenceData

SAMPLE = Path(__file__).parents[2] / "changeorders" / "data" / "sample.json"
DATA = ReferenceData.model_validate_json(SAMPLE.read_bytes())
PRICE_LIST = PriceList.from_dict(DATA.price_list.model_dump())


def context(customer_key: str) -> OrderContext:
    customer = next(c for c in DATA.customers if c.key == customer_key)
    msp = next(m for m in DATA.msps if m.key == customer.msp)
    terms = msp.agreement
    agreement = agreement_from_terms(
        msp.key,
        1,
        agreement_terms(
            terms.prices, terms.enabled_add_ons, terms.msa.id, terms.msa.title, terms.msa.text
        ),
    )
    account = AccountState(
        customer_id=customer.key,
        msp_id=msp.key,
        name=customer.name,
        primary_products=tuple(customer.primary_products),
        add_ons=tuple(customer.add_ons),
        seats=customer.seats,
        implementation_lead=customer.implementation_lead,
        version=1,
    )
    return OrderContext(PRICE_LIST, agreement, account, frozenset(u.user_id for u in msp.users))


CONTEXTS = {c.key: context(c.key) for c in DATA.customers}


def review(options: Options, ctx: OrderContext) -> None:
    """What review does: the rules, then the price."""
    check_options(options, ctx)
    price(ctx.account, ctx.account.apply(options), ctx.price_list, ctx.agreement)


@st.composite
def offered_choice(draw: st.DrawFn) -> tuple[Options, OrderContext]:
    ctx = CONTEXTS[
        draw(st.sampled_from(sorted(k for k, c in CONTEXTS.items() if not offer(c).blocked)))
    ]
    choices = offer(ctx)
    modes = [PrimaryChoice.KEEP]
    modes += [PrimaryChoice.ADD_TO] if choices.add_to else []
    modes += [PrimaryChoice.SELECT_NEW] if choices.select_new else []
    mode = draw(st.sampled_from(modes))
    products: tuple[str, ...] = ()
    if mode is PrimaryChoice.ADD_TO:
        codes = [p.code for p in choices.add_to]
        products = tuple(draw(st.lists(st.sampled_from(codes), min_size=1, unique=True)))
    elif mode is PrimaryChoice.SELECT_NEW:
        products = (draw(st.sampled_from([p.code for p in choices.select_new])),)
    selectable = [a.product.code for a in choices.add_ons if not a.active]
    add_ons = tuple(draw(st.lists(st.sampled_from(selectable), unique=True))) if selectable else ()
    changes_products = bool(products or add_ons)
    low = (
        choices.minimum_seat_adjustment_with_product_change
        if changes_products
        else choices.minimum_seat_adjustment
    )
    seats = draw(st.integers(min_value=low, max_value=low + 200))
    lead = draw(st.sampled_from(sorted(choices.users)))
    if not changes_products and seats == 0 and lead == ctx.account.implementation_lead:
        seats = 1  # the one thing the offer cannot show: a choice that changes nothing
    return Options(seats, lead, mode, products, add_ons), ctx


@settings(max_examples=300, deadline=None)
@given(offered_choice())
def test_every_offered_choice_reviews(choice: tuple[Options, OrderContext]) -> None:
    options, ctx = choice
    review(options, ctx)


def not_offered(choices: Offer) -> list[Options]:
    """Each product of the price list the offer leaves out, tried where it was left out."""
    lead = choices.account.implementation_lead
    offered_add_on = {a.product.code for a in choices.add_ons if not a.active}
    add_to = {p.code for p in choices.add_to}
    select_new = {p.code for p in choices.select_new}
    tries = []
    for code, product in PRICE_LIST.products.items():
        if product.kind.value == "add-on" and code not in offered_add_on:
            tries.append(Options(1, lead, PrimaryChoice.KEEP, (), (code,)))
        if product.kind.value == "primary" and code not in add_to:
            tries.append(Options(1, lead, PrimaryChoice.ADD_TO, (code,)))
        if product.kind.value == "primary" and code not in select_new:
            tries.append(Options(1, lead, PrimaryChoice.SELECT_NEW, (code,)))
    return tries


@pytest.mark.parametrize("customer", sorted(CONTEXTS))
def test_every_product_not_offered_is_refused_by_review(customer: str) -> None:
    ctx = CONTEXTS[customer]
    for options in not_offered(offer(ctx)):
        with pytest.raises(errors.RuleViolation):
            review(options, ctx)


@pytest.mark.parametrize("customer", sorted(CONTEXTS))
def test_a_blocked_account_refuses_even_a_seat_change(customer: str) -> None:
    ctx = CONTEXTS[customer]
    if offer(ctx).blocked:
        with pytest.raises(errors.RuleViolation):
            review(Options(1, ctx.account.implementation_lead, PrimaryChoice.KEEP), ctx)


def test_the_sample_data_has_a_blocked_account_and_choices_of_each_kind() -> None:
    offers = [offer(ctx) for ctx in CONTEXTS.values()]
    assert any(o.blocked for o in offers)
    assert any(o.add_to for o in offers)
    assert any(o.select_new for o in offers)
    assert any(a.active for o in offers for a in o.add_ons)
