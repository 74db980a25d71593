"""Lag figures match a consumer held back by a known number of events."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from changeorders.adapters.kafka_feed import ensure_topics, new_producer
from changeorders.adapters.lag import consumer_lag
from tests.kafka import Broker

pytestmark = pytest.mark.kafka


def test_lag_of_a_group_held_back_by_three_events(broker: Broker, topic: str) -> None:
    ensure_topics(broker.bootstrap, [topic], 1, 1)
    producer = new_producer(broker.bootstrap)
    sends = [producer.send(topic, key=b"k", value=str(n).encode()) for n in range(10)]
    producer.flush()  # one batch: the end offset must still count every record
    assert [s.get(timeout=10).offset for s in sends] == list(range(10))
    producer.close()
    group = f"held-back-{topic}"
    consumer = KafkaConsumer(
        bootstrap_servers=broker.bootstrap, group_id=group, enable_auto_commit=False
    )
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.commit({tp: OffsetAndMetadata(7, "", -1)})  # consumed 0..6, three behind
    consumer.close()
    before = datetime.now(UTC)
    time.sleep(0.01)

    (row,) = consumer_lag(broker.bootstrap, topic, [group])
    assert (row.committed, row.end, row.lag) == (7, 10, 3)
    assert row.last_consumed_at is not None
    assert row.last_consumed_at <= before
    seconds = row.seconds_since_last()
    assert seconds is not None
    assert seconds >= 0

    (idle,) = consumer_lag(broker.bootstrap, topic, ["never-joined"])
    assert (idle.committed, idle.lag, idle.last_consumed_at) == (None, 10, None)


def test_the_lag_collector_exports_lag_per_partition(broker: Broker, topic: str) -> None:
    from changeorders.adapters.metrics import LagCollector

    ensure_topics(broker.bootstrap, [topic], 2, 1)
    (family,) = LagCollector(broker.bootstrap, topic, ["nobody"]).collect()
    assert family.name == "changeorders_consumer_lag"
    assert sorted(s.labels["partition"] for s in family.samples) == ["0", "1"]
    assert all(s.value == 0 for s in family.samples)
