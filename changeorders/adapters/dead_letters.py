"""Looking at parked records, and sending them back once the cause is fixed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from changeorders.adapters.kafka_feed import new_consumer, new_producer
from changeorders.adapters.lag import BOOTSTRAP_MS, end_offset


@dataclass(frozen=True)
class ParkedRecord:
    offset: int
    source_topic: str
    source_partition: int
    source_offset: int
    group: str
    error_class: str
    reason: str
    key: bytes | None
    value: bytes
    original_headers: list[tuple[str, bytes]]


def _parked(record: Any) -> ParkedRecord:
    headers = dict(record.headers or [])
    return ParkedRecord(
        offset=record.offset,
        source_topic=headers["dlq.source.topic"].decode(),
        source_partition=int(headers["dlq.source.partition"]),
        source_offset=int(headers["dlq.source.offset"]),
        group=headers["dlq.group"].decode(),
        error_class=headers["dlq.error.class"].decode(),
        reason=headers["dlq.reason"].decode(),
        key=record.key,
        value=record.value,
        original_headers=[(k, v) for k, v in record.headers if not k.startswith("dlq.")],
    )


def list_parked(bootstrap: str, dlq_topic: str, poll_ms: int = 1000) -> list[ParkedRecord]:
    """Every record on the dead-letter topic, oldest first (read without a group)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, bootstrap_timeout_ms=BOOTSTRAP_MS
    )
    try:
        numbers = consumer.partitions_for_topic(dlq_topic) or set()
        partitions = [TopicPartition(dlq_topic, n) for n in numbers]
        if not partitions:
            return []
        ends = {
            tp: end_offset(consumer, tp, end)
            for tp, end in consumer.end_offsets(partitions).items()
        }
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found: list[ParkedRecord] = []
        while any(consumer.position(p) < ends[p] for p in partitions):
            for records in consumer.poll(timeout_ms=poll_ms).values():
                found.extend(_parked(r) for r in records)
        return sorted(found, key=lambda p: (p.source_topic, p.source_partition, p.source_offset))
    finally:
        consumer.close()


def _caught_up(consumer: KafkaConsumer) -> bool:
    """True once the group owns partitions and has read each to its end."""
    assigned = consumer.assignment()
    if not assigned:
        return False
    ends = consumer.end_offsets(list(assigned))
    # Parked records are sent one by one, so even brokers that report the start of the last
    # batch as the end (see lag.end_offset) report the true end here.
    return all(consumer.position(p) >= ends[p] for p in assigned)


def replay(
    bootstrap: str, dlq_topic: str, group: str, timeout: float = 60.0, **consumer_config: Any
) -> int:
    """Send parked records back to their source topic, once: the replay group commits.

    Runs until the group has read the dead-letter topic to its end (or ``timeout``).
    """
    consumer = new_consumer(
        bootstrap, dlq_topic, group, bootstrap_timeout_ms=BOOTSTRAP_MS, **consumer_config
    )
    producer = new_producer(bootstrap)
    sent = 0
    deadline = time.monotonic() + timeout
    try:
        while not _caught_up(consumer) and time.monotonic() < deadline:
            batches = consumer.poll(timeout_ms=500)
            sends = [
                producer.send(p.source_topic, key=p.key, value=p.value, headers=p.original_headers)
                for records in batches.values()
                for p in map(_parked, records)
            ]
            for send in sends:
                send.get(timeout=30)
            if sends:
                consumer.commit()
            sent += len(sends)
        return sent
    finally:
        consumer.close()
        producer.close()
