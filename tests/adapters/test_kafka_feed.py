"""The Kafka feed against the real broker: retry what is transient, park what is poison."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import Tracking

from changeorders.adapters.dead_letters import list_parked, replay
from changeorders.adapters.feed import BatchHandler, Handler, Interest, Poison
from changeorders.adapters.kafka_feed import (
    DeadLetters,
    KafkaFeed,
    dead_letter_topic,
    ensure_topics,
    new_consumer,
    new_producer,
)
from changeorders.schemas.events import PublishedEvent
from tests.kafka import Broker
from tests.schemas.test_events import record

pytestmark = pytest.mark.kafka
FAST_GROUP: dict[str, Any] = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}


@dataclass
class Handlers:
    """A consumer made of plain functions, for the feed's own tests."""

    handle: Handler
    handle_batch: BatchHandler | None = None
    name: str = "test"
    interest: Interest = field(default_factory=Interest)


def feed_for(broker: Broker, topic: str, group: str, consumer: Handlers) -> KafkaFeed:
    return KafkaFeed(
        new_consumer(broker.bootstrap, topic, group, **FAST_GROUP),
        DeadLetters(new_producer(broker.bootstrap), dead_letter_topic(topic)),
        group,
        consumer,
    )


def publish(broker: Broker, topic: str, *values: bytes) -> None:
    ensure_topics(broker.bootstrap, [topic, dead_letter_topic(topic)], 1, 1)
    producer = new_producer(broker.bootstrap)
    for value in values:
        producer.send(topic, key=b"acme-dental", value=value).get(timeout=10)
    producer.close()


def pump_until(feed: KafkaFeed, count: int) -> None:
    handled = 0
    for _ in range(100):
        handled += feed.pump(timeout_ms=200)
        if handled >= count:
            return
    raise AssertionError(f"handled {handled} of {count}")


def test_a_database_outage_is_retried_not_dead_lettered(broker: Broker, topic: str) -> None:
    publish(broker, topic, record(), record())
    seen: list[tuple[PublishedEvent, Tracking]] = []
    failures = iter([psycopg.OperationalError("server closed the connection")] * 2)

    def handler(event: PublishedEvent, tracking: Tracking) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        seen.append((event, tracking))

    pump_until(feed_for(broker, topic, f"g-{uuid.uuid4().hex[:8]}", Handlers(handler)), 2)
    assert [t.notification_id for _, t in seen] == [0, 1]
    assert list_parked(broker.bootstrap, dead_letter_topic(topic)) == []


def test_poison_is_parked_with_its_reason_and_the_feed_goes_on(broker: Broker, topic: str) -> None:
    publish(broker, topic, b"{broken", record(), record(type="ChangeOrder.Exploded"))
    group = f"g-{uuid.uuid4().hex[:8]}"
    seen: list[PublishedEvent] = []

    def handler(event: PublishedEvent, tracking: Tracking) -> None:
        if event.position == 42 and not seen:
            seen.append(event)
            raise Poison("this order can never be shown")
        seen.append(event)

    pump_until(feed_for(broker, topic, group, Handlers(handler)), 3)
    parked = list_parked(broker.bootstrap, dead_letter_topic(topic))
    assert [(p.source_offset, p.error_class, p.group) for p in parked] == [
        (0, "UnreadableEvent", group),
        (1, "Poison", group),
        (2, "UnreadableEvent", group),
    ]
    assert parked[0].value == b"{broken"
    assert "unknown event type" in parked[2].reason


def test_replay_sends_parked_records_back_once(broker: Broker, topic: str) -> None:
    publish(broker, topic, b"{broken")
    feed = feed_for(broker, topic, f"g-{uuid.uuid4().hex[:8]}", Handlers(lambda e, t: None))
    pump_until(feed, 1)
    dlq = dead_letter_topic(topic)
    assert replay(broker.bootstrap, dlq, f"replay-{topic}", **FAST_GROUP) == 1
    assert replay(broker.bootstrap, dlq, f"replay-{topic}", **FAST_GROUP) == 0
    pump_until(feed, 1)  # the replayed record comes back to the feed...
    assert len(list_parked(broker.bootstrap, dlq)) == 2  # ...and, still broken, is parked again


def test_a_poll_goes_to_the_batch_handler_in_one_call(broker: Broker, topic: str) -> None:
    publish(broker, topic, record(position=1), record(position=2), record(position=3))
    calls: list[list[tuple[int, int]]] = []

    def one_by_one(event: PublishedEvent, tracking: Tracking) -> None:
        raise AssertionError("the batch handler took the whole poll")

    def batch(events: list[PublishedEvent], trackings: list[Tracking]) -> None:
        calls.append(
            [(e.position, t.notification_id) for e, t in zip(events, trackings, strict=True)]
        )

    feed = feed_for(broker, topic, f"g-{uuid.uuid4().hex[:8]}", Handlers(one_by_one, batch))
    pump_until(feed, 3)
    assert [pair for call in calls for pair in call] == [(1, 0), (2, 1), (3, 2)]


def test_a_poisoned_batch_is_delivered_again_one_by_one(broker: Broker, topic: str) -> None:
    """One poison record in a poll undoes the batch; one by one, only it is parked."""
    publish(broker, topic, record(position=1), record(position=42), record(position=3))
    group = f"g-{uuid.uuid4().hex[:8]}"
    seen: list[int] = []

    def one_by_one(event: PublishedEvent, tracking: Tracking) -> None:
        if event.position == 42:
            raise Poison("this order can never be shown")
        seen.append(event.position)

    def batch(events: list[PublishedEvent], trackings: list[Tracking]) -> None:
        if any(e.position == 42 for e in events):
            raise Poison("one of these can never be shown")
        seen.extend(e.position for e in events)

    pump_until(feed_for(broker, topic, group, Handlers(one_by_one, batch)), 3)
    assert sorted(seen) == [1, 3]
    parked = list_parked(broker.bootstrap, dead_letter_topic(topic))
    assert [(p.source_offset, p.error_class) for p in parked] == [(1, "Poison")]


def test_a_stop_while_retrying_leaves_cleanly_and_commits_nothing(
    broker: Broker, topic: str
) -> None:
    """SIGTERM sets the stop event: the feed must not raise (the process exits 0) and the
    record it could not handle is delivered again to the next member."""
    import threading

    publish(broker, topic, record())
    group = f"g-{uuid.uuid4().hex[:8]}"
    attempts: list[int] = []

    def database_down(event: PublishedEvent, tracking: Tracking) -> None:
        attempts.append(1)
        raise psycopg.OperationalError("the database is down")

    feed = feed_for(broker, topic, group, Handlers(database_down))
    stop, failures = threading.Event(), []

    def run() -> None:
        try:
            feed.run_until(stop)
        except BaseException as exc:
            failures.append(exc)

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 60
    while not attempts:
        assert time.monotonic() < deadline, "the record never arrived"
        time.sleep(0.05)
    stop.set()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert failures == []
    seen: list[PublishedEvent] = []
    again = feed_for(broker, topic, group, Handlers(lambda e, t: seen.append(e)))
    pump_until(again, 1)
    assert len(seen) == 1
