"""Several aggregates read in one query, the read-only ones kept between commands.

An order command needs the order, its account, the MSP, the price list and the MSP's
agreement. Read one by one that is five round trips to the store before the one that
saves. Here it is one: a query for every event of the order, and for the others only the
events stored since the version kept in memory (usually none). What the query returns is
as current as five separate reads would have been.

Kept aggregates are shared between commands and threads, so they are never changed in
place: new events are applied to a copy, which replaces the kept one. A command must not
change a kept aggregate (it reads it through :meth:`AggregateReads.read`'s ``kept``);
commands that change one (loading reference data, adding a user, processing an order)
read it fresh through the repository.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore

from changeorders.adapters.database import SqlTables, datastore_of, retry_reads


def project(aggregate: Aggregate | None, events: Iterable[Any]) -> Aggregate | None:
    """Each event's ``mutate`` in turn: the library's ``project_aggregate`` without its
    ``assert isinstance(event, CanMutateProtocol)``, a runtime Protocol check that walks
    the protocol's members on every event (~8% of a command's CPU)."""
    for event in events:
        aggregate = cast("Aggregate | None", event.mutate(aggregate))
    return aggregate


class AggregateReads:
    def __init__(self, application: Application[UUID]) -> None:
        recorder: Any = application.recorder
        self._mapper = application.mapper
        self._tables = SqlTables(datastore_of(application))
        self._postgres = isinstance(datastore_of(application), PostgresDatastore)
        self._convert_id = getattr(recorder, "convert_originator_id", lambda i: i)
        table = recorder.events_table_name  # the library's own table name
        self._select = (
            "SELECT originator_id, originator_version, topic, state FROM {s}" + table + " WHERE "  # noqa: S608
        )
        self._kept: dict[UUID, Aggregate] = {}
        self._lock = threading.Lock()

    def read(self, fresh: Sequence[UUID], kept: Sequence[UUID]) -> dict[UUID, Aggregate]:
        """``fresh`` aggregates rebuilt from all their events (the caller's to change);
        ``kept`` ones brought up to date (shared: read only). Missing ones are left out."""
        since = dict.fromkeys(fresh, 0) | {i: self._version(i) for i in kept}
        events: dict[UUID, list[Any]] = {i: [] for i in since}
        for stored in self._events_since(since):
            event = self._mapper.to_domain_event(stored)
            events[event.originator_id].append(event)
        found: dict[UUID, Aggregate] = {}
        for aggregate_id in fresh:
            if aggregate := project(None, events[aggregate_id]):
                found[aggregate_id] = aggregate
        for aggregate_id in kept:
            if aggregate := self._fast_forward(aggregate_id, events[aggregate_id]):
                found[aggregate_id] = aggregate
        return found

    def _version(self, aggregate_id: UUID) -> int:
        kept = self._kept.get(aggregate_id)
        return 0 if kept is None else kept.version

    def _fast_forward(self, aggregate_id: UUID, new_events: list[Any]) -> Aggregate | None:
        """The kept aggregate with ``new_events`` applied to a copy. Kept versions only
        grow, so events another thread has applied meanwhile are skipped, not repeated."""
        with self._lock:
            kept = self._kept.get(aggregate_id)
            version = 0 if kept is None else kept.version
            unseen = [e for e in new_events if e.originator_version > version]
            if not unseen:
                return kept
            aggregate = project(copy.deepcopy(kept), unseen)
            if aggregate is not None:
                self._kept[aggregate_id] = aggregate
            return aggregate

    @retry_reads
    def _events_since(self, since: dict[UUID, int]) -> list[StoredEvent]:
        condition = " OR ".join(["(originator_id = ? AND originator_version > ?)"] * len(since))
        params = [
            value
            for aggregate_id, version in since.items()
            for value in (aggregate_id if self._postgres else aggregate_id.hex, version)
        ]
        with self._tables.reading() as cursor:
            rows = self._tables.execute(
                cursor, self._select + condition + " ORDER BY originator_version", params
            )
        return [
            StoredEvent(self._convert_id(i), version, topic, bytes(state))
            for i, version, topic, state in rows
        ]
