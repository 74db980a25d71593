"""The read side: customer, licence-count and order views, and the projection writing them.

A batch of events' effects and its tracking positions commit in one transaction (the
``eventsourcing`` tracking recorders), so a redelivered event changes nothing. On top of
that every write is guarded by the aggregate version it comes from, so the same event
republished under a new position (the relay may republish a tail) changes nothing either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from changeorders.adapters.database import SqlTables
from changeorders.adapters.views.rows import CustomerRow, OrderRow, ViewBatch

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


# Upserts keep the newer row: a writer behind another changes nothing.
UPSERT_CUSTOMER = """INSERT INTO {s}customer_view VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (customer) DO UPDATE SET primary_products = excluded.primary_products,
    add_ons = excluded.add_ons, seats = excluded.seats,
    implementation_lead = excluded.implementation_lead, version = excluded.version
    WHERE {s}customer_view.version < excluded.version"""
UPSERT_ORDER = """INSERT INTO {s}order_view VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET status = excluded.status,
    version = excluded.version, updated_at = excluded.updated_at, detail = excluded.detail
    WHERE {s}order_view.version < excluded.version"""
INSERT_LICENCE_HISTORY = (
    "INSERT INTO {s}licence_history VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
INSERT_ORDER_HISTORY = (
    "INSERT INTO {s}order_history VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
INSERT_ATTACHMENT = (
    "INSERT INTO {s}attachments_view VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
INSERT_LICENCE_COUNTS = "INSERT INTO {s}licence_counts VALUES (?, ?, ?, ?)"
#: the columns' PostgreSQL types, for set-based writes (:meth:`SqlTables.insert_rows`)
CUSTOMER_TYPES = ("text",) * 5 + ("integer", "text", "integer")
ORDER_TYPES = ("text",) * 5 + ("integer", "text", "text")
LICENCE_COUNT_TYPES = ("text", "text", "text", "integer")
LICENCE_HISTORY_TYPES = ("text", "text", "text", "integer", "integer")
ORDER_HISTORY_TYPES = ("text", "integer", "text", "text", "text", "text")
ATTACHMENT_TYPES = ("text",) * 5 + ("integer", "text", "text")


class ViewsRecorder(TrackingRecorder):
    """The views' tables and their tracking table, in one datastore (see :class:`SqlTables`)."""

    tables: SqlTables

    @contextmanager
    def batch(
        self, trackings: Sequence[Tracking], customers: set[str], orders: set[str]
    ) -> Iterator[ViewBatch]:
        """The rows of ``customers`` and ``orders``, to change in memory; on leaving, the
        changes and the last position of each tracked feed commit in one transaction.

        Positions are recorded first: a second writer of the same feed waits for this one,
        then fails on a position already recorded (the eventsourcing recorder raises
        ``IntegrityError``) before it has read or written anything.
        """
        with self.tables.datastore.transaction(commit=True) as cursor:
            for tracking in last_positions(trackings):
                self._insert_tracking(cursor, tracking)  # type: ignore[attr-defined]
            batch = self._load(cursor, sorted(customers), sorted(orders))
            yield batch
            self._save(cursor, batch)

    def _load(self, cursor: Any, customers: list[str], orders: list[str]) -> ViewBatch:
        batch = ViewBatch()
        for c, msp, name, primary, add_ons, seats, lead, version in self.tables.execute_in(
            cursor, "SELECT * FROM {s}customer_view WHERE customer IN {in}", customers
        ):
            batch.customers[c] = CustomerRow(
                c, msp, name, json.loads(primary), json.loads(add_ons), seats, lead, version
            )
        for c, product, seats in self.tables.execute_in(
            cursor,
            "SELECT customer, product, seats FROM {s}licence_counts WHERE customer IN {in}",
            customers,
        ):
            batch.licences.setdefault(c, {})[product] = seats
        for order_id, msp, customer, status, by, version, at, detail in self.tables.execute_in(
            cursor, "SELECT * FROM {s}order_view WHERE order_id IN {in}", orders
        ):
            batch.orders[order_id] = OrderRow(
                order_id, msp, customer, status, by, version, at, json.loads(detail)
            )
        return batch

    def _save(self, cursor: Any, batch: ViewBatch) -> None:
        insert = self.tables.insert_rows
        customers = [batch.customers[c] for c in sorted(batch.changed_customers)]
        insert(cursor, UPSERT_CUSTOMER, CUSTOMER_TYPES, [_customer_values(c) for c in customers])
        self.tables.execute_in(
            cursor,
            "DELETE FROM {s}licence_counts WHERE customer IN {in}",
            [c.customer for c in customers],
        )
        counts = [
            (c.customer, c.msp, product, seats)
            for c in customers
            for product, seats in batch.licences[c.customer].items()
        ]
        insert(cursor, INSERT_LICENCE_COUNTS, LICENCE_COUNT_TYPES, counts)
        orders = [batch.orders[o] for o in sorted(batch.changed_orders)]
        insert(cursor, UPSERT_ORDER, ORDER_TYPES, [_order_values(o) for o in orders])
        insert(cursor, INSERT_LICENCE_HISTORY, LICENCE_HISTORY_TYPES, batch.licence_history)
        insert(cursor, INSERT_ORDER_HISTORY, ORDER_HISTORY_TYPES, batch.order_history)
        insert(cursor, INSERT_ATTACHMENT, ATTACHMENT_TYPES, batch.attachments)

    def execute(
        self, cursor: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[tuple[Any, ...]]:
        return self.tables.execute(cursor, statement, params)

    def query(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.tables.query(statement, *params)


def last_positions(trackings: Sequence[Tracking]) -> list[Tracking]:
    """The highest position of each feed (Kafka: one per partition), in a fixed order so
    two writers lock tracking rows in the same order."""
    last: dict[str, int] = {}
    for t in trackings:
        last[t.application_name] = max(t.notification_id, last.get(t.application_name, 0))
    return [Tracking(name, position) for name, position in sorted(last.items())]


def _customer_values(c: CustomerRow) -> tuple[Any, ...]:
    return (
        c.customer,
        c.msp,
        c.name,
        json.dumps(c.primary_products),
        json.dumps(c.add_ons),
        c.seats,
        c.implementation_lead,
        c.version,
    )


def _order_values(o: OrderRow) -> tuple[Any, ...]:
    return (
        o.order_id,
        o.msp,
        o.customer,
        o.status,
        o.created_by,
        o.version,
        o.updated_at,
        json.dumps(o.detail),
    )


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
