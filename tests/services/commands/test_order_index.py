"""The order index projection: tracked with its view change, so redelivery changes nothing."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from changeorders.services.commands.bootstrap import CommandsService
from changeorders.services.feed import LocalFeed
from changeorders.services.projections.order_index import OrderIndex, order_index_recorder


def index_and_feed(service: CommandsService) -> tuple[OrderIndex, LocalFeed]:
    app = service.application
    recorder = order_index_recorder(app.recorder.datastore)  # type: ignore[attr-defined]
    return OrderIndex(recorder), LocalFeed(app, "test-index", recorder, OrderIndex.topics)


def test_catch_up_indexes_each_order_once(service: CommandsService) -> None:
    app = service.application
    order_id = app.create_order("northwind", "alice", "acme-dental")
    projection, feed = index_and_feed(service)
    assert feed.pump(projection.process_event) == 1
    assert feed.pump(projection.process_event) == 0
    (row,) = projection.view.orders("northwind", ["draft"])
    assert (row.order_id, row.customer, row.created_by) == (str(order_id), "acme-dental", "alice")


def test_a_redelivered_event_is_refused_by_its_tracking_record(service: CommandsService) -> None:
    app = service.application
    app.create_order("northwind", "alice", "acme-dental")
    projection, feed = index_and_feed(service)
    feed.pump(projection.process_event)
    last = app.recorder.max_notification_id()
    assert last is not None
    (notification,) = app.recorder.select_notifications(start=last, limit=1)
    event = app.mapper.to_domain_event(notification)
    with pytest.raises((IntegrityError, psycopg.IntegrityError)):
        projection.process_event(event, Tracking(feed.name, notification.id))
    assert len(projection.view.orders("northwind", ["draft"])) == 1
