"""The order index: each order's MSP, customer and status, to list an MSP's open drafts.

A projection in the ``eventsourcing`` sense: each event's effect on the view and its
tracking position commit in one transaction, so processing an event twice changes nothing.
It is written against an event feed (an event and its :class:`Tracking`); here the feed is
the event store's notification log, read by :func:`catch_up`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from changeorders.domain.order import ChangeOrder, OrderStatus
from changeorders.services.feed import LocalFeed

STATUS_BY_EVENT: dict[type[Any], OrderStatus] = {
    ChangeOrder.Drafted: OrderStatus.DRAFT,  # type: ignore[attr-defined]
    ChangeOrder.OptionsSelected: OrderStatus.SELECTED,  # type: ignore[attr-defined]
    ChangeOrder.Reviewed: OrderStatus.REVIEWED,  # type: ignore[attr-defined]
    ChangeOrder.Confirmed: OrderStatus.CONFIRMED,  # type: ignore[attr-defined]
    ChangeOrder.Submitted: OrderStatus.SUBMITTED,  # type: ignore[attr-defined]
    ChangeOrder.Cancelled: OrderStatus.CANCELLED,  # type: ignore[attr-defined]
}
TOPICS = tuple(get_topic(cls) for cls in STATUS_BY_EVENT)
OPEN = tuple(
    s.value
    for s in (OrderStatus.DRAFT, OrderStatus.SELECTED, OrderStatus.REVIEWED, OrderStatus.CONFIRMED)
)


@dataclass(frozen=True)
class IndexedOrder:
    order_id: str
    msp: str
    customer: str
    status: str
    created_by: str
    version: int
    updated_at: datetime


class OrderIndexRecorder(TrackingRecorder):
    @abstractmethod
    def upsert(self, row: IndexedOrder, tracking: Tracking) -> None: ...

    @abstractmethod
    def orders(self, msp: str, statuses: Sequence[str]) -> list[IndexedOrder]: ...


_CREATE = (
    "CREATE TABLE IF NOT EXISTS {table} (order_id TEXT PRIMARY KEY, msp TEXT NOT NULL, "
    "customer TEXT NOT NULL, status TEXT NOT NULL, created_by TEXT NOT NULL, "
    "version INTEGER NOT NULL, updated_at TEXT NOT NULL)"
)
_UPSERT = (
    "INSERT INTO {table} (order_id, msp, customer, status, created_by, version, updated_at) "
    "VALUES ({params}) "
    "ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, "
    "version = excluded.version, updated_at = excluded.updated_at"
)
_SELECT = (
    "SELECT order_id, msp, customer, status, created_by, version, updated_at "
    "FROM {table} WHERE msp = {p} ORDER BY updated_at DESC"
)


def _row(row: IndexedOrder) -> tuple[Any, ...]:
    return (
        row.order_id,
        row.msp,
        row.customer,
        row.status,
        row.created_by,
        row.version,
        row.updated_at.isoformat(),
    )


def _indexed(values: Sequence[Any]) -> IndexedOrder:
    order_id, msp, customer, status, created_by, version, updated_at = values
    return IndexedOrder(
        order_id,
        msp,
        customer,
        status,
        created_by,
        int(version),
        datetime.fromisoformat(updated_at),
    )


class SQLiteOrderIndexRecorder(SQLiteTrackingRecorder, OrderIndexRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), _CREATE.format(table="order_index")]

    def upsert(self, row: IndexedOrder, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(_UPSERT.format(table="order_index", params=",".join("?" * 7)), _row(row))
            self._insert_tracking(c, tracking)

    def orders(self, msp: str, statuses: Sequence[str]) -> list[IndexedOrder]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(_SELECT.format(table="order_index", p="?"), (msp,))
            rows = [_indexed(tuple(r)) for r in c.fetchall()]
        return [r for r in rows if r.status in statuses]


class PostgresOrderIndexRecorder(PostgresTrackingRecorder, OrderIndexRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, tracking_table_name="order_index_tracking", **kwargs)
        self._table = Identifier(datastore.schema, "order_index")
        self.sql_create_statements.append(SQL(_CREATE).format(table=self._table))

    def upsert(self, row: IndexedOrder, tracking: Tracking) -> None:
        statement = SQL(_UPSERT).format(table=self._table, params=SQL(",".join(["%s"] * 7)))
        with self.datastore.transaction(commit=True) as c:
            c.execute(statement, _row(row))
            self._insert_tracking(c, tracking)

    def orders(self, msp: str, statuses: Sequence[str]) -> list[IndexedOrder]:
        statement = SQL(_SELECT).format(table=self._table, p=SQL("%s"))
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (msp,))
            rows = [_indexed(list(r.values())) for r in c.fetchall()]
        return [r for r in rows if r.status in statuses]


class OrderIndex(Projection[OrderIndexRecorder]):
    """Keeps one row per change order, with its latest status."""

    name = "order_index"
    topics = TOPICS

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        status = STATUS_BY_EVENT.get(type(domain_event))
        if status is None:
            self.view.insert_tracking(tracking)
            return
        if status is OrderStatus.DRAFT:
            msp, customer, created_by = (
                domain_event.msp_key,
                domain_event.customer_key,
                domain_event.created_by,
            )
        else:
            msp = customer = created_by = ""
        self.view.upsert(
            IndexedOrder(
                order_id=str(domain_event.originator_id),
                msp=msp,
                customer=customer,
                status=status.value,
                created_by=created_by,
                version=domain_event.originator_version,
                updated_at=domain_event.timestamp,
            ),
            tracking,
        )


def order_index_recorder(datastore: Any) -> OrderIndexRecorder:
    recorder: OrderIndexRecorder
    if isinstance(datastore, SQLiteDatastore):
        recorder = SQLiteOrderIndexRecorder(datastore)
    else:
        recorder = PostgresOrderIndexRecorder(datastore)
    recorder.create_table()
    return recorder


class OrderIndexReader:
    """Reads the order index after catching it up, so a reader sees its own writes."""

    def __init__(self, application: Application[Any]) -> None:
        recorder = order_index_recorder(application.recorder.datastore)  # type: ignore[attr-defined]
        self._projection = OrderIndex(recorder)
        self._feed = LocalFeed(application, OrderIndex.name, recorder, OrderIndex.topics)

    def orders(self, msp: str, *, open_only: bool) -> list[IndexedOrder]:
        self._feed.pump(self._projection.process_event)
        statuses = OPEN if open_only else tuple(s.value for s in OrderStatus)
        return self._projection.view.orders(msp, statuses)
