"""Processing: apply a submitted order to the account as it is now, or reject it; once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from changeorders.domain import errors
from changeorders.domain.account import CustomerAccount
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.domain.order import ChangeOrder, OrderStatus
from changeorders.domain.processing import process
from changeorders.domain.rules import OrderContext

UPGRADE = Options(5, "alice", PrimaryChoice.SELECT_NEW, ("ADV",), ("AWT",))


def account() -> CustomerAccount:
    return CustomerAccount(
        key="acme",
        msp_key="northwind",
        name="Acme",
        primary_products=["ESS"],
        add_ons=[],
        seats=40,
        implementation_lead="alice",
    )


def submitted(acct: CustomerAccount, ctx: OrderContext, options: Options) -> ChangeOrder:
    ctx = replace(ctx, account=acct.state)
    order = ChangeOrder(msp_key="northwind", customer_key="acme", created_by="alice")
    order.select_options(options, ctx, "alice")
    order.review(ctx, "alice")
    order.confirm(True, True, ctx.agreement, "alice")
    order.submit(ctx, "alice")
    return order


def test_a_submitted_order_is_applied_to_the_account(ctx: OrderContext) -> None:
    acct = account()
    order = submitted(acct, ctx, UPGRADE)
    process(order, acct, replace(ctx, account=acct.state))
    assert order.status is OrderStatus.APPLIED
    assert (acct.primary_products, acct.add_ons, acct.seats) == (["ADV"], ["AWT"], 45)
    assert acct.applied_orders == [str(order.id)]


def test_a_second_order_is_applied_on_top_of_the_first(ctx: OrderContext) -> None:
    acct = account()
    first = submitted(acct, ctx, Options(5, "alice", PrimaryChoice.KEEP))
    second = submitted(acct, ctx, Options(10, "bob", PrimaryChoice.KEEP))
    process(first, acct, replace(ctx, account=acct.state))
    process(second, acct, replace(ctx, account=acct.state))
    assert second.status is OrderStatus.APPLIED
    assert acct.seats == 55
    assert second.applied_quote is not None
    assert second.applied_quote["monthly_before"] == "91.80"  # 45 seats, as the first left it


def test_a_racing_order_that_now_breaks_a_rule_is_rejected_with_the_rule(
    ctx: OrderContext,
) -> None:
    acct = account()
    first = submitted(acct, ctx, UPGRADE)
    second = submitted(acct, ctx, UPGRADE)
    process(first, acct, replace(ctx, account=acct.state))
    process(second, acct, replace(ctx, account=acct.state))
    assert second.status is OrderStatus.REJECTED
    assert second.rejection is not None
    assert second.rejection["rule"] == "transition-not-allowed"
    assert acct.seats == 45


def test_prices_changed_after_review_reject_the_order(ctx: OrderContext) -> None:
    acct = account()
    order = submitted(acct, ctx, UPGRADE)
    newer = replace(ctx, account=acct.state, price_list=replace(ctx.price_list, version="2027"))
    process(order, acct, newer)
    assert order.status is OrderStatus.REJECTED
    assert order.rejection is not None
    assert order.rejection["rule"] == "price-lock"
    assert acct.seats == 40


def test_an_order_gets_exactly_one_outcome(ctx: OrderContext) -> None:
    acct = account()
    order = submitted(acct, ctx, UPGRADE)
    process(order, acct, replace(ctx, account=acct.state))
    with pytest.raises(errors.OutcomeAlreadyRecorded):
        process(order, acct, replace(ctx, account=acct.state))
    with pytest.raises(errors.OutcomeAlreadyRecorded):
        order.record_rejected("x", "y")


def test_the_account_never_applies_one_order_twice(ctx: OrderContext) -> None:
    acct = account()
    acct.apply_order(
        "order-1", Options(1, "alice", PrimaryChoice.KEEP), replace(ctx, account=acct.state)
    )
    with pytest.raises(errors.OrderAlreadyApplied):
        acct.apply_order(
            "order-1", Options(1, "alice", PrimaryChoice.KEEP), replace(ctx, account=acct.state)
        )


def test_a_racing_order_whose_priced_change_moved_is_rejected(ctx: OrderContext) -> None:
    """At 3.3575/seat a 42nd seat costs 3.36 a month and a 43rd 3.35: the second +1 order
    was confirmed at 3.36 and would now cost 3.35, a price nobody confirmed."""
    acct = account()
    acct.primary_products, acct.seats = ["ADV"], 41
    plus_one = Options(1, "alice", PrimaryChoice.KEEP)
    first, second = submitted(acct, ctx, plus_one), submitted(acct, ctx, plus_one)
    process(first, acct, replace(ctx, account=acct.state))
    process(second, acct, replace(ctx, account=acct.state))
    assert first.status is OrderStatus.APPLIED
    assert second.status is OrderStatus.REJECTED
    assert second.rejection is not None
    assert second.rejection["rule"] == "priced-change-differs-from-review"
    assert "+3.35" in second.rejection["reason"]
    assert "+3.36" in second.rejection["reason"]
    assert acct.seats == 42


def test_an_applied_order_follows_its_emails_to_notified(ctx: OrderContext) -> None:
    acct = account()
    order = submitted(acct, ctx, UPGRADE)
    process(order, acct, replace(ctx, account=acct.state))
    seen = [order.status]
    order.record_notification_failure("lead", "alice@example.com", "421 try later")
    seen.append(order.status)
    order.record_notification("submitter", "alice@example.com", "<s@x>")
    seen.append(order.status)
    order.record_notification("lead", "alice@example.com", "<l@x>")
    seen.append(order.status)
    assert seen == ["applied", "notification-failed", "notification-failed", "notified"]
    assert order.is_applied
