"""The Kafka event feed: a consumer group, poison parked on a dead-letter topic, retries.

Failures split in two. *Poison*, a record that can never be handled (unreadable, unknown
type, or a handler's :class:`Poison`), is parked on the dead-letter topic with its reason
and the feed moves on. *Retryable*, the database or broker being down, is retried with
backoff on the same record: the feed never moves past a record it has not handled.
Offsets are committed to the broker only after every record of the poll is handled.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from eventsourcing.persistence import Tracking
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from changeorders.adapters.database import ALREADY_RECORDED
from changeorders.adapters.feed import ONE_BY_ONE, RETRYABLE, Consumer, Poison, handling
from changeorders.adapters.metrics import BATCH_SECONDS, DEAD_LETTERS, EVENTS_HANDLED
from changeorders.adapters.settings import Settings
from changeorders.schemas.events import PublishedEvent, UnreadableEvent, parse_published

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
CLOSE_MS = 5_000  # leaving the group never holds a stop longer


def new_producer(bootstrap: str) -> KafkaProducer:
    """The idempotent producer: acks from all in-sync replicas, no duplicates on retry."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        compression_type=None,
    )


def ensure_topics(bootstrap: str, topics: list[str], partitions: int, replication: int) -> None:
    """Create the topics that are missing (on start-up); existing ones are left as they are."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        missing = [t for t in topics if t not in admin.list_topics()]
        new = [
            NewTopic(t, num_partitions=partitions, replication_factor=replication) for t in missing
        ]
        with contextlib.suppress(TopicAlreadyExistsError):  # another relay created it first
            if new:
                admin.create_topics(new)
    finally:
        admin.close()


def new_consumer(bootstrap: str, topic: str, group: str, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": group,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_poll_records": 500,
    }
    return KafkaConsumer(topic, **(config | overrides))


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


class DeadLetters:
    """Parks a record with the reason it can never be handled, keeping its original bytes."""

    def __init__(self, producer: KafkaProducer, topic: str) -> None:
        self._producer = producer
        self.topic = topic

    def park(self, record: Any, group: str, error: Exception) -> None:
        headers = [
            *(record.headers or []),
            ("dlq.source.topic", record.topic.encode()),
            ("dlq.source.partition", str(record.partition).encode()),
            ("dlq.source.offset", str(record.offset).encode()),
            ("dlq.group", group.encode()),
            ("dlq.error.class", type(error).__name__.encode()),
            ("dlq.reason", str(error)[:2000].encode()),
        ]
        send = self._producer.send(self.topic, key=record.key, value=record.value, headers=headers)
        send.get(timeout=30)  # durable before the source offset is committed
        DEAD_LETTERS.labels(group, type(error).__name__).inc()
        log.warning("parked %s:%s@%s: %s", record.topic, record.partition, record.offset, error)


class Stopped(Exception):
    """Asked to stop while waiting to retry a record: leave without committing it."""


class KafkaFeed:
    """One member of a consumer group, delivering to one :class:`Consumer`."""

    def __init__(
        self,
        client: KafkaConsumer,
        dead_letters: DeadLetters,
        group: str,
        consumer: Consumer,
    ) -> None:
        self._client = client
        self._dead_letters = dead_letters
        self._group = group
        self._consumer = consumer
        self._stop = threading.Event()

    def pump(self, timeout_ms: int = 500) -> int:
        """Handle one poll's records, then commit their offsets; return how many.

        A consumer with ``handle_batch`` gets the records it wants in one call first; if
        that fails they go one by one through ``handle``, which parks poison and retries.
        """
        records = [r for rs in self._client.poll(timeout_ms=timeout_ms).values() for r in rs]
        if not (records and self._deliver_all(records)):
            for record in records:
                self._deliver(record)
        if records:
            self._client.commit()
        return len(records)

    def assignment(self) -> set[Any]:
        """The partitions this member of the group owns now."""
        return set(self._client.assignment())

    def run_until(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set, then leave the group. A broker outage (a commit or
        poll failing) is waited out: records whose offsets were not committed come again,
        and their effects are idempotent."""
        self._stop = stop
        failures = 0
        try:
            while not stop.is_set():
                try:
                    self.pump()
                    failures = 0
                except Stopped:
                    log.info("%s stopped mid-retry; the record comes again later", self._group)
                    break
                except KafkaError as exc:
                    failures += 1
                    wait = min(MAX_BACKOFF_SECONDS, 0.2 * 2**failures)
                    log.warning("%s waiting %.1fs after: %s", self._group, wait, exc)
                    stop.wait(wait)
        finally:
            self._client.close(autocommit=False, timeout_ms=CLOSE_MS)

    def _deliver_all(self, records: list[Any]) -> bool:
        """The poll in one call; False when it has to go one record at a time instead (a
        record unreadable or poison, a position already recorded, a server down)."""
        handle_batch = getattr(self._consumer, "handle_batch", None)
        if handle_batch is None:
            return False
        try:
            wanted = [
                (event, self._tracking(record))
                for record in records
                if self._consumer.interest.wants((event := parse_published(record.value)).type)
            ]
            with BATCH_SECONDS.labels(self._group).time():
                handle_batch([e for e, _ in wanted], [t for _, t in wanted])
        except ONE_BY_ONE as exc:
            log.info("%s: %d records one by one after: %s", self._group, len(records), exc)
            return False
        for event, _ in wanted:
            EVENTS_HANDLED.labels(self._group, event.type).inc()
        return True

    def _tracking(self, record: Any) -> Tracking:
        return Tracking(f"{self._group}:{record.topic}:{record.partition}", record.offset)

    def _deliver(self, record: Any) -> None:
        try:
            event = parse_published(record.value)
        except UnreadableEvent as exc:
            self._dead_letters.park(record, self._group, exc)
            return
        if self._consumer.interest.wants(event.type):
            self._handle(record, event)

    def _handle(self, record: Any, event: PublishedEvent) -> None:
        """Handle until done: poison is parked, a server down is waited out."""
        attempt = 0
        while True:
            try:
                with handling(event, self._group):
                    self._consumer.handle(event, self._tracking(record))
                return
            except Poison as exc:
                self._dead_letters.park(record, self._group, exc)
                return
            except ALREADY_RECORDED:
                return  # a redelivery of a record whose effect is already committed
            except RETRYABLE as exc:
                attempt += 1
                wait = min(MAX_BACKOFF_SECONDS, 0.1 * 2**attempt)
                log.warning(
                    "retrying %s in %.1fs (attempt %d): %s", event.event_id, wait, attempt, exc
                )
                if self._stop.wait(wait):
                    raise Stopped(f"stopped while retrying {event.event_id}") from exc


def feed_from_settings(
    settings: Settings, role: str, consumer: Consumer, **consumer_config: Any
) -> KafkaFeed:
    """The events topic's feed for one consumer group; creates the topics when missing."""
    topic, group = settings.events_topic, settings.group(role)
    ensure_topics(
        settings.kafka_bootstrap,
        [topic, dead_letter_topic(topic)],
        settings.topic_partitions,
        settings.topic_replication,
    )
    return KafkaFeed(
        new_consumer(
            settings.kafka_bootstrap, topic, group, **(settings.consumer_config() | consumer_config)
        ),
        DeadLetters(new_producer(settings.kafka_bootstrap), dead_letter_topic(topic)),
        group,
        consumer,
    )
