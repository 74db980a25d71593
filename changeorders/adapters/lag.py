"""Consumer lag per group, topic and partition, read from the broker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    last_consumed_at: datetime | None

    @property
    def lag(self) -> int:
        return self.end - (self.committed or 0)

    def seconds_since_last(self, now: datetime | None = None) -> float | None:
        if self.last_consumed_at is None:
            return None
        return ((now or datetime.now(UTC)) - self.last_consumed_at).total_seconds()


#: how long an operator's command waits for the broker before it says none answers
BOOTSTRAP_MS = 3_000


def consumer_lag(
    bootstrap: str, topic: str, groups: list[str], *, times: bool = True, wait_ms: int = 500
) -> list[PartitionLag]:
    """Committed offset, end offset, and (``times``) when the last consumed record was
    produced. ``wait_ms``: how long a read of a partition's tail waits for more records."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, bootstrap_timeout_ms=BOOTSTRAP_MS)
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, bootstrap_timeout_ms=BOOTSTRAP_MS
    )
    try:
        numbers = sorted(consumer.partitions_for_topic(topic) or [])
        partitions = [TopicPartition(topic, n) for n in numbers]
        if not partitions:
            return []
        ends = {
            tp: end_offset(consumer, tp, end, wait_ms)
            for tp, end in consumer.end_offsets(partitions).items()
        }
        found = []
        for group in groups:
            committed = admin.list_group_offsets({group: partitions}).get(group, {})
            for tp in partitions:
                meta = committed.get(tp)
                offset = meta.offset if meta is not None and meta.offset >= 0 else None
                found.append(
                    PartitionLag(
                        group,
                        topic,
                        tp.partition,
                        offset,
                        ends[tp],
                        _produced_at(consumer, tp, offset) if times else None,
                    )
                )
        return found
    finally:
        consumer.close()
        admin.close()


def end_offset(
    consumer: KafkaConsumer, tp: TopicPartition, reported: int, wait_ms: int = 500
) -> int:
    """The offset after the partition's last record, read rather than trusted.

    Apache Kafka reports the high watermark; some Kafka-protocol brokers (Tansu 0.6 in
    memory) report the start of the last record batch instead. Reading from just before the
    reported end gives the right answer on both.
    """
    if reported == 0:
        return 0
    consumer.assign([tp])
    consumer.seek(tp, reported - 1)
    last = reported - 1
    while records := consumer.poll(timeout_ms=wait_ms).get(tp):
        last = records[-1].offset
    return max(reported, last + 1)


def _produced_at(
    consumer: KafkaConsumer, tp: TopicPartition, committed: int | None
) -> datetime | None:
    """The timestamp of the last record the group consumed (the one before its offset)."""
    if not committed:
        return None
    consumer.assign([tp])
    consumer.seek(tp, committed - 1)
    for _ in range(10):
        records = consumer.poll(timeout_ms=500, max_records=1).get(tp)
        if records:
            return datetime.fromtimestamp(records[0].timestamp / 1000, UTC)
    return None
