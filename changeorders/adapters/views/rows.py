"""The view rows one batch of events reads and changes, held in memory.

A batch loads the rows its events touch in a few queries, the projection changes them
here, and the recorder writes them back with the batch's tracking positions in one
transaction: a handful of statements per batch instead of several per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CustomerRow:
    customer: str
    msp: str
    name: str
    primary_products: list[str]
    add_ons: list[str]
    seats: int
    implementation_lead: str
    version: int


@dataclass
class OrderRow:
    order_id: str
    msp: str
    customer: str
    status: str
    created_by: str
    version: int
    updated_at: str
    detail: dict[str, Any]


@dataclass
class ViewBatch:
    """Loaded rows (changed in place, their keys noted) and the insert-only rows added."""

    customers: dict[str, CustomerRow] = field(default_factory=dict)
    licences: dict[str, dict[str, int]] = field(default_factory=dict)
    orders: dict[str, OrderRow] = field(default_factory=dict)
    changed_customers: set[str] = field(default_factory=set)
    changed_orders: set[str] = field(default_factory=set)
    licence_history: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    order_history: list[tuple[str, int, str, str, str | None, str]] = field(default_factory=list)
    attachments: list[tuple[str, str | None, str, str, str, int, str, str]] = field(
        default_factory=list
    )
