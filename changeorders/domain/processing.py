"""Processing a submitted order: apply it to the account, or reject it with the rule.

Exactly one outcome per order: the order records ``Applied`` or ``Rejected`` once, and the
account remembers which orders it applied. The caller saves order and account together.
"""

from __future__ import annotations

from changeorders.domain import errors
from changeorders.domain.account import CustomerAccount
from changeorders.domain.order import ChangeOrder
from changeorders.domain.pricing import price
from changeorders.domain.rules import OrderContext, check_options, confirmed_change_unchanged


def process(order: ChangeOrder, account: CustomerAccount, ctx: OrderContext) -> None:
    """Apply ``order`` to ``account`` as it is now (``ctx`` describes it), or reject it.

    Prices stay locked: if the price list or agreement changed after the review, the order
    is rejected rather than billed at a price nobody saw. An account that moved on since the
    review (another order applied first) gets this order on top when the rules still hold
    and the change, priced there, is the one confirmed; otherwise the order is rejected
    with the rule it would break, and the portal reviews it again.
    """
    order.require_outcome_pending()
    options, quote = order.options, order.quote
    assert options is not None  # a submitted order has its options
    assert quote is not None  # and the quote it was confirmed on
    if (quote.price_list_version, quote.agreement_version) != (
        ctx.price_list.version,
        ctx.agreement.version,
    ):
        order.record_rejected(
            errors.PriceChangedSinceReview.rule,
            "prices changed between the review and processing: place the order again",
        )
        return
    before = account.state
    try:
        check_options(options, ctx)
        applying = price(before, before.apply(options), ctx.price_list, ctx.agreement)
        confirmed_change_unchanged(quote, applying)
        after = account.apply_order(str(order.id), options, ctx)
    except errors.RuleViolation as exc:
        order.record_rejected(exc.rule, exc.message)
        return
    order.record_applied(applying, after.version)
