"""Webhook endpoints and their deliveries, in two tables beside the events.

A delivery is one event for one endpoint. Its id is derived from the endpoint and the
event, so an event delivered to the webhooks consumer twice gives one delivery (and the
receiver sees the same ``webhook-id`` on every attempt). A delivery is ``pending`` until
the endpoint answers 2xx (``delivered``) or its retries run out (``failed``, parked until
someone asks for it again). A dispatcher leases a delivery before sending it, so two
dispatchers never send it at once, and a dead dispatcher's lease simply lapses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from changeorders.adapters.database import Datastore, SqlTables

TABLES = (
    """CREATE TABLE IF NOT EXISTS {s}webhook_endpoints (
        webhook_id TEXT PRIMARY KEY, msp TEXT NOT NULL, url TEXT NOT NULL,
        event_types TEXT NOT NULL, secret TEXT NOT NULL, description TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, deleted_at TEXT)""",
    """CREATE TABLE IF NOT EXISTS {s}webhook_deliveries (
        delivery_id TEXT PRIMARY KEY, webhook_id TEXT NOT NULL, msp TEXT NOT NULL,
        order_id TEXT NOT NULL, sequence INTEGER NOT NULL, event_type TEXT NOT NULL,
        payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
        next_attempt_at TEXT NOT NULL, lease_owner TEXT, lease_until TEXT,
        last_error TEXT, response_status INTEGER, created_at TEXT NOT NULL,
        delivered_at TEXT, retry_since TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_due "
    "ON {s}webhook_deliveries (state, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_of_endpoint "
    "ON {s}webhook_deliveries (webhook_id, created_at)",
)
DELIVERY_NAMESPACE = UUID("5b0e7a36-2c4e-4f0c-9a51-7f6c3d8e2b19")
_ENDPOINT = "webhook_id, msp, url, event_types, description, created_by, created_at"
_DELIVERY = (
    "delivery_id, webhook_id, order_id, sequence, event_type, payload, state, attempts, "
    "next_attempt_at, last_error, response_status, created_at, delivered_at, retry_since"
)


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def delivery_id(webhook_id: str, event_id: UUID) -> str:
    return str(uuid5(DELIVERY_NAMESPACE, f"{webhook_id}:{event_id}"))


