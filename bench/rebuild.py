"""Rebuild stage: every view rebuilt from the event store alone, beside a bare read of the
same notifications from the same store (``select_notifications`` in pages, nothing else)."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application

from bench.measure import Figure, timed
from changeorders.adapters.settings import Settings
from changeorders.services.projections.verify import replay, scratch_views

PAGE = 1000
REPEATS = 3


def bare_read(application: Application[Any]) -> int:
    start, count = 0, 0
    while notifications := application.recorder.select_notifications(
        start=start, limit=PAGE, inclusive_of_start=False
    ):
        count += len(notifications)
        start = notifications[-1].id
    return count


def measure(application: Application[Any], settings: Settings, label: str) -> list[Figure]:
    """Rebuilds and bare reads take turns, :data:`REPEATS` times; the totals are compared."""
    rebuild_seconds = bare_seconds = 0.0
    for _ in range(REPEATS):
        with scratch_views(settings) as views, timed() as clock:
            events = replay(application, views, lambda _: None)
        rebuild_seconds += clock.seconds
        with timed() as bare:
            stored = bare_read(application)
        bare_seconds += bare.seconds
    return [
        Figure(
            f"rebuild ({label})",
            "all views from the store",
            events * REPEATS / rebuild_seconds,
            stored * REPEATS / bare_seconds,
            "events/s",
            f"{events} events; baseline: bare read of the same notifications",
        )
    ]
