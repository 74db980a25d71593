"""Reading the views: what the API and CLI show of customers, licences and orders."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from changeorders.adapters.views.tables import ViewsRecorder
from changeorders.domain.order import OPEN_STATUSES
from changeorders.schemas.views import CustomerSummary, LicenceCount, OrderSummary

_SELECT_ORDERS = (
    "SELECT order_id, msp, customer, status, created_by, version, updated_at "
    "FROM {s}order_view WHERE msp = ?"
)


def _order(row: tuple[Any, ...]) -> OrderSummary:
    order_id, msp, customer, status, created_by, version, updated_at = row
    return OrderSummary(
        order_id=UUID(order_id),
        msp=msp,
        customer=customer,
        status=status,
        created_by=created_by,
        version=int(version),
        updated_at=datetime.fromisoformat(updated_at),
    )


class ViewQueries:
    def __init__(self, views: ViewsRecorder) -> None:
        self._views = views

    def customers(self, msp: str) -> list[CustomerSummary]:
        rows = self._views.query(
            "SELECT customer, name, primary_products, add_ons, seats FROM {s}customer_view "
            "WHERE msp = ? ORDER BY customer",
            msp,
        )
        return [
            CustomerSummary(
                customer=c,
                name=n,
                primary_products=json.loads(p),
                add_ons=json.loads(a),
                seats=int(s),
            )
            for c, n, p, a, s in rows
        ]

    def customer(self, msp: str, customer: str) -> dict[str, Any] | None:
        """The customer's details page: products, seats, lead, and its orders with status."""
        rows = self._views.query(
            "SELECT name, primary_products, add_ons, seats, implementation_lead, version "
            "FROM {s}customer_view WHERE msp = ? AND customer = ?",
            msp,
            customer,
        )
        if not rows:
            return None
        ((name, primary, add_ons, seats, lead, version),) = rows
        return {
            "customer": customer,
            "msp": msp,
            "name": name,
            "primary_products": json.loads(primary),
            "add_ons": json.loads(add_ons),
            "seats": int(seats),
            "implementation_lead": lead,
            "version": int(version),
            "orders": self.orders(msp, open_only=False, customer=customer),
            "licence_history": self.licence_history(customer),
            "attachments": self.attachments(customer),
        }

    def attachments(self, customer: str) -> list[dict[str, Any]]:
        rows = self._views.query(
            "SELECT attachment_id, order_id, name, media_type, size, sha256, stored_at "
            "FROM {s}attachments_view WHERE customer = ? ORDER BY stored_at, attachment_id",
            customer,
        )
        keys = ("attachment_id", "order_id", "name", "media_type", "size", "sha256", "stored_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def orders(
        self, msp: str, *, open_only: bool, customer: str | None = None
    ) -> list[OrderSummary]:
        statement = _SELECT_ORDERS
        params: list[Any] = [msp]
        if customer is not None:
            statement += " AND customer = ?"
            params.append(customer)
        if open_only:
            statement += " AND status IN (" + ", ".join("?" * len(OPEN_STATUSES)) + ")"
            params += sorted(status.value for status in OPEN_STATUSES)
        rows = self._views.query(statement + " ORDER BY updated_at DESC", *params)
        return [_order(row) for row in rows]

    def licences(self, msp: str) -> list[LicenceCount]:
        rows = self._views.query(
            "SELECT customer, product, seats FROM {s}licence_counts WHERE msp = ? "
            "ORDER BY customer, product",
            msp,
        )
        return [LicenceCount(customer=c, product=p, seats=int(s)) for c, p, s in rows]

    def licence_totals(self, msp: str) -> dict[str, int]:
        rows = self._views.query(
            "SELECT product, SUM(seats) FROM {s}licence_counts WHERE msp = ? "
            "GROUP BY product ORDER BY product",
            msp,
        )
        return {product: int(total) for product, total in rows}

    def licence_history(self, customer: str) -> list[dict[str, Any]]:
        rows = self._views.query(
            "SELECT order_id, product, seats_before, seats_after FROM {s}licence_history "
            "WHERE customer = ? ORDER BY order_id, product",
            customer,
        )
        return [
            {"order_id": o, "product": p, "seats_before": int(b), "seats_after": int(a)}
            for o, p, b, a in rows
        ]
