"""Database set-up shared by the services: datastores, tracking recorders, plain tables."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    InterfaceError,
    OperationalError,
    TrackingRecorder,
)
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import Environment, retry
from psycopg import sql
from psycopg.rows import tuple_row

from changeorders.adapters.settings import Settings

T = TypeVar("T")
Datastore = SQLiteDatastore | PostgresDatastore

#: The database is down or a connection was cut: whatever was being written did not happen,
#: and the same work may be tried again later (never dead-lettered, never a 4xx).
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)
#: A position or row someone else already recorded: the work was done before.
ALREADY_RECORDED: tuple[type[Exception], ...] = (IntegrityError, psycopg.IntegrityError)


def datastore_of(application: Application[Any]) -> Datastore:
    """The application's connection pool (the library types its recorder more loosely)."""
    store = application.recorder.datastore  # type: ignore[attr-defined]
    assert isinstance(store, SQLiteDatastore | PostgresDatastore)
    return store


def _connect(settings: Settings) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_db,
        user=settings.postgres_user,
        password=settings.postgres_password,
        connect_timeout=settings.postgres_connect_timeout,
        autocommit=True,
    )


def ensure_postgres_schema(settings: Settings) -> None:
    """The event store's schema must exist before the library creates its tables in it."""
    with _connect(settings) as conn:
        _create_schema(conn, settings.postgres_schema)


def _create_schema(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


@contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """Hold this while creating tables and functions: processes starting at the same moment
    take turns (a PostgreSQL advisory lock per schema), so concurrent DDL never collides
    (``tuple concurrently updated``, duplicate type names). SQLite serialises DDL itself."""
    if settings.event_store != "postgres":
        yield
        return
    key = int.from_bytes(
        hashlib.sha256(f"ddl:{settings.postgres_schema}".encode()).digest()[:8], "big", signed=True
    )
    with _connect(settings) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            _create_schema(conn, settings.postgres_schema)
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def datastore(settings: Settings, purpose: str) -> Datastore:
    """A connection pool on the configured database, for a service that is not the store."""
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    env = Environment(purpose, settings.eventsourcing_env())
    store = InfrastructureFactory.construct(env).datastore  # type: ignore[attr-defined]
    assert isinstance(store, SQLiteDatastore | PostgresDatastore)
    return store


def tracking_recorder(datastore: Datastore, postgres_table: str) -> TrackingRecorder:
    """A consumer's position store in the given datastore (SQLite keeps one shared table)."""
    recorder: TrackingRecorder
    if isinstance(datastore, PostgresDatastore):
        recorder = PostgresTrackingRecorder(datastore, tracking_table_name=postgres_table)
    else:
        recorder = SQLiteTrackingRecorder(datastore)
    recorder.create_table()
    return recorder


IN_LIST_PAGE = 500
F = TypeVar("F", bound=Callable[..., Any])


def retry_reads(read: F) -> F:
    """Retried as the library retries its own reads: a pooled connection found broken (the
    server restarted, a connection cut) is replaced on the next attempt."""
    return cast(F, retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)(read))


def placeholders(count: int) -> str:
    """``(?, ?, ...)`` for an ``IN`` list of ``count`` values."""
    return "(" + ", ".join("?" * count) + ")"


