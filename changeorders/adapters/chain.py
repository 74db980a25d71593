"""Each stored event's hash, chained per aggregate, and the correlation id of the request or
event it was stored for, both written in the events' own transaction.

``hash(n) = SHA-256("changeorders.event.v1\\n" || hash(n-1) || aggregate id (16 bytes) ||
version (8 bytes, big-endian) || len(type) (4 bytes) || type || state)``, where ``state`` is
the event's canonical JSON exactly as stored (the transcoder's compact UTF-8 form) and
``hash(0)`` is 32 zero bytes. Editing, inserting or deleting an event breaks its aggregate's
chain from there; the log's Merkle tree (:mod:`changeorders.application.merkle`) covers
what the chains cannot see (an aggregate's last event removed with its hash).

The recorders are the library's own, extended at its hooks inside the insert's transaction
(right after the events' insert), and chosen through its ``APPLICATION_RECORDER_TOPIC``
setting.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from changeorders.adapters import correlation
from changeorders.adapters.database import SqlTables
from changeorders.adapters.publishing import event_id

GENESIS = bytes(32)
_TAG = b"changeorders.event.v1\n"
#: ``event_id`` (the published id) is kept but not indexed: an index cost every command
#: about 5% more (``python -m bench --stage audit``), while finding one event for a proof
#: scans the table once (tens of milliseconds a million events).
_CREATE = (
    "CREATE TABLE IF NOT EXISTS {s}event_hashes (originator_id {id} NOT NULL, "
    "originator_version BIGINT NOT NULL, event_id {id} NOT NULL, "
    "chain_hash {bytes} NOT NULL, PRIMARY KEY (originator_id, originator_version)){rowid}"
)
INSERT_HASH = (
    "INSERT INTO {s}event_hashes (originator_id, originator_version, event_id, chain_hash) "
    "VALUES (?, ?, ?, ?)"
)
_EARLIER = (
    "SELECT originator_version, topic, state FROM {s}{events} "
    "WHERE originator_id = ? AND originator_version < ? ORDER BY originator_version"
)
HashRow = tuple[UUID, int, UUID, bytes]


def chain_hash(
    previous: bytes, aggregate_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    kind = topic.encode()
    return hashlib.sha256(
        _TAG
        + previous
        + aggregate_id.bytes
        + version.to_bytes(8, "big")
        + len(kind).to_bytes(4, "big")
        + kind
        + state
    ).digest()


def chained(
    events: Sequence[StoredEvent], previous_of: Callable[[UUID, int], bytes]
) -> list[HashRow]:
    """Hash rows for events in store order, each chained to the one before it: earlier in
    ``events``, else found by ``previous_of(aggregate, version)``."""
    last: dict[UUID, tuple[int, bytes]] = {}
    rows: list[HashRow] = []
    for e in events:
        aggregate = e.originator_id if isinstance(e.originator_id, UUID) else UUID(e.originator_id)
        version = e.originator_version
        known = last.get(aggregate)
        if version == 1:
            previous = GENESIS
        elif known and known[0] == version - 1:
            previous = known[1]
        else:
            previous = previous_of(aggregate, version)
        digest = chain_hash(previous, aggregate, version, e.topic, e.state)
        last[aggregate] = (version, digest)
        rows.append((aggregate, version, event_id(aggregate, version), digest))
    return rows


class _Committed:
    """The last committed hash of recently written aggregates, so the next command on one
    of them needs no read. Only rows of a committed transaction enter it: a committed row
    never changes, so a hit is the stored hash (a miss reads the table)."""

    def __init__(self, size: int = 10_000) -> None:
        self._last: OrderedDict[UUID, tuple[int, bytes]] = OrderedDict()
        self._pending = threading.local()
        self._lock = threading.Lock()
        self._size = size

    def get(self, aggregate: UUID, version: int) -> bytes | None:
        with self._lock:
            found = self._last.get(aggregate)
        return found[1] if found and found[0] == version else None

    def hold(self, rows: Sequence[HashRow]) -> None:
        """Rows of the transaction in progress on this thread."""
        self._pending.rows = rows

    def settle(self, *, committed: bool) -> None:
        rows: Sequence[HashRow] = getattr(self._pending, "rows", ())
        self._pending.rows = ()
        if not committed:
            return
        with self._lock:
            for aggregate, version, _event, digest in rows:
                self._last[aggregate] = (version, digest)
                self._last.move_to_end(aggregate)
            while len(self._last) > self._size:
                self._last.popitem(last=False)


class ChainedRecorder:
    """What both stores' chained recorders share: the table, the previous hash, the rows."""

    datastore: Any
    events_table_name: str

    @cached_property
    def _sql(self) -> SqlTables:
        return SqlTables(self.datastore)

    @cached_property
    def _committed(self) -> _Committed:
        return _Committed()

    def _id(self, value: UUID) -> Any:
        return value if self._sql.postgres else value.hex

    def _create_hashes(self, cursor: Any) -> None:
        cursor.execute(self._sql.sql(correlation.TABLE))
        cursor.execute(
            self._sql.sql(
                _CREATE.replace("{id}", "UUID" if self._sql.postgres else "TEXT").replace(
                    "{rowid}", "" if self._sql.postgres else " WITHOUT ROWID"
                )
            )
        )

    def _write_beside_events(self, cursor: Any, events: Sequence[StoredEvent]) -> None:
        rows = chained(
            events,
            lambda aggregate, version: (
                self._committed.get(aggregate, version - 1)
                or self._previous(cursor, aggregate, version)
            ),
        )
        self._insert(cursor, rows, INSERT_HASH)
        self._committed.hold(rows)
        correlation_id = correlation.current()
        if correlation_id:  # the request's or event's id, in the events' own transaction
            cursor.executemany(
                self._insert_sql[correlation.INSERT],
                [(str(a), v, correlation_id) for a, v, _e, _h in rows],
            )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's whole transaction, then its hashes remembered as committed."""
        try:
            ids: Sequence[int] | None = super().insert_events(  # type: ignore[misc]
                stored_events, **kwargs
            )
        except BaseException:
            self._committed.settle(committed=False)
            raise
        self._committed.settle(committed=True)
        return ids

    @cached_property
    def _insert_sql(self) -> dict[str, str]:
        return {
            statement: self._sql.sql(statement)
            for statement in (
                INSERT_HASH,
                INSERT_HASH + " ON CONFLICT DO NOTHING",
                correlation.INSERT,
            )
        }

    def _insert(self, cursor: Any, rows: Sequence[HashRow], statement: str) -> None:
        params: list[tuple[Any, ...]] = (
            list(rows) if self._sql.postgres else [(a.hex, v, e.hex, h) for a, v, e, h in rows]
        )
        cursor.executemany(self._insert_sql[statement], params)

    def _rows(self, cursor: Any, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a read inside the write (``fetchall``: psycopg's pipeline syncs there)."""
        cursor.execute(self._sql.sql(statement), params)
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cursor.fetchall()]

    def _previous(self, cursor: Any, aggregate: UUID, version: int) -> bytes:
        """The stored hash of ``version - 1``; for events written before hashing existed,
        the aggregate's chain is computed and stored first (a lazy backfill)."""
        key = self._id(aggregate)
        found = self._rows(
            cursor,
            "SELECT chain_hash FROM {s}event_hashes "
            "WHERE originator_id = ? AND originator_version = ?",
            key,
            version - 1,
        )
        if found:
            return bytes(found[0][0])
        earlier = [
            StoredEvent(aggregate, v, topic, bytes(state))
            for v, topic, state in self._rows(
                cursor,
                _EARLIER.replace("{events}", self.events_table_name),
                key,
                version,
            )
        ]
        rows = chained(earlier, lambda _a, _v: GENESIS)
        self._insert(cursor, rows, INSERT_HASH + " ON CONFLICT DO NOTHING")
        return rows[-1][3] if rows else GENESIS


class SQLiteChainedRecorder(ChainedRecorder, SQLiteApplicationRecorder):
    def _create_table(self, c: Any) -> None:
        super()._create_table(c)
        self._create_hashes(c)

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        self._write_beside_events(c, stored_events)
        return ids


class PostgresChainedRecorder(ChainedRecorder, PostgresApplicationRecorder):
    def _create_table(self, curs: Any) -> None:
        super()._create_table(curs)
        self._create_hashes(curs)

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """After the events' insert has synced: a stale write fails there, on the events'
        own key, as the library's IntegrityError (never as an aborted pipeline here)."""
        ids: Sequence[int] | None = super()._fetch_ids_after_insert_events(
            curs, stored_events, **kwargs
        )
        self._write_beside_events(curs, stored_events)
        return ids
