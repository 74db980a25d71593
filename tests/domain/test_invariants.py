"""Random command sequences never break an invariant (Hypothesis state machine).

Seats stay >= 1; a review's totals equal the sum of its lines; a submitted order never
changes; an order has at most one outcome; a refused command emits nothing.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from changeorders.domain.errors import DomainError
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.domain.order import ChangeOrder, OrderStatus
from changeorders.domain.processing import process
from changeorders.domain.rules import OrderContext
from tests.domain.conftest import AGREEMENT, PRICE_LIST
from tests.domain.test_processing import account


@st.composite
def options(draw: st.DrawFn) -> Options:
    """Mostly well-formed selections (so orders get far), sometimes anything at all."""
    primary = draw(st.sampled_from(list(PrimaryChoice)))
    shaped = {
        PrimaryChoice.KEEP: st.just(()),
        PrimaryChoice.ADD_TO: st.sampled_from([("ARC",), ("ADV",)]),
        PrimaryChoice.SELECT_NEW: st.sampled_from([("ADV",), ("ENT",), ("ARC",)]),
    }[primary]
    anything = st.lists(st.sampled_from(["ESS", "ADV", "ENT", "ARC", "NOPE"]), max_size=2)
    products = draw(st.one_of(shaped, shaped, shaped, anything.map(tuple)))
    return Options(
        seat_adjustment=draw(st.integers(-60, 60) | st.integers(0, 20)),
        implementation_lead=draw(st.sampled_from(["alice", "bob", "alice", "mallory"])),
        primary=primary,
        products=tuple(products),
        add_ons=tuple(
            draw(st.lists(st.sampled_from(["AWT", "LFS", "WEB"]), max_size=2, unique=True))
        ),
    )


class OrderMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.account = account()
        self.order = ChangeOrder(msp_key="northwind", customer_key="acme", created_by="alice")
        self.order.collect_events()
        self.frozen: tuple[object, ...] | None = None

    def ctx(self) -> OrderContext:
        return OrderContext(PRICE_LIST, AGREEMENT, self.account.state, frozenset({"alice", "bob"}))

    def attempt(self, command: object) -> None:
        self.order.collect_events()  # what earlier commands emitted is saved
        before = self.order.version
        try:
            command()  # type: ignore[operator]
        except DomainError:
            assert self.order.collect_events() == []  # a refused command emits nothing
            assert self.order.version == before

    @rule(chosen=options())
    def select(self, chosen: Options) -> None:
        self.attempt(lambda: self.order.select_options(chosen, self.ctx(), "alice"))

    @rule()
    def review(self) -> None:
        self.attempt(lambda: self.order.review(self.ctx(), "alice"))

    @rule(msa=st.sampled_from([True, True, False]), authority=st.sampled_from([True, True, False]))
    def confirm(self, msa: bool, authority: bool) -> None:
        self.attempt(lambda: self.order.confirm(msa, authority, AGREEMENT, "alice"))

    @rule()
    def submit(self) -> None:
        self.attempt(lambda: self.order.submit(self.ctx(), "alice"))

    @rule()
    def review_confirm_submit(self) -> None:
        """The usual path in one step, so that many runs get as far as processing."""
        self.review()
        self.confirm(True, True)
        self.submit()

    @rule(dice=st.integers(0, 9))
    def cancel(self, dice: int) -> None:
        if dice == 0:  # now and then: a cancelled order ends the story
            self.attempt(lambda: self.order.cancel("alice", "changed mind"))

    @precondition(lambda self: self.order.status is OrderStatus.SUBMITTED)
    @rule(seats_elsewhere=st.integers(-45, 20))
    def process_after_another_order(self, seats_elsewhere: int) -> None:
        """Another order may have changed the account before this one is processed."""
        if self.account.seats + seats_elsewhere >= 1:
            self.account.seats += seats_elsewhere
        process(self.order, self.account, self.ctx())

    @invariant()
    def seats_at_least_one(self) -> None:
        assert self.account.seats >= 1

    @invariant()
    def review_totals_add_up(self) -> None:
        for quote in (self.order.quote,):
            if quote is not None:
                assert quote.monthly_after == sum(
                    (line.monthly_after for line in quote.lines), Decimal("0.00")
                )

    @invariant()
    def submitted_orders_never_change(self) -> None:
        if self.order.status in (OrderStatus.SUBMITTED, OrderStatus.APPLIED, OrderStatus.REJECTED):
            snapshot = (self.order.options_data, self.order.quote_data, self.order.confirmation)
            if self.frozen is None:
                self.frozen = snapshot
            assert snapshot == self.frozen

    @invariant()
    def at_most_one_outcome(self) -> None:
        assert not (self.order.applied_quote and self.order.rejection)
        assert len(self.account.applied_orders) <= 1


OrderMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=20, deadline=None)
test_random_command_sequences_keep_the_invariants = OrderMachine.TestCase
