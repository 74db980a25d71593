"""The order processor on the in-process feed: each submitted order gets one outcome."""

from __future__ import annotations

from uuid import UUID

from changeorders.bootstrap import Embedded, build_embedded
from changeorders.domain.options import Options, PrimaryChoice
from devtools.orders import submit_order


def submit(service: Embedded, seats: int) -> UUID:
    options = Options(seats, "alice", PrimaryChoice.KEEP)
    return submit_order(service.application, "northwind", "alice", "acme-dental", options)


def test_pumping_processes_each_submitted_order_once(service: Embedded) -> None:
    first, second = submit(service, 5), submit(service, 7)
    assert service.processing.pump() == 2
    assert service.processing.pump() == 0
    app = service.application
    assert [app.order("northwind", o).status.value for o in (first, second)] == ["applied"] * 2
    assert app.customer("northwind", "acme-dental").seats == 52


def test_a_restarted_processor_resumes_after_its_position(service: Embedded) -> None:
    submit(service, 5)
    service.processing.pump()
    submit(service, 3)
    restarted = build_embedded(service.settings)
    try:
        assert restarted.processing.pump() == 1
        assert restarted.application.customer("northwind", "acme-dental").seats == 48
    finally:
        restarted.close()


def test_an_order_whose_rule_broke_meanwhile_is_rejected(service: Embedded) -> None:
    """Two orders reviewed on the same account; the second would take seats below one."""
    app = service.application
    orders = []
    for _ in range(2):
        order_id = app.create_order("northwind", "alice", "acme-dental")
        app.select_options(
            "northwind", "alice", order_id, Options(-30, "alice", PrimaryChoice.KEEP)
        )
        app.review("northwind", "alice", order_id)
        app.confirm("northwind", "alice", order_id, True, True)
        orders.append(order_id)
    for order_id in orders:
        app.submit("northwind", "alice", order_id)
    service.processing.pump()
    first, second = (app.order("northwind", o) for o in orders)
    assert first.status.value == "applied"
    assert second.status.value == "rejected"
    assert second.rejection == {
        "rule": "seats-below-minimum",
        "reason": "the account would have -20 seats; an account keeps at least 1",
    }
    assert app.customer("northwind", "acme-dental").seats == 10
