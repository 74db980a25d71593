"""Attachment bytes, stored beside the events (the events record name, size and sha256)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from changeorders.adapters.database import SqlTables

TABLE = (
    "CREATE TABLE IF NOT EXISTS {s}attachment_content (attachment_id TEXT PRIMARY KEY, "
    "customer TEXT NOT NULL, order_id TEXT NOT NULL, name TEXT NOT NULL, "
    "media_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, "
    "content {bytes} NOT NULL)"
)


@dataclass(frozen=True)
class Attachment:
    attachment_id: str
    customer: str
    order_id: str
    name: str
    media_type: str
    size: int
    sha256: str
    content: bytes


class AttachmentStore:
    def __init__(self, datastore: Any) -> None:
        self._tables = SqlTables(datastore, [TABLE])

    def put(self, attachment: Attachment) -> None:
        """Store once; storing the same attachment again changes nothing."""
        self._tables.run(
            "INSERT INTO {s}attachment_content VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (attachment_id) DO NOTHING",
            attachment.attachment_id,
            attachment.customer,
            attachment.order_id,
            attachment.name,
            attachment.media_type,
            attachment.size,
            attachment.sha256,
            attachment.content,
        )

    def get(self, attachment_id: str) -> Attachment | None:
        rows = self._tables.query(
            "SELECT attachment_id, customer, order_id, name, media_type, size, sha256, content "
            "FROM {s}attachment_content WHERE attachment_id = ?",
            attachment_id,
        )
        if not rows:
            return None
        ((attachment_id, customer, order_id, name, media_type, size, sha256, content),) = rows
        return Attachment(
            attachment_id, customer, order_id, name, media_type, int(size), sha256, bytes(content)
        )
