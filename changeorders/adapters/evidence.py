"""The log as an auditor reads it: every stored event with its stored hash, in store order,
hash rows that lost their event, and the signed checkpoints taken so far."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from changeorders.adapters.chain import GENESIS, INSERT_HASH, chained
from changeorders.adapters.database import SqlTables

PAGE = 5_000
_CHECKPOINTS = (
    "CREATE TABLE IF NOT EXISTS {s}audit_checkpoints "
    "(tree_size BIGINT PRIMARY KEY, checkpoint TEXT NOT NULL)"
)
_JOIN = (
    "FROM {s}{events} e LEFT JOIN {s}event_hashes h "
    "ON h.originator_id = e.originator_id AND h.originator_version = e.originator_version"
)


class Entry(NamedTuple):
    """One stored event, as the log holds it."""

    position: int  # the notification id (gaps are possible on PostgreSQL)
    aggregate: UUID
    version: int
    topic: str
    state: bytes
    chain_hash: bytes | None  # None: written before hashing existed (see ``audit backfill``)


class EvidenceStore:
    def __init__(self, datastore: Any, events_table: str) -> None:
        self._sql = SqlTables(datastore, [_CHECKPOINTS])
        self._position = "e.notification_id" if self._sql.postgres else "e.rowid"
        self._events = events_table

    @property
    def tables(self) -> SqlTables:
        return self._sql

    def _statement(self, text: str) -> str:
        return text.replace("{position}", self._position).replace("{events}", self._events)

    def _uuid(self, value: Any) -> UUID:
        return value if isinstance(value, UUID) else UUID(value)

    def entries(self, after: int = 0, limit: int = PAGE) -> list[Entry]:
        """Up to ``limit`` events after position ``after``, in store order."""
        rows = self._sql.query(
            self._statement(
                "SELECT {position}, e.originator_id, e.originator_version, e.topic, e.state, "
                f"h.chain_hash {_JOIN} WHERE {{position}} > ? ORDER BY {{position}} LIMIT ?"
            ),
            after,
            limit,
        )
        return [
            Entry(p, self._uuid(a), v, t, bytes(s), None if h is None else bytes(h))
            for p, a, v, t, s, h in rows
        ]

    def all_entries(self) -> Iterator[list[Entry]]:
        """Every event, a page at a time; the next page is read while this one is used."""
        with ThreadPoolExecutor(max_workers=1) as reader:
            upcoming = reader.submit(self.entries, 0)
            while page := upcoming.result():
                upcoming = reader.submit(self.entries, page[-1].position)
                yield page

    def hashes(self, after: int = 0, limit: int = PAGE) -> list[tuple[int, bytes | None]]:
        """(position, stored hash) of the events after ``after``: the log's leaves."""
        rows = self._sql.query(
            self._statement(
                f"SELECT {{position}}, h.chain_hash {_JOIN} "
                "WHERE {position} > ? ORDER BY {position} LIMIT ?"
            ),
            after,
            limit,
        )
        return [(p, None if h is None else bytes(h)) for p, h in rows]

    def orphans(self) -> list[tuple[UUID, int]]:
        """Hash rows whose event is gone: an event deleted from the store."""
        rows = self._sql.query(
            self._statement(
                "SELECT h.originator_id, h.originator_version FROM {s}event_hashes h "
                "LEFT JOIN {s}{events} e ON h.originator_id = e.originator_id "
                "AND h.originator_version = e.originator_version "
                "WHERE e.originator_id IS NULL ORDER BY h.originator_id, h.originator_version"
            )
        )
        return [(self._uuid(a), v) for a, v in rows]

    def locate(self, event_id: UUID) -> Entry | None:
        """The event with this published id (see :func:`..publishing.event_id`)."""
        key = self._key(event_id)
        rows = self._sql.query(
            self._statement(
                "SELECT {position}, e.originator_id, e.originator_version, e.topic, e.state, "
                f"h.chain_hash {_JOIN} WHERE h.event_id = ?"
            ),
            key,
        )
        return next(
            (Entry(p, self._uuid(a), v, t, bytes(s), bytes(h)) for p, a, v, t, s, h in rows),
            None,
        )

    def hash_of(self, aggregate: UUID, version: int) -> bytes | None:
        return stored_hash(self._sql.datastore, aggregate, version)

    def backfill(self) -> int:
        """Hash rows for every stored event without one (a store written before hashing
        existed), in store order; how many were added."""
        last: dict[UUID, bytes] = {}
        added = 0
        for page in self.all_entries():
            missing: list[StoredEvent] = []
            for entry in page:
                if entry.chain_hash is None:
                    missing.append(
                        StoredEvent(entry.aggregate, entry.version, entry.topic, entry.state)
                    )
                else:
                    last[entry.aggregate] = entry.chain_hash
            rows = chained(missing, lambda aggregate, _v: last.get(aggregate, GENESIS))
            last.update((aggregate, digest) for aggregate, _v, _e, digest in rows)
            key = self._key
            self._sql.run_many(
                INSERT_HASH + " ON CONFLICT DO NOTHING",
                [(key(a), v, key(e), h) for a, v, e, h in rows],
            )
            added += len(rows)
        return added

    def _key(self, value: UUID) -> Any:
        return value if self._sql.postgres else value.hex

    def add_checkpoint(self, tree_size: int, checkpoint: str) -> None:
        """Kept once per size: replicas signing the same size keep the first."""
        self._sql.run(
            "INSERT INTO {s}audit_checkpoints (tree_size, checkpoint) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            tree_size,
            checkpoint,
        )

    def last_checkpoint(self) -> str | None:
        rows = self._sql.query(
            "SELECT checkpoint FROM {s}audit_checkpoints ORDER BY tree_size DESC LIMIT 1"
        )
        return str(rows[0][0]) if rows else None

    def checkpoints(self) -> list[str]:
        rows = self._sql.query("SELECT checkpoint FROM {s}audit_checkpoints ORDER BY tree_size")
        return [text for (text,) in rows]


def stored_hash(datastore: Any, aggregate: UUID, version: int) -> bytes | None:
    """The chain hash stored for one event, if any."""
    tables = SqlTables(datastore)
    rows = tables.query(
        "SELECT chain_hash FROM {s}event_hashes WHERE originator_id = ? AND originator_version = ?",
        aggregate if tables.postgres else aggregate.hex,
        version,
    )
    return bytes(rows[0][0]) if rows else None
