"""Every stored event publishes to the envelope consumers read, with its owner and a stable id."""

from __future__ import annotations

from changeorders.adapters.publishing import Publisher, is_published
from changeorders.bootstrap import Embedded, local_notifications
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.events import PAYLOADS, parse_published
from devtools.orders import submit_order


def run_one_order(service: Embedded) -> None:
    app = service.application
    submit_order(app, "northwind", "alice", "acme-dental", Options(5, "alice", PrimaryChoice.KEEP))
    service.processing.pump()
    local_notifications(app, service.settings).pump()  # .eml files in the test's outbox


def test_every_stored_event_round_trips_through_the_published_schema(
    service: Embedded,
) -> None:
    run_one_order(service)
    app = service.application
    publisher = Publisher(app)
    published = []
    for notification in app.recorder.select_notifications(start=None, limit=10_000):
        event = app.mapper.to_domain_event(notification)
        if not is_published(event):
            assert type(event).__qualname__ in ("ApiToken.Issued", "AuditorToken.Issued")
            continue
        envelope = publisher.envelope(event, notification.id)
        assert parse_published(envelope.model_dump_json().encode()) == envelope
        published.append(envelope)
    never_in_this_run = {
        "Catalogue.Revised",
        "MspAgreement.Amended",
        "ChangeOrder.Rejected",
        "ChangeOrder.Cancelled",
        "ChangeOrder.NotificationFailed",
    }
    assert {e.type for e in published} == set(PAYLOADS) - never_in_this_run
    order_events = [e for e in published if e.type.startswith("ChangeOrder.")]
    assert {(e.msp, e.customer) for e in order_events} == {("northwind", "acme-dental")}
    assert [e.actor for e in order_events][:5] == ["alice"] * 5


def test_a_republished_event_keeps_its_id(service: Embedded) -> None:
    run_one_order(service)
    app = service.application
    last = app.recorder.max_notification_id()
    (notification,) = app.recorder.select_notifications(start=last, limit=1)
    event = app.mapper.to_domain_event(notification)
    fresh = Publisher(app)  # a restarted relay, with an empty cache: looks the owner up
    first = Publisher(app).envelope(event, notification.id)
    again = fresh.envelope(event, notification.id)
    assert first.event_id == again.event_id
    assert again.customer == "acme-dental"
