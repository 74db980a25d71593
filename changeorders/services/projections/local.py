"""The views on the embedded default: fed in-process from the event store, caught up on read."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking

from changeorders.services.feed import LocalFeed
from changeorders.services.projections.projection import ChangeOrderViews
from changeorders.services.projections.queries import ViewQueries
from changeorders.services.projections.views import views_recorder
from changeorders.services.publishing import Publisher, is_published


class LocalViews:
    """Reading catches the views up first, so a reader always sees its own writes.

    With ``follow=False`` (Kafka delivery) the projections service writes the views and
    this only reads them.
    """

    def __init__(self, application: Application[Any], *, follow: bool = True) -> None:
        self._follow = follow
        recorder = views_recorder(application.recorder.datastore)  # type: ignore[attr-defined]
        self.recorder = recorder
        self._projection = ChangeOrderViews(recorder)
        self._feed = LocalFeed(application, ChangeOrderViews.name, recorder)
        self._publisher = Publisher(application)
        self._queries = ViewQueries(recorder)

    def catch_up(self) -> int:
        return self._feed.pump(self._handle, batch_handler=self._handle_batch)

    def read(self) -> ViewQueries:
        if self._follow:
            self.catch_up()
        return self._queries

    def _handle(self, event: Any, tracking: Tracking) -> None:
        if is_published(event):
            envelope = self._publisher.envelope(event, tracking.notification_id)
            self._projection.process_event(envelope, tracking)

    def _handle_batch(self, events: list[Any], trackings: list[Tracking]) -> None:
        """A page of stored events: the published ones applied, every position recorded."""
        published = [(e, t) for e, t in zip(events, trackings, strict=True) if is_published(e)]
        self._publisher.prefetch_correlations([e for e, _ in published])
        envelopes = [self._publisher.envelope(e, t.notification_id) for e, t in published]
        self._projection.process_batch(envelopes, trackings)
