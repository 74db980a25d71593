"""What every consumer is, and the in-process feed that delivers to one.

A consumer (the processor, the notifier, the views) has one handler over the published
envelope (:class:`~changeorders.schemas.events.PublishedEvent`) and names the event types it
wants once (:class:`Interest`). Two feeds deliver to it: this module's :class:`LocalFeed`,
which reads the event store's notification log in-process (the embedded default), and the
Kafka feed (:mod:`.kafka_feed`). Both build the same envelope, skip what the consumer does
not want, and record nothing for it: the consumer records positions with its effects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import get_topic

from changeorders.adapters.correlation import correlated
from changeorders.adapters.database import ALREADY_RECORDED, STORE_UNAVAILABLE
from changeorders.adapters.metrics import BATCH_SECONDS, EVENTS_HANDLED, HANDLING_SECONDS
from changeorders.adapters.publishing import Publisher, is_published
from changeorders.schemas.events import PublishedEvent, UnreadableEvent

BATCH_SIZE = 500

Handler = Callable[[PublishedEvent, Tracking], None]
BatchHandler = Callable[[list[PublishedEvent], list[Tracking]], None]


class Poison(Exception):
    """A message that can never be handled: it is parked with this reason, the feed goes on."""


class Retryable(Exception):
    """Handling failed for now (a server is down): retry the same message later."""


#: Failures after which the same message is tried again later, never skipped.
RETRYABLE: tuple[type[Exception], ...] = (Retryable, *STORE_UNAVAILABLE)
#: A batch failing with one of these is delivered again one message at a time.
ONE_BY_ONE: tuple[type[Exception], ...] = (
    UnreadableEvent,
    Poison,
    *ALREADY_RECORDED,
    *RETRYABLE,
)


class Interest:
    """The domain event classes a consumer handles; none named: every published event."""

    def __init__(self, *classes: type) -> None:
        self._classes = classes
        self._types = frozenset(c.__qualname__ for c in classes)  # ``ChangeOrder.Submitted``

    def wants(self, published_type: str) -> bool:
        return not self._types or published_type in self._types

    def stored_topics(self) -> tuple[str, ...]:
        """The event store's topics of those classes (the local feed reads only these)."""
        return tuple(get_topic(c) for c in self._classes)


class Consumer(Protocol):
    """One handler over the published shape, whichever feed delivers it."""

    @property
    def name(self) -> str: ...

    @property
    def interest(self) -> Interest: ...

    def handle(self, event: PublishedEvent, tracking: Tracking) -> None: ...


class BatchConsumer(Consumer, Protocol):
    """A consumer that can also take a page of events at once (the views)."""

    def handle_batch(self, events: list[PublishedEvent], trackings: list[Tracking]) -> None: ...


@contextmanager
def handling(event: PublishedEvent, feed: str) -> Iterator[None]:
    """Handle one event under its correlation id, timed, counted when it succeeds."""
    with (
        correlated(
            event.correlation_id,
            event_id=str(event.event_id),
            aggregate_id=str(event.aggregate_id),
            customer=event.customer,
        ),
        HANDLING_SECONDS.labels(feed).time(),
    ):
        yield
    EVENTS_HANDLED.labels(feed, event.type).inc()


class LocalFeed:
    """Delivers each stored event the consumer wants, once, in store order.

    The consumer records its position with its effect; a position already recorded by
    another process ends this pass, since that process is delivering the same events.
    """

    def __init__(
        self, application: Application[Any], consumer: Consumer, tracking: TrackingRecorder
    ) -> None:
        self._application = application
        self._consumer = consumer
        self._tracking = tracking
        self._topics = consumer.interest.stored_topics()
        self._publisher = Publisher(application)
        self.name = f"{consumer.name}@{application.name}"

    def position(self) -> int:
        return self._tracking.max_tracking_id(self.name) or 0

    def pump(self) -> int:
        """Deliver every event after the recorded position; return how many.

        A consumer with ``handle_batch`` gets each page in one call first; if that fails
        the page goes one by one through ``handle``.
        """
        done, start = 0, self.position()
        while True:
            notifications = self._application.recorder.select_notifications(
                start=start,
                limit=BATCH_SIZE,
                topics=self._topics,
                inclusive_of_start=False,
            )
            items = self._envelopes(notifications)
            if not (items and self._deliver_all(items)):
                delivered = self._deliver_each(items)
                if delivered < len(items):
                    return done + delivered
            done += len(items)
            if len(notifications) < BATCH_SIZE:
                return done
            start = notifications[-1].id

    def run_until(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Follow the store until ``stop`` is set."""
        while not stop.is_set():
            self.pump()
            stop.wait(interval)

    def _envelopes(self, notifications: Sequence[Any]) -> list[tuple[PublishedEvent, Tracking]]:
        stored = [
            (n.id, event)
            for n in notifications
            if is_published(event := self._application.mapper.to_domain_event(n))
        ]
        self._publisher.prefetch_correlations([event for _, event in stored])
        envelopes = [(self._publisher.envelope(e, position), position) for position, e in stored]
        return [
            (envelope, Tracking(self.name, position))
            for envelope, position in envelopes
            if self._consumer.interest.wants(envelope.type)
        ]

    def _deliver_all(self, items: list[tuple[PublishedEvent, Tracking]]) -> bool:
        handle_batch = getattr(self._consumer, "handle_batch", None)
        if handle_batch is None:
            return False
        try:
            with BATCH_SECONDS.labels(self.name).time():
                handle_batch([event for event, _ in items], [tracking for _, tracking in items])
        except ONE_BY_ONE:
            return False
        for event, _ in items:
            EVENTS_HANDLED.labels(self.name, event.type).inc()
        return True

    def _deliver_each(self, items: list[tuple[PublishedEvent, Tracking]]) -> int:
        """Deliver until one is tracked by another process or to be retried next pass."""
        for done, (event, tracking) in enumerate(items):
            try:
                with handling(event, self.name):
                    self._consumer.handle(event, tracking)
            except (*ALREADY_RECORDED, *RETRYABLE):
                return done
        return len(items)