@dataclass(frozen=True)
class Endpoint:
    webhook_id: str
    msp: str
    url: str
    event_types: list[str]
    description: str
    created_by: str
    created_at: str


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    webhook_id: str
    order_id: str
    sequence: int
    event_type: str
    payload: str
    state: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    response_status: int | None
    created_at: str
    delivered_at: str | None
    retry_since: str  # retries run out a window after this (creation, or a redelivery)


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with what sending it needs."""

    delivery: Delivery
    url: str
    secret: str


def _endpoint(row: tuple[Any, ...]) -> Endpoint:
    webhook_id, msp, url, types, description, by, at = row
    return Endpoint(webhook_id, msp, url, json.loads(types), description, by, at)


class WebhookStore:
    def __init__(self, datastore: Datastore) -> None:
        self._tables = SqlTables(datastore, TABLES)

    # --- endpoints -------------------------------------------------------------------------

    def add_endpoint(self, endpoint: Endpoint, secret: str) -> None:
        self._tables.run(
            "INSERT INTO {s}webhook_endpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            endpoint.webhook_id,
            endpoint.msp,
            endpoint.url,
            json.dumps(sorted(endpoint.event_types)),
            secret,
            endpoint.description,
            endpoint.created_by,
            endpoint.created_at,
        )

    def endpoints(self, msp: str) -> list[Endpoint]:
        rows = self._tables.query(
            f"SELECT {_ENDPOINT} FROM {{s}}webhook_endpoints "  # noqa: S608 - our columns
            "WHERE msp = ? AND deleted_at IS NULL ORDER BY created_at, webhook_id",
            msp,
        )
        return [_endpoint(row) for row in rows]

    def delete_endpoint(self, msp: str, webhook_id: str) -> bool:
        """Stop sending to it; its deliveries stay listed. False if it is not the MSP's."""
        return bool(
            self._tables.run(
                "UPDATE {s}webhook_endpoints SET deleted_at = ? WHERE msp = ? AND "
                "webhook_id = ? AND deleted_at IS NULL RETURNING webhook_id",
                iso(now()),
                msp,
                webhook_id,
            )
        )

    # --- deliveries ------------------------------------------------------------------------

    def enqueue(self, deliveries: list[Delivery], msp: str) -> None:
        """New deliveries, due now; one already there (the same event again) is kept."""
        rows = [
            (
                *(d.delivery_id, d.webhook_id, msp, d.order_id, d.sequence, d.event_type),
                *(d.payload, "pending", 0, d.next_attempt_at, None, None, None, None),
                *(d.created_at, None, d.created_at),
            )
            for d in deliveries
        ]
        with self._tables.datastore.transaction(commit=True) as cursor:
            self._tables.executemany(
                cursor,
                "INSERT INTO {s}webhook_deliveries VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )

    def claim_due(self, owner: str, lease: timedelta, busy: set[str], limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due deliveries, at most one per endpoint and none for the
        ``busy`` endpoints, each the earliest pending one of its order at that endpoint."""
        moment = iso(now())
        candidates = self._tables.query(
            "SELECT d.delivery_id, d.webhook_id FROM {s}webhook_deliveries d "
            "JOIN {s}webhook_endpoints w ON w.webhook_id = d.webhook_id "
            "WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND w.deleted_at IS NULL "
            "AND (d.lease_until IS NULL OR d.lease_until < ?) AND NOT EXISTS ("
            "SELECT 1 FROM {s}webhook_deliveries e WHERE e.webhook_id = d.webhook_id "
            "AND e.order_id = d.order_id AND e.sequence < d.sequence AND e.state = 'pending') "
            "ORDER BY d.next_attempt_at LIMIT ?",
            moment,
            moment,
            limit * 4 + len(busy),
        )
        claimed: list[Claimed] = []
        taken = set(busy)
        for delivery, webhook in candidates:
            if webhook in taken or len(claimed) == limit:
                continue
            if (won := self._lease(delivery, owner, moment, iso(now() + lease))) is not None:
                claimed.append(won)
                taken.add(webhook)
        return claimed

    def _lease(self, delivery: str, owner: str, moment: str, until: str) -> Claimed | None:
        won = self._tables.run(
            "UPDATE {s}webhook_deliveries SET lease_owner = ?, lease_until = ? "
            "WHERE delivery_id = ? AND state = 'pending' "
            "AND (lease_until IS NULL OR lease_until < ?) RETURNING delivery_id",
            owner,
            until,
            delivery,
            moment,
        )
        if not won:
            return None
        rows = self._tables.query(
            f"SELECT {', '.join('d.' + c for c in _DELIVERY.split(', '))}, w.url, w.secret "  # noqa: S608
            "FROM {s}webhook_deliveries d JOIN {s}webhook_endpoints w "
            "ON w.webhook_id = d.webhook_id WHERE d.delivery_id = ?",
            delivery,
        )
        *fields, url, secret = rows[0]
        return Claimed(Delivery(*fields), url, secret)

    def delivered(self, delivery: str, status: int) -> None:
        self._tables.run(
            "UPDATE {s}webhook_deliveries SET state = 'delivered', attempts = attempts + 1, "
            "response_status = ?, last_error = NULL, delivered_at = ?, lease_owner = NULL, "
            "lease_until = NULL WHERE delivery_id = ?",
            status,
            iso(now()),
            delivery,
        )

    def failed(
        self, delivery: str, error: str, status: int | None, retry_at: datetime | None
    ) -> None:
        """A failed attempt: tried again at ``retry_at``, or parked when it is None."""
        self._tables.run(
            "UPDATE {s}webhook_deliveries SET attempts = attempts + 1, last_error = ?, "
            "response_status = ?, state = ?, next_attempt_at = COALESCE(?, next_attempt_at), "
            "lease_owner = NULL, lease_until = NULL WHERE delivery_id = ?",
            error[:2000],
            status,
            "pending" if retry_at else "failed",
            iso(retry_at) if retry_at else None,
            delivery,
        )

    def deliveries(self, webhook_id: str, limit: int = 100) -> list[Delivery]:
        rows = self._tables.query(
            f"SELECT {_DELIVERY} FROM {{s}}webhook_deliveries WHERE webhook_id = ? "  # noqa: S608
            "ORDER BY created_at DESC, sequence DESC LIMIT ?",
            webhook_id,
            limit,
        )
        return [Delivery(*row) for row in rows]

    def redeliver(self, webhook_id: str, delivery: str) -> bool:
        """Send a delivery again now (delivered or parked), with the same webhook-id."""
        return bool(
            self._tables.run(
                "UPDATE {s}webhook_deliveries SET state = 'pending', next_attempt_at = ?, "
                "retry_since = ?, lease_owner = NULL, lease_until = NULL WHERE webhook_id = ? "
                "AND delivery_id = ? RETURNING delivery_id",
                iso(now()),
                iso(now()),
                webhook_id,
                delivery,
            )
        )
