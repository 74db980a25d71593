"""The delivery ledger: each email's state, so that no email is sent twice or forgotten.

A notifier claims an email before sending it. A claim names its owner (one notifier
process) and a lease the owner renews while it lives, a few seconds at a time. Only one
claim can win. The owner finding its own claim resumes it at once; another notifier takes
a claim over only when its lease has lapsed (its owner died mid-send). A ``sent`` email is
never claimed again, whatever replays, rebuilds or redeliveries come later.

An email that could not be sent is ``failed`` with its next attempt: it waits on its own
schedule while the notifier goes on with other orders. One the server refused for good (a
5xx answer) is ``parked`` until someone retries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from changeorders.adapters.database import Datastore, SqlTables

TABLE = (
    "CREATE TABLE IF NOT EXISTS {s}email_ledger (message_id TEXT PRIMARY KEY, "
    "order_id TEXT NOT NULL, role TEXT NOT NULL, recipient TEXT NOT NULL, "
    "state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, updated_at TEXT NOT NULL)"
)
#: added to tables made before claims had owners and failures a schedule
COLUMNS = ("owner TEXT", "lease_until TEXT", "next_attempt_at TEXT")
LEASE = timedelta(seconds=15)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _now() -> datetime:
    return datetime.now(UTC)


class Claim(Enum):
    CLAIMED = "claimed"  # send it now
    SENT = "sent"  # it went out before
    BUSY = "busy"  # another notifier holds a live claim on it
    LATER = "later"  # it failed; its next attempt is not due yet
    PARKED = "parked"  # refused for good, until retried by hand


@dataclass(frozen=True)
class Due:
    """An email whose turn has come: failed and due, or claimed by a notifier gone silent."""

    message_id: str
    order_id: str
    role: str


@dataclass(frozen=True)
class Entry:
    message_id: str
    order_id: str
    role: str
    recipient: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: str | None


class DeliveryLedger:
    def __init__(self, datastore: Datastore, owner: str, lease: timedelta = LEASE) -> None:
        self._tables = SqlTables(datastore, [TABLE])
        self._tables.add_columns("email_ledger", COLUMNS)
        self.owner = owner
        self.lease = lease

    def claim(self, message_id: str, order_id: str, role: str, recipient: str) -> Claim:
        """Claim the email for this owner, or say why not."""
        now = _now()
        until = _iso(now + self.lease)
        inserted = self._tables.run(
            "INSERT INTO {s}email_ledger (message_id, order_id, role, recipient, state, "
            "attempts, updated_at, owner, lease_until) VALUES (?, ?, ?, ?, 'sending', 1, ?, ?, ?) "
            "ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            *(message_id, order_id, role, recipient, _iso(now), self.owner, until),
        )
        if inserted or self._take(message_id, _iso(now), until):
            return Claim.CLAIMED
        state, next_attempt = self._state(message_id)
        if state == "sent":
            return Claim.SENT
        if state == "parked":
            return Claim.PARKED
        return Claim.LATER if state == "failed" and next_attempt else Claim.BUSY

    def _take(self, message_id: str, now: str, until: str) -> bool:
        """Failed and due; or claimed by this owner (resumed at once) or by one whose lease
        lapsed (taken over)."""
        return bool(
            self._tables.run(
                "UPDATE {s}email_ledger SET state = 'sending', attempts = attempts + 1, "
                "owner = ?, lease_until = ?, updated_at = ? WHERE message_id = ? AND ("
                "(state = 'failed' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)) OR "
                "(state = 'sending' AND (owner = ? OR lease_until IS NULL OR lease_until < ?))"
                ") RETURNING message_id",
                *(self.owner, until, now, message_id, now, self.owner, now),
            )
        )

    def sent(self, message_id: str) -> None:
        self._tables.run(
            "UPDATE {s}email_ledger SET state = 'sent', last_error = NULL, owner = NULL, "
            "lease_until = NULL, next_attempt_at = NULL, updated_at = ? WHERE message_id = ?",
            _iso(_now()),
            message_id,
        )

    def failed(self, message_id: str, reason: str, next_attempt: datetime) -> None:
        """Not sent now; tried again at ``next_attempt`` (by whichever notifier is free)."""
        self._tables.run(
            "UPDATE {s}email_ledger SET state = 'failed', last_error = ?, owner = NULL, "
            "lease_until = NULL, next_attempt_at = ?, updated_at = ? WHERE message_id = ?",
            *(reason[:2000], _iso(next_attempt), _iso(_now()), message_id),
        )

    def park(self, message_id: str, reason: str) -> None:
        """Refused for good: kept with its reason until someone retries it."""
        self._tables.run(
            "UPDATE {s}email_ledger SET state = 'parked', last_error = ?, owner = NULL, "
            "lease_until = NULL, next_attempt_at = NULL, updated_at = ? WHERE message_id = ?",
            *(reason[:2000], _iso(_now()), message_id),
        )

    def renew(self) -> None:
        """Keep this owner's claims alive (called every third of the lease)."""
        self._tables.run(
            "UPDATE {s}email_ledger SET lease_until = ? WHERE owner = ? AND state = 'sending'",
            _iso(_now() + self.lease),
            self.owner,
        )

    def due(self, limit: int = 50) -> list[Due]:
        now = _iso(_now())
        rows = self._tables.query(
            "SELECT message_id, order_id, role FROM {s}email_ledger WHERE "
            "(state = 'failed' AND next_attempt_at <= ?) OR (state = 'sending' AND "
            "(lease_until IS NULL OR lease_until < ?)) ORDER BY updated_at LIMIT ?",
            *(now, now, limit),
        )
        return [Due(*row) for row in rows]

    def entries(self, states: tuple[str, ...] = ("failed", "parked", "sending")) -> list[Entry]:
        placeholders = ", ".join("?" * len(states))
        rows = self._tables.query(
            "SELECT message_id, order_id, role, recipient, state, attempts, last_error, "  # noqa: S608 - placeholders only
            f"next_attempt_at FROM {{s}}email_ledger WHERE state IN ({placeholders}) "
            "ORDER BY updated_at",
            *states,
        )
        return [Entry(*row) for row in rows]

    def retry(self, message_id: str | None = None) -> int:
        """Parked (or failed) emails due now: one, or all when ``message_id`` is None."""
        statement = (
            "UPDATE {s}email_ledger SET state = 'failed', next_attempt_at = ? "
            "WHERE state IN ('parked', 'failed')"
        )
        params: list[str] = [_iso(_now())]
        if message_id is not None:
            statement += " AND message_id = ?"
            params.append(message_id)
        return len(self._tables.run(statement + " RETURNING message_id", *params))

    def _state(self, message_id: str) -> tuple[str | None, str | None]:
        rows = self._tables.query(
            "SELECT state, next_attempt_at FROM {s}email_ledger WHERE message_id = ?", message_id
        )
        return (str(rows[0][0]), rows[0][1]) if rows else (None, None)

    def attempts(self, message_id: str) -> int:
        rows = self._tables.query(
            "SELECT attempts FROM {s}email_ledger WHERE message_id = ?", message_id
        )
        return int(rows[0][0]) if rows else 0

    def state(self, message_id: str) -> str | None:
        return self._state(message_id)[0]

    def count_sent(self) -> int:
        rows = self._tables.query("SELECT COUNT(*) FROM {s}email_ledger WHERE state = 'sent'")
        return int(rows[0][0])
