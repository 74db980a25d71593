"""The correlation id of the request or event being handled, and where it is kept.

It travels: HTTP request (``X-Correlation-Id``) -> the events that request stored (kept in
``event_correlations``, keyed by aggregate and version, written in the events' own
transaction) -> the published envelope and its Kafka header -> the consumer handling it
(and the events *it* stores) -> the emails (``X-Correlation-ID``). Logs carry it through
structlog's context variables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

import structlog

from changeorders.adapters.database import SqlTables, retry_reads

_CURRENT: ContextVar[str | None] = ContextVar("correlation_id", default=None)

TABLE = (
    "CREATE TABLE IF NOT EXISTS {s}event_correlations (aggregate_id TEXT NOT NULL, "
    "version INTEGER NOT NULL, correlation_id TEXT NOT NULL, "
    "PRIMARY KEY (aggregate_id, version))"
)


#: Written by the event store's recorder with the events (:mod:`.chain`).
INSERT = "INSERT INTO {s}event_correlations VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


def current() -> str | None:
    return _CURRENT.get()


@contextmanager
def correlated(correlation_id: str | None, **log_context: Any) -> Iterator[None]:
    """Handle one request or event under ``correlation_id`` (logs carry it and the context)."""
    token = _CURRENT.set(correlation_id)
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id, **log_context):
        try:
            yield
        finally:
            _CURRENT.reset(token)


class CorrelationStore:
    def __init__(self, datastore: Any) -> None:
        self._tables = SqlTables(datastore, [TABLE])

    def lookup(self, aggregate_id: UUID, version: int) -> str | None:
        rows = self._tables.query(
            "SELECT correlation_id FROM {s}event_correlations "
            "WHERE aggregate_id = ? AND version = ?",
            str(aggregate_id),
            version,
        )
        return str(rows[0][0]) if rows else None

    @retry_reads
    def lookup_many(self, events: Sequence[tuple[UUID, int]]) -> dict[tuple[UUID, int], str]:
        """The correlation ids of a batch of events, in one query (per 500 aggregates)."""
        wanted = set(events)
        aggregates = sorted({str(aggregate_id) for aggregate_id, _ in wanted})
        found: dict[tuple[UUID, int], str] = {}
        with self._tables.reading() as cursor:
            rows = self._tables.execute_in(
                cursor,
                "SELECT aggregate_id, version, correlation_id FROM {s}event_correlations "
                "WHERE aggregate_id IN {in}",
                aggregates,
            )
        for aggregate_id, version, correlation_id in rows:
            key = (UUID(aggregate_id), int(version))
            if key in wanted:
                found[key] = str(correlation_id)
        return found


def correlation_of(application: Any, aggregate_id: UUID, version: int) -> str | None:
    """The correlation id an event was stored under, if the application keeps them."""
    correlations: CorrelationStore | None = getattr(application, "correlations", None)
    return None if correlations is None else correlations.lookup(aggregate_id, version)
