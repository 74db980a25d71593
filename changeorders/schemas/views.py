"""What the API and CLI answer: customers, orders, reviews, errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from changeorders.domain.order import OrderStatus


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class UserView(View):
    user_id: str
    name: str
    email: str


class CustomerSummary(View):
    customer: str
    name: str
    primary_products: list[str]
    add_ons: list[str]
    seats: int


class OrderSummary(View):
    order_id: UUID
    msp: str
    customer: str
    status: OrderStatus
    created_by: str
    version: int
    updated_at: datetime


class CustomerDetails(CustomerSummary):
    msp: str
    implementation_lead: str
    version: int
    attachments: list[dict[str, Any]]
    orders: list[OrderSummary]
    licence_history: list[dict[str, Any]]


class QuoteLineView(View):
    code: str
    name: str
    kind: str
    unit_price: Decimal
    seats_before: int
    seats_after: int
    monthly_before: Decimal
    monthly_after: Decimal
    change: str


class MsaView(View):
    msa_id: str
    title: str
    sha256: str


class ReviewView(View):
    review_number: int
    lines: list[QuoteLineView]
    monthly_before: Decimal
    monthly_after: Decimal
    monthly_delta: Decimal
    price_list_version: str
    agreement_version: int
    account_version: int
    msa: MsaView
    authority_statement: str


class HistoryEntry(View):
    version: int
    type: str
    at: datetime
    by: str | None


class OrderView(View):
    order_id: UUID
    msp: str
    customer: str
    status: OrderStatus
    created_by: str
    options: dict[str, Any] | None
    review: dict[str, Any] | None
    confirmation: dict[str, Any] | None
    submitted_by: str | None
    applied: dict[str, Any] | None = None
    rejection: dict[str, str] | None = None
    version: int
    history: list[HistoryEntry]


class LicenceCount(View):
    customer: str
    product: str
    seats: int


class Licences(View):
    msp: str
    counts: list[LicenceCount]
    totals: dict[str, int]


class Accepted(View):
    order_id: UUID
    status: OrderStatus
    message: str
    status_url: str


class ErrorBody(View):
    rule: str
    message: str
    hint: str | None = None
    errors: list[dict[str, Any]] | None = None
