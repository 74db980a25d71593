"""Idempotency keys, as the best payment APIs keep them.

A key is scoped to the MSP, up to 255 characters, and kept ``retention`` (at least 24 hours).
The first request with a key reserves it; when it finishes, its answer is stored with the
key. A retry with the same key and the same request gets that stored answer back and runs
nothing; the same key with a different request is refused; a retry while the first is
still running is told so. The table lives in the event store's own database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from changeorders.services.commands.errors import IdempotencyKeyInFlight, IdempotencyKeyReused

MAX_KEY_LENGTH = 255

_CREATE = """
CREATE TABLE IF NOT EXISTS {table} (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status_code INTEGER,
    body TEXT,
    PRIMARY KEY (scope, idem_key)
)"""
_DELETE_EXPIRED = "DELETE FROM {table} WHERE created_at < :cutoff"
_DELETE_EXPIRED_KEY = (
    "DELETE FROM {table} WHERE scope = :scope AND idem_key = :key AND (created_at < :cutoff "
    "OR (status_code IS NULL AND created_at < :abandoned))"
)
#: A reservation whose request never finished (its process died with the database down)
#: may be taken over after this long.
ABANDONED_AFTER = timedelta(seconds=60)
_RESERVE = (
    "INSERT INTO {table} (scope, idem_key, request_sha256, created_at) "
    "VALUES (:scope, :key, :request, :now) ON CONFLICT DO NOTHING RETURNING idem_key"
)
_SELECT = (
    "SELECT request_sha256, status_code, body FROM {table} WHERE scope = :scope AND idem_key = :key"
)
_COMPLETE = (
    "UPDATE {table} SET status_code = :status, body = :body "
    "WHERE scope = :scope AND idem_key = :key"
)
_RELEASE = "DELETE FROM {table} WHERE scope = :scope AND idem_key = :key AND status_code IS NULL"


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: str


class IdempotencyStore:
    """Works on the ``eventsourcing`` SQLite or PostgreSQL datastore of the application."""

    def __init__(self, datastore: Any, retention: timedelta, *, postgres: bool) -> None:
        self._datastore = datastore
        self._retention = retention
        table = f'"{datastore.schema}".idempotency_keys' if postgres else "idempotency_keys"
        self._postgres = postgres
        self._sql = {
            name: self._placeholders(sql.format(table=table))
            for name, sql in {
                "create": _CREATE,
                "delete_expired": _DELETE_EXPIRED,
                "delete_expired_key": _DELETE_EXPIRED_KEY,
                "reserve": _RESERVE,
                "select": _SELECT,
                "complete": _COMPLETE,
                "release": _RELEASE,
            }.items()
        }

    def _placeholders(self, sql: str) -> str:
        return re.sub(r":(\w+)", r"%(\1)s", sql) if self._postgres else sql

    def create_table(self) -> None:
        self._run("create", {})

    def purge_expired(self) -> None:
        self._run("delete_expired", {"cutoff": self._cutoff()})

    def reserve(self, scope: str, key: str, request_sha256: str) -> StoredAnswer | None:
        """Reserve ``key`` for this request, or return the answer already stored for it."""
        params = {
            "scope": scope,
            "key": key,
            "request": request_sha256,
            "cutoff": self._cutoff(),
            "abandoned": (_now() - ABANDONED_AFTER).isoformat(),
        }
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql["delete_expired_key"], params)
            cursor.execute(self._sql["reserve"], params | {"now": _now().isoformat()})
            reserved = cursor.fetchone() is not None
        return None if reserved else self._stored(params)

    def complete(self, scope: str, key: str, status_code: int, body: str) -> None:
        self._run("complete", {"scope": scope, "key": key, "status": status_code, "body": body})

    def release(self, scope: str, key: str) -> None:
        """Forget a reservation whose request failed unexpectedly, so a retry may run."""
        self._run("release", {"scope": scope, "key": key})

    def _stored(self, params: dict[str, Any]) -> StoredAnswer:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._sql["select"], params)
            row = cursor.fetchone()
        if row is None:  # expired and deleted between our insert and select: rare, retryable
            raise IdempotencyKeyInFlight("the idempotency key changed state; retry the request")
        if row["request_sha256"] != params["request"]:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request; "
                "use a new key for a new request"
            )
        if row["status_code"] is None:
            raise IdempotencyKeyInFlight(
                "a request with this Idempotency-Key is still being processed; retry later"
            )
        return StoredAnswer(int(row["status_code"]), str(row["body"]))

    def _run(self, name: str, params: dict[str, Any]) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._sql[name], params)

    def _cutoff(self) -> str:
        return (_now() - self._retention).isoformat()


def _now() -> datetime:
    return datetime.now(UTC)
