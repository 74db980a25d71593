"""The ChangeOrder life cycle: select -> review -> confirm -> submit, and what voids what."""

from __future__ import annotations

from dataclasses import replace

import pytest

from changeorders.domain import errors
from changeorders.domain.order import ChangeOrder, OrderStatus
from changeorders.domain.rules import OrderContext
from tests.domain.conftest import options, with_account


def new_order() -> ChangeOrder:
    return ChangeOrder(msp_key="northwind", customer_key="acme", created_by="alice")


def confirmed_order(ctx: OrderContext) -> ChangeOrder:
    order = new_order()
    order.select_options(options(seats=5), ctx, "alice")
    order.review(ctx, "alice")
    order.confirm(True, True, ctx.agreement, "alice")
    return order


def event_names(order: ChangeOrder) -> list[str]:
    return [type(e).__name__ for e in order.collect_events()]


def test_each_step_emits_one_event(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    order.submit(ctx, "bob")
    assert event_names(order) == [
        "Drafted",
        "OptionsSelected",
        "Reviewed",
        "Confirmed",
        "Submitted",
    ]
    assert order.status is OrderStatus.SUBMITTED
    assert order.submitted_by == "bob"


def test_a_refused_selection_emits_nothing(ctx: OrderContext) -> None:
    order = new_order()
    order.collect_events()
    with pytest.raises(errors.SeatsBelowMinimum):
        order.select_options(options(seats=-100), ctx, "alice")
    assert order.collect_events() == []


def test_review_needs_options(ctx: OrderContext) -> None:
    with pytest.raises(errors.OptionsRequired):
        new_order().review(ctx, "alice")


def test_changing_options_after_review_voids_the_review(ctx: OrderContext) -> None:
    order = new_order()
    order.select_options(options(seats=5), ctx, "alice")
    order.review(ctx, "alice")
    order.select_options(options(seats=6), ctx, "alice")
    assert order.quote is None
    with pytest.raises(errors.ReviewRequired):
        order.confirm(True, True, ctx.agreement, "alice")


def test_changing_options_after_confirm_voids_the_confirmation(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    order.select_options(options(seats=7), ctx, "alice")
    with pytest.raises(errors.ConfirmationRequired):
        order.submit(ctx, "alice")


def test_confirm_needs_a_current_review(ctx: OrderContext) -> None:
    order = new_order()
    order.select_options(options(seats=5), ctx, "alice")
    with pytest.raises(errors.ReviewRequired):
        order.confirm(True, True, ctx.agreement, "alice")


@pytest.mark.parametrize(
    ("msa", "authority", "missing"),
    [(False, True, "accept_msa"), (True, False, "confirm_authority"), (False, False, "accept_msa")],
)
def test_confirm_needs_both_ticks(
    ctx: OrderContext, msa: bool, authority: bool, missing: str
) -> None:
    order = new_order()
    order.select_options(options(seats=5), ctx, "alice")
    order.review(ctx, "alice")
    with pytest.raises(errors.ConfirmationsIncomplete, match=missing):
        order.confirm(msa, authority, ctx.agreement, "alice")


def test_confirmation_is_an_attestation_of_the_msa_and_authority(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    assert order.confirmation is not None
    assert order.confirmation["msa_id"] == "MSA-1"
    assert order.confirmation["msa_sha256"] == ctx.agreement.msa.sha256
    assert len(order.confirmation["authority_sha256"]) == 64
    assert order.confirmation["confirmed_by"] == "alice"
    assert order.confirmation["review_number"] == 1


def test_reviewing_again_after_confirm_needs_a_new_confirmation(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    order.review(ctx, "alice")
    with pytest.raises(errors.ConfirmationRequired):
        order.submit(ctx, "alice")


def test_submit_needs_a_confirmation(ctx: OrderContext) -> None:
    order = new_order()
    order.select_options(options(seats=5), ctx, "alice")
    order.review(ctx, "alice")
    with pytest.raises(errors.ConfirmationRequired):
        order.submit(ctx, "alice")


def test_a_submitted_order_is_immutable(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    order.submit(ctx, "alice")
    for attempt in (
        lambda: order.select_options(options(seats=1), ctx, "alice"),
        lambda: order.review(ctx, "alice"),
        lambda: order.confirm(True, True, ctx.agreement, "alice"),
        lambda: order.submit(ctx, "alice"),
        lambda: order.cancel("alice", "too late"),
    ):
        with pytest.raises(errors.OrderImmutable):
            attempt()


def test_a_cancelled_draft_takes_no_more_steps(ctx: OrderContext) -> None:
    order = new_order()
    order.cancel("alice", "customer changed their mind")
    assert order.status is OrderStatus.CANCELLED
    with pytest.raises(errors.OrderCancelled):
        order.select_options(options(seats=1), ctx, "alice")


def test_submit_is_refused_when_the_price_list_changed_since_review(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    newer = replace(ctx, price_list=replace(ctx.price_list, version="2027.01"))
    with pytest.raises(errors.PriceChangedSinceReview, match=r"2027\.01"):
        order.submit(newer, "alice")


def test_submit_is_refused_when_the_agreement_changed_since_review(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    amended = replace(ctx, agreement=replace(ctx.agreement, version=2))
    with pytest.raises(errors.PriceChangedSinceReview):
        order.submit(amended, "alice")


def test_submit_is_refused_when_the_account_changed_since_review(ctx: OrderContext) -> None:
    order = confirmed_order(ctx)
    with pytest.raises(errors.AccountChangedSinceReview):
        order.submit(with_account(ctx, version=2, seats=45), "alice")


def test_review_rechecks_the_rules_against_current_reference_data(ctx: OrderContext) -> None:
    order = new_order()
    order.select_options(options(add_ons=("AWT",)), ctx, "alice")
    revoked = replace(ctx, agreement=replace(ctx.agreement, enabled_add_ons=frozenset()))
    with pytest.raises(errors.AddOnNotEnabled):
        order.review(revoked, "alice")
