"""Kafka helpers for tests: the Tansu broker (from devtools) and reading a topic whole."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from devtools.services import services_env as devtools_services_env
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
    return devtools_services_env(broker.bootstrap, topic, schema, **extra)
