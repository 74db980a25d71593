"""The views, built from published events: right after a run, and unchanged by redelivery."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from changeorders.adapters.feed import Poison
from changeorders.adapters.publishing import published_events
from changeorders.adapters.views.tables import views_recorder
from changeorders.bootstrap import Embedded
from changeorders.schemas.events import PublishedEvent
from changeorders.services.projections.projection import ChangeOrderViews
from tests.adapters.test_publishing import run_one_order


def published(service: Embedded) -> list[PublishedEvent]:
    return list(published_events(service.application))


def snapshot(service: Embedded) -> dict[str, Any]:
    q = service.views.read()
    return {
        "customers": q.customers("northwind"),
        "licences": q.licences("northwind"),
        "orders": q.orders("northwind", open_only=False),
        "history": q.licence_history("acme-dental"),
    }


def test_views_show_an_applied_order(service: Embedded) -> None:
    run_one_order(service)
    q = service.views.read()
    acme = q.customer("northwind", "acme-dental")
    assert acme is not None
    assert acme["seats"] == 45
    assert [o.status for o in acme["orders"]] == ["notified"]  # applied, both emails sent
    assert [a["media_type"] for a in acme["attachments"]] == ["application/pdf"]
    assert q.licence_history("acme-dental") == [
        {
            "order_id": str(acme["orders"][0].order_id),
            "product": "SEG-ESS",
            "seats_before": 40,
            "seats_after": 45,
        },
    ]
    totals = q.licence_totals("northwind")
    assert totals["SEG-ESS"] == 45 + 8  # acme-dental and sunrise-bakery
    assert acme["licence_history"] == q.licence_history("acme-dental")
    views = views_recorder(service.application.datastore)
    history = views.query(
        "SELECT type FROM {s}order_history WHERE order_id = ? ORDER BY version",
        str(acme["orders"][0].order_id),
    )
    assert [t for (t,) in history] == [
        "Drafted",
        "OptionsSelected",
        "Reviewed",
        "Confirmed",
        "Submitted",
        "Applied",
        "AddendumIssued",
        "NotificationSent",
        "NotificationSent",
    ]


def test_a_redelivered_event_changes_nothing(service: Embedded) -> None:
    run_one_order(service)
    before = snapshot(service)
    projection = ChangeOrderViews(views_recorder(service.application.datastore))
    last = published(service)[-1]
    with pytest.raises((IntegrityError, psycopg.IntegrityError)):
        projection.process_event(last, Tracking(service.views._feed.name, last.position))
    assert snapshot(service) == before


def test_a_republished_tail_under_new_positions_changes_nothing(
    service: Embedded,
) -> None:
    """The relay may republish after a crash: new offsets, same events, same views."""
    run_one_order(service)
    before = snapshot(service)
    projection = ChangeOrderViews(views_recorder(service.application.datastore))
    for offset, event in enumerate(published(service)):
        projection.process_event(event, Tracking("events:0@republished", offset))
    assert snapshot(service) == before


def test_an_order_event_without_its_draft_is_poison(service: Embedded) -> None:
    run_one_order(service)
    projection = ChangeOrderViews(views_recorder(service.application.datastore))
    submitted = next(e for e in published(service) if e.type == "ChangeOrder.Submitted")
    orphan = submitted.model_copy(update={"aggregate_id": submitted.event_id})
    with pytest.raises(Poison, match="Drafted"):
        projection.process_event(orphan, Tracking("events:0@orphans", 1))


def test_a_batch_with_a_poison_event_writes_nothing(service: Embedded) -> None:
    run_one_order(service)
    before = snapshot(service)
    projection = ChangeOrderViews(views_recorder(service.application.datastore))
    events = published(service)
    drafted = next(e for e in events if e.type == "ChangeOrder.Drafted")
    fresh = drafted.model_copy(update={"aggregate_id": drafted.event_id, "customer": "x"})
    submitted = next(e for e in events if e.type == "ChangeOrder.Submitted")
    orphan = submitted.model_copy(update={"aggregate_id": submitted.event_id})
    with pytest.raises(Poison):
        projection.handle_batch([fresh, orphan], [Tracking("events:0@mixed", 1)])
    assert snapshot(service) == before
    assert projection.view.max_tracking_id("events:0@mixed") is None


def test_a_redelivered_batch_overlapping_what_was_recorded_changes_nothing_twice(
    service: Embedded,
) -> None:
    """After a crash between the commit and the broker's offset commit, a larger poll
    brings back what was already projected: it is applied once."""
    run_one_order(service)
    before = snapshot(service)
    projection = ChangeOrderViews(views_recorder(service.application.datastore))
    events = published(service)
    half = len(events) // 2
    name = "events:0@overlap"
    projection.handle_batch(events[:half], [Tracking(name, half)])
    projection.handle_batch(events, [Tracking(name, len(events))])
    assert snapshot(service) == before
    assert projection.view.max_tracking_id(name) == len(events)
