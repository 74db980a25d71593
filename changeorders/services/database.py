"""Database set-up shared by the services."""

from __future__ import annotations

from typing import Any

import psycopg
from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment
from psycopg import sql

from changeorders.services.settings import Settings


def ensure_postgres_schema(settings: Settings) -> None:
    """The event store's schema must exist before the library creates its tables in it."""
    with psycopg.connect(
        host=settings.postgres_host,
        port=settings.postgres_port,
        dbname=settings.postgres_db,
        user=settings.postgres_user,
        password=settings.postgres_password,
        autocommit=True,
    ) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(settings.postgres_schema)
            )
        )


def datastore(settings: Settings, purpose: str) -> Any:
    """A connection pool on the configured database, for a service that is not the store."""
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    env = Environment(purpose, settings.eventsourcing_env())
    return InfrastructureFactory.construct(env).datastore  # type: ignore[attr-defined]


def tracking_recorder(datastore: Any, postgres_table: str) -> TrackingRecorder:
    """A consumer's position store in the given datastore (SQLite keeps one shared table)."""
    recorder: TrackingRecorder
    if isinstance(datastore, PostgresDatastore):
        recorder = PostgresTrackingRecorder(datastore, tracking_table_name=postgres_table)
    else:
        recorder = SQLiteTrackingRecorder(datastore)
    recorder.create_table()
    return recorder
