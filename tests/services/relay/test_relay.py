"""The outbox relay against a real Kafka-protocol broker."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from kafka import KafkaProducer

from changeorders.adapters.kafka_feed import ensure_topics, new_producer
from changeorders.bootstrap import Embedded
from changeorders.schemas.events import parse_published
from changeorders.services.relay.relay import (
    OutboxRelay,
    relay_tracking,
)
from tests.adapters.test_publishing import run_one_order
from tests.kafka import Broker, read_all

pytestmark = pytest.mark.kafka


def relay_for(service: Embedded, broker: Broker, topic: str, **kw: Any) -> OutboxRelay:
    app = service.application
    ensure_topics(broker.bootstrap, [topic], partitions=3, replication=1)
    producer = kw.pop("producer", None) or new_producer(broker.bootstrap)
    tracking = relay_tracking(app.datastore)
    return OutboxRelay(app, producer, topic, tracking, **kw)


def published_count(service: Embedded) -> int:
    """Stored events less the private token events (API and auditor tokens)."""
    app = service.application
    notifications = app.recorder.select_notifications(start=None, limit=100_000)
    return sum(1 for n in notifications if "Token" not in n.topic)


def test_every_event_is_published_in_store_order_per_customer(
    service: Embedded, broker: Broker, topic: str
) -> None:
    run_one_order(service)
    relay = relay_for(service, broker, topic)
    relay.drain()
    assert relay.backlog() == 0
    expected = published_count(service)
    records = read_all(broker.bootstrap, topic, expected)
    assert len(records) == expected
    by_key: dict[bytes, list[int]] = defaultdict(list)
    for record in records:
        event = parse_published(record.value)
        assert record.key == (event.customer or str(event.aggregate_id)).encode()
        headers = dict(record.headers)
        assert headers["event_id"] == str(event.event_id).encode()
        assert headers["correlation_id"] == str(event.aggregate_id).encode()
        by_key[record.key].append(event.position)
    assert all(positions == sorted(positions) for positions in by_key.values())
    acme = [parse_published(r.value).type for r in records if r.key == b"acme-dental"]
    tail = acme[acme.index("ChangeOrder.Submitted") :]
    assert tail == [
        "ChangeOrder.Submitted",
        "ChangeOrder.Applied",
        "CustomerAccount.OrderApplied",
        "ChangeOrder.AddendumIssued",
        "CustomerAccount.AttachmentStored",
        "ChangeOrder.NotificationSent",
        "ChangeOrder.NotificationSent",
    ]


class CrashingProducer(KafkaProducer):  # type: ignore[misc]
    """Sends ``survive`` records, then dies as a process would mid-batch."""

    def __init__(self, survive: int, **config: Any) -> None:
        super().__init__(**config)
        self.survive = survive

    def send(self, *args: Any, **kwargs: Any) -> Any:
        if self.survive == 0:
            raise RuntimeError("relay killed mid-batch")
        self.survive -= 1
        return super().send(*args, **kwargs)


def test_a_relay_crash_mid_batch_loses_nothing(
    service: Embedded, broker: Broker, topic: str
) -> None:
    run_one_order(service)
    crashing = CrashingProducer(
        15, bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=True
    )
    doomed = relay_for(service, broker, topic, producer=crashing, batch_size=10)
    doomed.pump()  # the first batch of 10 goes out (in flight, not yet recorded)
    with pytest.raises(RuntimeError, match="killed"):
        doomed.pump()
    crashing.flush()
    restarted = relay_for(service, broker, topic, batch_size=10)
    restarted.drain()
    expected = published_count(service)
    records = read_all(broker.bootstrap, topic, expected)
    event_ids = [parse_published(r.value).event_id for r in records]
    assert len(set(event_ids)) == expected  # nothing lost
    assert len(event_ids) > expected  # the tail was republished: consumers dedupe by id