def pages(values: Sequence[T], size: int = IN_LIST_PAGE) -> Iterator[Sequence[T]]:
    """``values`` in slices short enough for one ``IN`` list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SqlTables:
    """Plain tables beside the events, with SQL written once for SQLite and PostgreSQL.

    Statements use ``?`` placeholders and put ``{s}`` before table names; :meth:`sql`
    adapts them (``%s`` and the schema on PostgreSQL). Rows come back as tuples on both.
    """

    def __init__(self, datastore: Any, tables: Sequence[str] = ()) -> None:
        self.datastore = datastore
        self._postgres = postgres = isinstance(datastore, PostgresDatastore)
        self._bytes = "BYTEA" if postgres else "BLOB"
        self._placeholder = "%s" if postgres else "?"
        self._prefix = '"' + datastore.schema.replace('"', '""') + '".' if postgres else ""
        if tables:
            with datastore.transaction(commit=True) as cursor:
                for statement in tables:
                    cursor.execute(self.sql(statement))

    @property
    def postgres(self) -> bool:
        return self._postgres

    def add_columns(self, table: str, columns: Sequence[str]) -> None:
        """Columns added to a table an older version created (``name TYPE`` each)."""
        with self.datastore.transaction(commit=True) as cursor:
            if self._postgres:
                for column in columns:
                    cursor.execute(
                        self.sql(f"ALTER TABLE {{s}}{table} ADD COLUMN IF NOT EXISTS {column}")
                    )
                return
            cursor.execute(f"PRAGMA table_info({table})")
            present = {
                row["name"] if isinstance(row, dict) else row[1] for row in cursor.fetchall()
            }
            for column in columns:
                if column.split()[0] not in present:
                    cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def sql(self, statement: str) -> str:
        """``?`` -> the driver's placeholder, ``{s}`` -> the schema, ``{bytes}`` -> a blob type."""
        return (
            statement.replace("?", self._placeholder)
            .replace("{s}", self._prefix)
            .replace("{bytes}", self._bytes)
        )

    def execute(
        self, cursor: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run one statement on ``cursor``; return the rows it gave, as tuples."""
        cursor.execute(self.sql(statement), tuple(params))
        if getattr(cursor, "sqlite_cursor", cursor).description is None:
            return []
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cursor.fetchall()]

    def execute_in(
        self, cursor: Any, statement: str, values: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """A statement with ``IN {in}`` run for ``values``, a page at a time; all the rows."""
        rows: list[tuple[Any, ...]] = []
        for page in pages(values):
            rows += self.execute(cursor, statement.replace("{in}", placeholders(len(page))), page)
        return rows

    def executemany(self, cursor: Any, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for many rows (psycopg pipelines them: one round trip)."""
        if rows:
            cursor.executemany(self.sql(statement), rows)

    def insert_rows(
        self, cursor: Any, statement: str, types: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """``INSERT ... VALUES (?, ...) [ON CONFLICT ...]`` for many rows, set-based.

        On PostgreSQL the rows go as one array per column (``types``: the columns'
        PostgreSQL types, in order) into one ``INSERT ... SELECT FROM unnest(...)``: one statement
        planned and run once, where ``executemany`` runs it once per row, which was most of
        a view rebuild's time. SQLite runs in process and keeps ``executemany``.
        """
        if not rows:
            return
        if not self._postgres:
            self.executemany(cursor, statement, rows)
            return
        statement = self.sql(statement)
        values = "VALUES (" + ", ".join(["%s"] * len(types)) + ")"
        if values not in statement:
            raise ValueError(f"not an INSERT of {len(types)} columns: {statement}")
        # %b: arrays sent in binary (the text form escapes every element with a regex)
        arrays = "SELECT * FROM unnest(" + ", ".join(f"%b::{t}[]" for t in types) + ")"  # noqa: S608 - our types
        columns = [list(column) for column in zip(*rows, strict=True)]
        cursor.execute(statement.replace(values, arrays), columns)

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A cursor for one read. On PostgreSQL a pooled connection in autocommit (each
        statement sees one snapshot): no BEGIN and ROLLBACK round trips around it."""
        if self._postgres:
            with (
                self.datastore.get_connection() as conn,
                conn.cursor(row_factory=tuple_row) as cursor,  # no dict per row
            ):
                yield cursor
        else:
            with self.datastore.transaction(commit=False) as cursor:
                yield cursor

    @retry_reads
    def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.reading() as cursor:
            return self.execute(cursor, statement, params)

    def run_many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement for many rows, in its own committed transaction."""
        if rows:
            with self.datastore.transaction(commit=True) as cursor:
                self.executemany(cursor, statement, rows)

    def run(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """One statement in its own committed transaction."""
        with self.datastore.transaction(commit=True) as cursor:
            return self.execute(cursor, statement, params)
