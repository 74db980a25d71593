"""Reading several aggregates in one query, the read-only ones kept between commands."""

from __future__ import annotations

from uuid import uuid4

from changeorders.adapters.settings import Settings
from changeorders.application.reads import AggregateReads
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.domain import ids
from changeorders.domain.account import CustomerAccount
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.domain.order import ChangeOrder
from changeorders.domain.rules import OrderContext
from devtools.orders import submit_order

ACME = ids.customer_id("acme-dental")
MORE_SEATS = Options(5, "alice", PrimaryChoice.KEEP)


def test_a_kept_account_is_brought_up_to_date_by_another_processs_writes(
    service: Embedded, settings: Settings
) -> None:
    reads = AggregateReads(service.application)
    before = reads.read(fresh=[], kept=[ACME])[ACME]
    assert isinstance(before, CustomerAccount)
    other = build_embedded(settings)  # another process applying an order to the account
    try:
        order_id = submit_order(other.application, "northwind", "alice", "acme-dental", MORE_SEATS)
        other.application.process_order(order_id)
    finally:
        other.close()
    after = reads.read(fresh=[], kept=[ACME])[ACME]
    assert isinstance(after, CustomerAccount)
    assert (after.version, after.state.seats) == (before.version + 1, 45)
    assert (before.version, before.state.seats) == (after.version - 1, 40), "kept copies stay"


def test_fresh_aggregates_are_new_objects_every_read(service: Embedded) -> None:
    app = service.application
    order_id = app.create_order("northwind", "alice", "acme-dental")
    reads = AggregateReads(app)
    first = reads.read(fresh=[order_id], kept=[])[order_id]
    assert isinstance(first, ChangeOrder)
    first.select_options(MORE_SEATS, app_context(service), selected_by="alice")
    second = reads.read(fresh=[order_id], kept=[])[order_id]
    assert second is not first
    assert second.version == 1, "a change that was never saved is not seen"


def test_missing_aggregates_are_left_out(service: Embedded) -> None:
    missing = uuid4()
    found = AggregateReads(service.application).read(fresh=[missing], kept=[uuid4(), ACME])
    assert list(found) == [ACME]


def app_context(service: Embedded) -> OrderContext:
    app = service.application
    return OrderContext(
        price_list=app.price_list(),
        agreement=app.agreement("northwind"),
        account=app.customer("northwind", "acme-dental").state,
        users=frozenset(app.msp("northwind").users),
    )
