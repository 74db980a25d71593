"""The in-process event feed: stored events, in store order, to one named consumer.

On the embedded default there is no broker: consumers (projections, the order processor)
read the event store's notification log directly. Each consumer tracks its own position
under its own name, so several consumers share one tracking table without colliding.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder

from changeorders.services.correlation import correlated, correlation_of
from changeorders.services.metrics import BATCH_SECONDS, EVENTS_HANDLED, HANDLING_SECONDS

BATCH_SIZE = 500

Handler = Callable[[Any, Tracking], None]
BatchHandler = Callable[[list[Any], list[Tracking]], None]


class Poison(Exception):
    """A message that can never be handled: it is parked with this reason, the feed goes on."""


class Retryable(Exception):
    """Handling failed for now (a server is down): retry the same message later."""


class LocalFeed:
    """Delivers each stored event (optionally only ``topics``) once to ``handler``.

    The handler must record the tracking position with its effect (or make its effect
    idempotent and record the position after it); a position already recorded by another
    process ends this pass, since that process is delivering the same events.
    """

    def __init__(
        self,
        application: Application[Any],
        consumer: str,
        tracking: TrackingRecorder,
        topics: Sequence[str] = (),
    ) -> None:
        self._application = application
        self._tracking = tracking
        self._topics = tuple(topics)
        self.name = f"{consumer}@{application.name}"

    def position(self) -> int:
        return self._tracking.max_tracking_id(self.name) or 0

    def pump(self, handler: Handler, batch_handler: BatchHandler | None = None) -> int:
        """Deliver every event after the recorded position; return how many.

        With ``batch_handler`` each page of events goes in one call first; if that fails
        they go one by one through ``handler``.
        """
        done = 0
        while True:
            notifications = self._application.recorder.select_notifications(
                start=self.position(),
                limit=BATCH_SIZE,
                topics=self._topics,
                inclusive_of_start=False,
            )
            items = [
                (self._application.mapper.to_domain_event(n), Tracking(self.name, n.id))
                for n in notifications
            ]
            if items and batch_handler and self._deliver_all(items, batch_handler):
                done += len(items)
            else:
                delivered = self._deliver_each(items, handler)
                done += delivered
                if delivered < len(items):
                    return done
            if len(notifications) < BATCH_SIZE:
                return done

    def _deliver_all(self, items: list[tuple[Any, Tracking]], batch_handler: BatchHandler) -> bool:
        try:
            with BATCH_SECONDS.labels(self.name).time():
                batch_handler([event for event, _ in items], [tracking for _, tracking in items])
        except (IntegrityError, psycopg.IntegrityError, Retryable, Poison):
            return False
        for event, _ in items:
            EVENTS_HANDLED.labels(self.name, type(event).__qualname__).inc()
        return True

    def _deliver_each(self, items: list[tuple[Any, Tracking]], handler: Handler) -> int:
        """Deliver until one is tracked by another process or to be retried next pass."""
        for done, (event, tracking) in enumerate(items):
            try:
                with (
                    correlated(
                        correlation_of(
                            self._application, event.originator_id, event.originator_version
                        ),
                        aggregate_id=str(event.originator_id),
                    ),
                    HANDLING_SECONDS.labels(self.name).time(),
                ):
                    handler(event, tracking)
            except (IntegrityError, psycopg.IntegrityError, Retryable):
                return done
            EVENTS_HANDLED.labels(self.name, type(event).__qualname__).inc()
        return len(items)


class LocalWorker:
    """A consumer on the in-process feed: pump on demand, or follow until stopped."""

    def __init__(self, feed: LocalFeed, handler: Handler) -> None:
        self._feed = feed
        self._handler = handler

    def pump(self) -> int:
        """Handle every event not yet handled; return how many."""
        return self._feed.pump(self._handler)

    def run_until(self, stop: threading.Event, interval: float = 0.2) -> None:
        """Follow the store until ``stop`` is set (the embedded API's background workers)."""
        while not stop.is_set():
            self.pump()
            stop.wait(interval)
