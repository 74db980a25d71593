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
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, Tracking
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from changeorders.schemas.events import PublishedEvent, UnreadableEvent, parse_published
from changeorders.services.correlation import correlated
from changeorders.services.feed import Poison, Retryable
from changeorders.services.metrics import (
    BATCH_SECONDS,
    DEAD_LETTERS,
    EVENTS_HANDLED,
    HANDLING_SECONDS,
)
from changeorders.services.settings import Settings

log = logging.getLogger(__name__)

RETRYABLE: tuple[type[Exception], ...] = (
    Retryable,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)
ALREADY_TRACKED = (IntegrityError, psycopg.IntegrityError)
#: A batch failing with one of these is delivered again one record at a time.
ONE_BY_ONE: tuple[type[Exception], ...] = (UnreadableEvent, Poison, *ALREADY_TRACKED, *RETRYABLE)
MAX_BACKOFF_SECONDS = 30.0

EventHandler = Callable[[PublishedEvent, Tracking], None]
BatchHandler = Callable[[list[PublishedEvent], list[Tracking]], None]


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


class KafkaFeed:
    def __init__(
        self,
        consumer: KafkaConsumer,
        dead_letters: DeadLetters,
        group: str,
        stop: threading.Event | None = None,
    ) -> None:
        self._consumer = consumer
        self._dead_letters = dead_letters
        self._group = group
        self._stop = stop or threading.Event()

    def pump(
        self,
        handler: EventHandler,
        timeout_ms: int = 500,
        batch_handler: BatchHandler | None = None,
    ) -> int:
        """Handle one poll's records, then commit their offsets; return how many.

        With ``batch_handler`` the whole poll goes in one call first; if that fails the
        records go one by one through ``handler``, which parks poison and retries.
        """
        records = [r for rs in self._consumer.poll(timeout_ms=timeout_ms).values() for r in rs]
        if not (records and batch_handler and self._deliver_all(records, batch_handler)):
            for record in records:
                self._deliver(record, handler)
        if records:
            self._consumer.commit()
        return len(records)

    def assignment(self) -> set[Any]:
        """The partitions this member of the group owns now."""
        return set(self._consumer.assignment())

    def run_until_stopped(
        self, handler: EventHandler, batch_handler: BatchHandler | None = None
    ) -> None:
        """Consume until stopped. A broker outage (a commit or poll failing) is waited out:
        records whose offsets were not committed come again, and their effects are
        idempotent."""
        failures = 0
        try:
            while not self._stop.is_set():
                try:
                    self.pump(handler, batch_handler=batch_handler)
                    failures = 0
                except KafkaError as exc:
                    failures += 1
                    wait = min(MAX_BACKOFF_SECONDS, 0.2 * 2**failures)
                    log.warning("%s waiting %.1fs after: %s", self._group, wait, exc)
                    self._stop.wait(wait)
        finally:
            self._consumer.close()

    def _deliver_all(self, records: list[Any], batch_handler: BatchHandler) -> bool:
        """The poll in one call; False when it has to go one record at a time instead (a
        record unreadable or poison, a position already recorded, a server down)."""
        try:
            events = [parse_published(record.value) for record in records]
            with BATCH_SECONDS.labels(self._group).time():
                batch_handler(events, [self._tracking(record) for record in records])
        except ONE_BY_ONE as exc:
            log.info("%s: %d records one by one after: %s", self._group, len(records), exc)
            return False
        for event in events:
            EVENTS_HANDLED.labels(self._group, event.type).inc()
        return True

    def _tracking(self, record: Any) -> Tracking:
        return Tracking(f"{self._group}:{record.topic}:{record.partition}", record.offset)

    def _deliver(self, record: Any, handler: EventHandler) -> None:
        try:
            event = parse_published(record.value)
        except UnreadableEvent as exc:
            self._dead_letters.park(record, self._group, exc)
            return
        tracking = self._tracking(record)
        attempt = 0
        while True:
            try:
                with (
                    correlated(
                        event.correlation_id,
                        event_id=str(event.event_id),
                        aggregate_id=str(event.aggregate_id),
                        customer=event.customer,
                    ),
                    HANDLING_SECONDS.labels(self._group).time(),
                ):
                    handler(event, tracking)
                    log.info("handled %s", event.type, extra={"group": self._group})
                EVENTS_HANDLED.labels(self._group, event.type).inc()
                return
            except Poison as exc:
                self._dead_letters.park(record, self._group, exc)
                return
            except ALREADY_TRACKED:
                return  # a redelivery of a record whose effect is already committed
            except RETRYABLE as exc:
                attempt += 1
                wait = min(MAX_BACKOFF_SECONDS, 0.1 * 2**attempt)
                log.warning(
                    "retrying %s in %.1fs (attempt %d): %s", event.event_id, wait, attempt, exc
                )
                if self._stop.wait(wait):
                    raise


def feed_from_settings(
    settings: Settings, role: str, stop: threading.Event, **consumer_config: Any
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
        stop,
    )
