"""The application on a real event store: SQLite and PostgreSQL, same scenarios."""

from __future__ import annotations

import threading
from uuid import UUID

import pytest

from changeorders.application.application import ChangeOrdersApplication
from changeorders.application.errors import ConcurrentModification, NotAuthenticated
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.domain import errors
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData

SEATS_PLUS_5 = Options(5, "alice", PrimaryChoice.KEEP)


def confirmed(app: ChangeOrdersApplication, customer: str = "acme-dental") -> UUID:
    order_id = app.create_order("northwind", "alice", customer)
    app.select_options("northwind", "alice", order_id, SEATS_PLUS_5)
    app.review("northwind", "alice", order_id)
    app.confirm("northwind", "alice", order_id, True, True)
    return order_id


def test_reference_data_is_stored_as_events_and_reloading_changes_nothing(
    service: Embedded, sample_data: ReferenceData
) -> None:
    app = service.application
    before = app.recorder.max_notification_id()
    report = app.load_reference_data(sample_data)
    assert report.created == []
    assert report.updated == []
    assert app.recorder.max_notification_id() == before
    assert len(app.msp("northwind").customers) == 5


def test_a_changed_price_list_needs_a_new_version_label(
    service: Embedded, sample_data: ReferenceData
) -> None:
    changed = sample_data.model_copy(deep=True)
    product = changed.price_list.products[0].model_copy(update={"list_price": "9.99"})
    price_list = changed.price_list.model_copy(
        update={"products": [product, *changed.price_list.products[1:]]}
    )
    with pytest.raises(errors.ReferenceDataInvalid, match="new version"):
        service.application.load_reference_data(
            changed.model_copy(update={"price_list": price_list})
        )


def test_a_whole_order_is_stored_and_read_back(service: Embedded) -> None:
    app = service.application
    order_id = confirmed(app)
    app.submit("northwind", "alice", order_id)
    order = app.order("northwind", order_id)
    assert order.status.value == "submitted"
    types = [type(e).__name__ for e in app.order_history(order)]
    assert types == ["Drafted", "OptionsSelected", "Reviewed", "Confirmed", "Submitted"]


def test_price_lock_refuses_submit_after_the_agreement_changed(
    service: Embedded, sample_data: ReferenceData
) -> None:
    app = service.application
    order_id = confirmed(app)
    msps = [m.model_copy(deep=True) for m in sample_data.msps]
    prices = dict(msps[0].agreement.prices) | {"SEG-ESS": "1.99"}
    msps[0] = msps[0].model_copy(
        update={"agreement": msps[0].agreement.model_copy(update={"prices": prices})}
    )
    app.load_reference_data(sample_data.model_copy(update={"msps": msps}))
    assert app.agreement("northwind").version == 2
    with pytest.raises(errors.PriceChangedSinceReview):
        app.submit("northwind", "alice", order_id)
    app.review("northwind", "alice", order_id)
    app.confirm("northwind", "alice", order_id, True, True)
    app.submit("northwind", "alice", order_id)


def test_an_msp_cannot_reach_another_msps_customer_or_order(service: Embedded) -> None:
    app = service.application
    with pytest.raises(errors.CustomerNotFound):
        app.customer("bluefin", "acme-dental")
    with pytest.raises(errors.CustomerNotFound):
        app.create_order("bluefin", "carol", "acme-dental")
    order_id = app.create_order("northwind", "alice", "acme-dental")
    with pytest.raises(errors.OrderNotFound):
        app.select_options("bluefin", "carol", order_id, Options(1, "carol", PrimaryChoice.KEEP))


def test_acting_user_must_belong_to_the_msp(service: Embedded) -> None:
    with pytest.raises(errors.UnknownUser):
        service.application.create_order("northwind", "carol", "acme-dental")


def test_a_new_user_can_then_be_named_lead(service: Embedded) -> None:
    app = service.application
    order_id = app.create_order("northwind", "alice", "acme-dental")
    with pytest.raises(errors.UnknownImplementationLead):
        app.select_options("northwind", "alice", order_id, Options(1, "zoe", PrimaryChoice.KEEP))
    app.create_user("northwind", "alice", "zoe", "Zoe Park", "zoe@northwind-it.example")
    app.select_options("northwind", "alice", order_id, Options(1, "zoe", PrimaryChoice.KEEP))
    with pytest.raises(errors.UserAlreadyExists):
        app.create_user("northwind", "alice", "zoe", "Zoe Park", "zoe@northwind-it.example")


def test_tokens_authenticate_their_msp_only(service: Embedded) -> None:
    assert service.application.authenticate("demo-bluefin-K8pLw3") == "bluefin"
    with pytest.raises(NotAuthenticated):
        service.application.authenticate("demo-bluefin-K8pLw4")


def test_a_stale_write_on_one_order_is_a_concurrent_modification(
    service: Embedded,
) -> None:
    """Two processes on one store: the second writes on stale state and gets a 409."""
    other = build_embedded(service.settings)
    try:
        app = service.application
        order_id = confirmed(app)
        stale = other.application.order("northwind", order_id)
        app.submit("northwind", "alice", order_id)
        stale.cancel("alice", "raced")
        with pytest.raises(ConcurrentModification):
            other.application._save(stale)
        assert app.order("northwind", order_id).status.value == "submitted"
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_racing_submits_on_one_order_succeed_exactly_once(service: Embedded) -> None:
    app = service.application
    order_id = confirmed(app)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        barrier.wait()
        try:
            app.submit("northwind", "alice", order_id)
            outcomes.append("ok")
        except (ConcurrentModification, errors.OrderImmutable) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    submitted = [
        e
        for e in app.order_history(app.order("northwind", order_id))
        if type(e).__name__ == "Submitted"
    ]
    assert len(submitted) == 1


def test_processing_applies_a_submitted_order_once(service: Embedded) -> None:
    app = service.application
    order_id = confirmed(app)
    app.submit("northwind", "alice", order_id)
    processed = app.process_order(order_id)
    assert processed is not None
    assert processed.status.value == "applied"
    assert app.customer("northwind", "acme-dental").seats == 45
    assert app.process_order(order_id) is None
    assert app.customer("northwind", "acme-dental").seats == 45


def test_a_draft_is_not_processed(service: Embedded) -> None:
    app = service.application
    order_id = confirmed(app)
    assert app.process_order(order_id) is None
    assert app.customer("northwind", "acme-dental").seats == 40


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_racing_processors_record_exactly_one_outcome(service: Embedded) -> None:
    app = service.application
    orders = [confirmed(app) for _ in range(3)]
    for order_id in orders:
        app.submit("northwind", "alice", order_id)
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def work(order_id: UUID) -> None:
        barrier.wait()
        try:
            app.process_order(order_id)
        except BaseException as exc:  # the test fails on any, with the exception shown
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(o,)) for o in orders for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = [
        type(e).__name__
        for o in orders
        for e in app.order_history(app.order("northwind", o))
        if type(e).__name__ in ("Applied", "Rejected")
    ]
    assert failures == []
    assert outcomes == ["Applied"] * 3
    assert app.customer("northwind", "acme-dental").seats == 40 + 3 * 5
