"""Kafka helpers for tests: the Tansu broker (from devtools) and reading a topic whole."""

from __future__ import annotations

import os
import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from devtools.tansu import Broker, tansu_broker

__all__ = ["Broker", "read_all", "services_env", "tansu_broker"]


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 20.0) -> list[Any]:
    """Every record of ``topic``: at least ``expected``, then until a poll brings nothing.

    Reads by assignment, with no consumer group, so there is no group join to wait for.
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    deadline = time.monotonic() + timeout
    try:
        while not (numbers := consumer.partitions_for_topic(topic)):
            assert time.monotonic() < deadline, f"topic {topic} never appeared"
            time.sleep(0.1)
        partitions = [TopicPartition(topic, p) for p in numbers]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        while time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=300)
            for batch in batches.values():
                records.extend(batch)
            if not batches and len(records) >= expected:
                break
        return records
    finally:
        consumer.close()


def services_env(broker: Broker, topic: str, schema: str, **extra: str) -> dict[str, str]:
    """The environment of `changeorders` service processes on PostgreSQL and the broker,
    with groups that settle in seconds rather than tens of seconds."""
    return (
        dict(os.environ)
        | {
            "CHANGEORDERS_EVENT_STORE": "postgres",
            "CHANGEORDERS_POSTGRES_SCHEMA": schema,
            "CHANGEORDERS_DELIVERY": "kafka",
            "CHANGEORDERS_KAFKA_BOOTSTRAP": broker.bootstrap,
            "CHANGEORDERS_EVENTS_TOPIC": topic,
            "CHANGEORDERS_TOPIC_PARTITIONS": "2",
            "CHANGEORDERS_GROUP_PREFIX": topic,
            "CHANGEORDERS_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "CHANGEORDERS_KAFKA_HEARTBEAT_MS": "500",
        }
        | extra
    )
