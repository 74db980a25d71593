"""The views on the embedded default: fed in-process from the event store, caught up on read."""

from __future__ import annotations

import threading
from typing import Any

from eventsourcing.application import Application

from changeorders.adapters.feed import LocalFeed
from changeorders.adapters.views.queries import ViewQueries
from changeorders.adapters.views.tables import ViewsRecorder
from changeorders.services.projections.projection import ChangeOrderViews


class LocalViews:
    """The projection on the local feed. Reading catches the views up first, so a reader
    always sees its own writes."""

    def __init__(self, application: Application[Any], recorder: ViewsRecorder) -> None:
        self.recorder = recorder
        self._feed = LocalFeed(application, ChangeOrderViews(recorder), recorder)
        self._queries = ViewQueries(recorder)

    def catch_up(self) -> int:
        return self._feed.pump()

    def read(self) -> ViewQueries:
        self.catch_up()
        return self._queries

    def run_until(self, stop: threading.Event) -> None:
        self._feed.run_until(stop)
