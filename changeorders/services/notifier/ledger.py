"""The delivery ledger: each email's state, so that no replay sends an email twice.

A sender claims an email before sending it. Only one claim can win (``pending`` or
``failed`` -> ``sending``), so two notifiers never both send it; a claim older than
``stale_after`` (its notifier died mid-send) may be taken over. A ``sent`` email is never
claimed again, whatever replays, rebuilds or redeliveries come later.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from changeorders.adapters.database import SqlTables

TABLE = (
    "CREATE TABLE IF NOT EXISTS {s}email_ledger (message_id TEXT PRIMARY KEY, "
    "order_id TEXT NOT NULL, role TEXT NOT NULL, recipient TEXT NOT NULL, "
    "state TEXT NOT NULL, attempts INTEGER NOT NULL, last_error TEXT, updated_at TEXT NOT NULL)"
)
STALE_AFTER = timedelta(minutes=5)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class DeliveryLedger:
    def __init__(self, datastore: Any, stale_after: timedelta = STALE_AFTER) -> None:
        self._tables = SqlTables(datastore, [TABLE])
        self._stale_after = stale_after

    def claim(self, message_id: str, order_id: str, role: str, recipient: str) -> bool:
        """True if this caller may send the email now."""
        inserted = self._tables.run(
            "INSERT INTO {s}email_ledger VALUES (?, ?, ?, ?, 'sending', 1, NULL, ?) "
            "ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            message_id,
            order_id,
            role,
            recipient,
            _now(),
        )
        if inserted:
            return True
        stale = (datetime.now(UTC) - self._stale_after).isoformat()
        return bool(
            self._tables.run(
                "UPDATE {s}email_ledger SET state = 'sending', attempts = attempts + 1, "
                "updated_at = ? WHERE message_id = ? AND (state = 'failed' OR "
                "(state = 'sending' AND updated_at < ?)) RETURNING message_id",
                _now(),
                message_id,
                stale,
            )
        )

    def sent(self, message_id: str) -> None:
        self._tables.run(
            "UPDATE {s}email_ledger SET state = 'sent', last_error = NULL, updated_at = ? "
            "WHERE message_id = ?",
            _now(),
            message_id,
        )

    def failed(self, message_id: str, reason: str) -> None:
        self._tables.run(
            "UPDATE {s}email_ledger SET state = 'failed', last_error = ?, updated_at = ? "
            "WHERE message_id = ?",
            reason,
            _now(),
            message_id,
        )

    def state(self, message_id: str) -> str | None:
        rows = self._tables.query(
            "SELECT state FROM {s}email_ledger WHERE message_id = ?", message_id
        )
        return str(rows[0][0]) if rows else None

    def count_sent(self) -> int:
        rows = self._tables.query("SELECT COUNT(*) FROM {s}email_ledger WHERE state = 'sent'")
        return int(rows[0][0])
