"""The outbox relay: stored events, in store order, onto Kafka.

The event store is the outbox. The relay reads notifications after its tracked position,
publishes each (key = customer, so one customer's events stay in order on one partition),
and records a batch's last position only once the broker acknowledged the whole batch
(acks=all, idempotent producer); the next batch is built while one is in flight. After a
crash it resumes from the last recorded position and may republish a tail, never skip:
consumers dedupe by event id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Tracking, TrackingRecorder
from kafka import KafkaProducer
from kafka.errors import KafkaError

from changeorders.adapters.database import STORE_UNAVAILABLE, Datastore, tracking_recorder
from changeorders.adapters.metrics import RELAY_BACKLOG, RELAY_PUBLISHED
from changeorders.adapters.publishing import Publisher, is_published
from changeorders.schemas.events import PublishedEvent

BATCH_SIZE = 500
#: Batches sent but not yet acknowledged while the next one is built
MAX_IN_FLIGHT = 1
#: The backlog gauge costs two queries: read it at most this often while catching up
BACKLOG_EVERY_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
#: a batch not acknowledged by then is sent again (the relay republishes, never skips)
ACK_TIMEOUT_SECONDS = 30.0
CLOSE_SECONDS = 5.0
log = logging.getLogger(__name__)


def relay_tracking(datastore: Datastore) -> TrackingRecorder:
    return tracking_recorder(datastore, "relay_tracking")


def record_headers(event: PublishedEvent) -> list[tuple[str, bytes]]:
    """Event id, type and correlation id (the aggregate's id when no request set one)."""
    correlation = event.correlation_id or str(event.aggregate_id)
    return [
        ("event_id", str(event.event_id).encode()),
        ("event_type", event.type.encode()),
        ("correlation_id", correlation.encode()),
    ]


class OutboxRelay:
    def __init__(
        self,
        application: Application[Any],
        producer: KafkaProducer,
        topic: str,
        tracking: TrackingRecorder,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._application = application
        self._producer = producer
        self._topic = topic
        self._tracking = tracking
        self._batch_size = batch_size
        self._publisher = Publisher(application)
        self._in_flight: deque[tuple[int, list[Any]]] = deque()  # (last position, sends)
        self._sent: int | None = None  # the last position handed to the producer
        self._backlog_at = 0.0
        self.name = f"relay:{topic}@{application.name}"

    def position(self) -> int:
        return self._tracking.max_tracking_id(self.name) or 0

    def backlog(self) -> int:
        """Events stored but not yet published."""
        return (self._application.recorder.max_notification_id() or 0) - self.position()

    def pump(self) -> int:
        """Send the batch after the last one sent; return how many notifications it covered.

        Earlier batches are recorded once the broker acknowledged all of their records,
        keeping at most :data:`MAX_IN_FLIGHT` unacknowledged, so the next batch is read and
        built while the last one travels. With nothing new, everything in flight is waited
        for and recorded. Any failure forgets what is in flight: the next pump starts again
        from the recorded position (a republished tail, never a gap).
        """
        start = self._sent if self._sent is not None else self.position()
        notifications = self._application.recorder.select_notifications(
            start=start, limit=self._batch_size, inclusive_of_start=False
        )
        try:
            if notifications:
                self._in_flight.append((notifications[-1].id, self._send(notifications)))
                self._sent = notifications[-1].id
            self._settle(keep=MAX_IN_FLIGHT if notifications else 0)
        except BaseException:
            self._in_flight.clear()
            self._sent = None
            raise
        if time.monotonic() - self._backlog_at > BACKLOG_EVERY_SECONDS or not notifications:
            RELAY_BACKLOG.set(self.backlog())
            self._backlog_at = time.monotonic()
        return len(notifications)

    def _send(self, notifications: Sequence[Notification]) -> list[Any]:
        events = [
            (n.id, e)
            for n in notifications
            if is_published(e := self._application.mapper.to_domain_event(n))
        ]
        self._publisher.prefetch_correlations([e for _, e in events])
        sends = []
        for position, event in events:
            envelope = self._publisher.envelope(event, position)
            sends.append(
                self._producer.send(
                    self._topic,
                    key=(envelope.customer or str(envelope.aggregate_id)).encode(),
                    value=envelope.model_dump_json().encode(),
                    headers=record_headers(envelope),
                )
            )
        return sends

    def _settle(self, keep: int) -> None:
        """Record the oldest batches, waiting for their acks, until ``keep`` are in flight."""
        if keep == 0 and self._in_flight:
            self._producer.flush()  # send what lingers now: nothing else is coming
        while len(self._in_flight) > keep:
            last, sends = self._in_flight[0]
            for send in sends:
                send.get(timeout=ACK_TIMEOUT_SECONDS)  # raises if not acknowledged: not recorded
            self._tracking.insert_tracking(Tracking(self.name, last))
            self._in_flight.popleft()
            RELAY_PUBLISHED.inc(len(sends))

    def run_until(self, stop: threading.Event, idle_wait: float = 0.05) -> None:
        """Publish as events are stored, until ``stop`` is set; then close the producer.

        A broker or database outage is waited out with backoff: the unacknowledged batch is
        published again once both answer (consumers dedupe by event id).
        """
        failures = 0
        try:
            while not stop.is_set():
                try:
                    published = self.pump()
                except (KafkaError, *STORE_UNAVAILABLE) as exc:
                    failures += 1
                    wait = min(MAX_BACKOFF_SECONDS, 0.2 * 2**failures)
                    log.warning("relay waiting %.1fs after: %s", wait, exc)
                    stop.wait(wait)
                    continue
                failures = 0
                if not published:
                    stop.wait(idle_wait)
        finally:
            self._producer.close(timeout=CLOSE_SECONDS)  # a stop is never held by the broker

    def drain(self) -> int:
        """Publish until nothing is left; return how many notifications that covered."""
        total = 0
        while done := self.pump():
            total += done
        return total
