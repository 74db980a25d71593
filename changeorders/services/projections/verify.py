"""Rebuild every view from the event store alone, and prove the live views right.

``verify`` rebuilds into fresh tables (a scratch SQLite file or PostgreSQL schema), then
compares them with the live views row by row. ``rebuild_in_place`` empties the live views
and replays every event into them (for a new view version).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from psycopg import sql

from changeorders.adapters.database import datastore, ensure_postgres_schema
from changeorders.adapters.publishing import published_events
from changeorders.adapters.settings import Settings
from changeorders.adapters.views.tables import VIEW_TABLES, ViewsRecorder, views_recorder
from changeorders.services.projections.projection import ChangeOrderViews

Progress = Callable[[int], None]
REPLAY_BATCH = 1000


@dataclass
class Difference:
    table: str
    only_live: list[tuple[Any, ...]] = field(default_factory=list)
    only_rebuilt: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Verification:
    tables: dict[str, int]
    differences: list[Difference]

    @property
    def equal(self) -> bool:
        return not self.differences


def replay(application: Application[Any], views: ViewsRecorder, progress: Progress) -> int:
    """Every published event into ``views``, tracked under this rebuild's own name."""
    projection = ChangeOrderViews(views)
    name = f"rebuild-{uuid.uuid4().hex[:12]}@{application.name}"
    count, events = 0, published_events(application)
    while page := list(islice(events, REPLAY_BATCH)):
        projection.handle_batch(page, [Tracking(name, page[-1].position)])
        count += len(page)
        progress(count)
    return count


def rows(views: ViewsRecorder, table: str) -> list[tuple[Any, ...]]:
    return sorted(
        (tuple(map(str, row)) for row in views.query(f"SELECT * FROM {{s}}{table}")),  # noqa: S608 - table names are ours
    )


def compare(live: ViewsRecorder, rebuilt: ViewsRecorder) -> Verification:
    counts, differences = {}, []
    for table in VIEW_TABLES:
        live_rows, rebuilt_rows = rows(live, table), rows(rebuilt, table)
        counts[table] = len(live_rows)
        only_live = sorted(set(live_rows) - set(rebuilt_rows))
        only_rebuilt = sorted(set(rebuilt_rows) - set(live_rows))
        if only_live or only_rebuilt:
            differences.append(Difference(table, only_live, only_rebuilt))
    return Verification(counts, differences)


@contextmanager
def scratch_views(settings: Settings) -> Iterator[ViewsRecorder]:
    """Fresh, empty view tables, removed afterwards."""
    if settings.event_store == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            scratch = replace(settings, sqlite_path=Path(folder) / "rebuilt.sqlite3")
            store = datastore(scratch, "rebuild")
            try:
                yield views_recorder(store)
            finally:
                store.close()
        return
    scratch = replace(settings, postgres_schema=f"rebuild_{uuid.uuid4().hex[:12]}")
    ensure_postgres_schema(scratch)
    store = datastore(scratch, "rebuild")
    try:
        yield views_recorder(store)
    finally:
        with store.transaction(commit=True) as cursor:
            cursor.execute(
                sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(scratch.postgres_schema))
            )
        store.close()


def verify(
    application: Application[Any],
    live: ViewsRecorder,
    settings: Settings,
    progress: Progress = lambda _: None,
) -> Verification:
    with scratch_views(settings) as rebuilt:
        replay(application, rebuilt, progress)
        return compare(live, rebuilt)


def rebuild_in_place(
    application: Application[Any], live: ViewsRecorder, progress: Progress = lambda _: None
) -> int:
    """Empty the live views, then replay every event into them."""
    with live.tables.datastore.transaction(commit=True) as cursor:
        for table in VIEW_TABLES:
            live.execute(cursor, f"DELETE FROM {{s}}{table}")  # noqa: S608 - table names are ours
    return replay(application, live, progress)
