"""The read side: customer, licence-count and order views, and the projection writing them.

Each event's effect and its tracking position commit in one transaction (the
``eventsourcing`` tracking recorders), so a redelivered event changes nothing. On top of
that every write is guarded by the aggregate version it comes from, so the same event
republished under a new position (the relay may republish a tail) changes nothing either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from changeorders.services.database import SqlTables

TABLES = (
    """CREATE TABLE IF NOT EXISTS {s}customer_view (
        customer TEXT PRIMARY KEY, msp TEXT NOT NULL, name TEXT NOT NULL,
        primary_products TEXT NOT NULL, add_ons TEXT NOT NULL, seats INTEGER NOT NULL,
        implementation_lead TEXT NOT NULL, version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {s}licence_counts (
        customer TEXT NOT NULL, msp TEXT NOT NULL, product TEXT NOT NULL,
        seats INTEGER NOT NULL, PRIMARY KEY (customer, product))""",
    """CREATE TABLE IF NOT EXISTS {s}licence_history (
        customer TEXT NOT NULL, order_id TEXT NOT NULL, product TEXT NOT NULL,
        seats_before INTEGER NOT NULL, seats_after INTEGER NOT NULL,
        PRIMARY KEY (customer, order_id, product))""",
    """CREATE TABLE IF NOT EXISTS {s}order_view (
        order_id TEXT PRIMARY KEY, msp TEXT NOT NULL, customer TEXT NOT NULL,
        status TEXT NOT NULL, created_by TEXT NOT NULL, version INTEGER NOT NULL,
        updated_at TEXT NOT NULL, detail TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {s}attachments_view (
        attachment_id TEXT PRIMARY KEY, customer TEXT NOT NULL, order_id TEXT NOT NULL,
        name TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
        sha256 TEXT NOT NULL, stored_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS {s}order_history (
        order_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
        at TEXT NOT NULL, actor TEXT, event_id TEXT NOT NULL,
        PRIMARY KEY (order_id, version))""",
)

VIEW_TABLES = (
    "customer_view",
    "licence_counts",
    "licence_history",
    "order_view",
    "order_history",
    "attachments_view",
)

STATUS_BY_TYPE = {
    "ChangeOrder.Drafted": "draft",
    "ChangeOrder.OptionsSelected": "selected",
    "ChangeOrder.Reviewed": "reviewed",
    "ChangeOrder.Confirmed": "confirmed",
    "ChangeOrder.Submitted": "submitted",
    "ChangeOrder.Applied": "applied",
    "ChangeOrder.Rejected": "rejected",
    "ChangeOrder.Cancelled": "cancelled",
}
#: After an order is applied its status follows its notifications (see the projection).
NOTIFICATION_TYPES = (
    "ChangeOrder.AddendumIssued",
    "ChangeOrder.NotificationSent",
    "ChangeOrder.NotificationFailed",
)
OPEN_STATUSES = ("draft", "selected", "reviewed", "confirmed")


class ViewsRecorder(TrackingRecorder):
    """The views' tables and their tracking table, in one datastore (see :class:`SqlTables`)."""

    tables: SqlTables

    @contextmanager
    def tracked(self, tracking: Tracking) -> Iterator[Any]:
        with self.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            self._insert_tracking(cursor, tracking)  # type: ignore[attr-defined]
            yield cursor

    def execute(
        self, cursor: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        return self.tables.execute(cursor, statement, params)

    def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.tables.query(statement, *params)


class SQLiteViewsRecorder(SQLiteTrackingRecorder, ViewsRecorder):
    pass


class PostgresViewsRecorder(PostgresTrackingRecorder, ViewsRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, tracking_table_name="views_tracking", **kwargs)


def views_recorder(datastore: Any) -> ViewsRecorder:
    recorder: ViewsRecorder
    if isinstance(datastore, SQLiteDatastore):
        recorder = SQLiteViewsRecorder(datastore)
    else:
        recorder = PostgresViewsRecorder(datastore)
    recorder.create_table()
    recorder.tables = SqlTables(datastore, TABLES)
    return recorder
