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


class PricedProductView(View):
    code: str
    name: str
    kind: str
    list_price: Decimal
    unit_price: Decimal  # the MSP's contracted price per seat per month


class AddOnOption(PricedProductView):
    active: bool  # already on the account: shown, not selectable


class PrimaryOptions(View):
    keep: list[PricedProductView]  # the primary products the account has now
    add_to: list[PricedProductView]  # may be added to them
    select_new: list[PricedProductView]  # may replace them (one)


class SeatOptions(View):
    current: int
    minimum_seats: int
    minimum_adjustment: int
    minimum_adjustment_with_product_change: int  # no seat downgrade with a product change


class LeadOptions(View):
    current: str
    users: list[UserView]  # who may be named implementation lead
    create_user: str  # how to add one who is missing


class Confirmations(View):
    msa: MsaView  # the first tick: the order is governed by this MSA
    authority_statement: str  # the second tick
    authority_sha256: str


class CustomerOptions(View):
    """Everything the Change Options screen may show for one customer."""

    customer: str
    name: str
    primary_products: list[str]
    add_ons: list[str]
    primary: PrimaryOptions
    add_on_options: list[AddOnOption]
    seats: SeatOptions
    implementation_lead: LeadOptions
    confirmations: Confirmations
    price_list_version: str
    agreement_version: int
    account_version: int
    blocked: str | None  # why no order can be placed for this customer now, if none can


class CatalogueProduct(PricedProductView):
    enabled: bool  # add-ons: enabled in the MSP's agreement; primaries: contracted


class Catalogue(View):
    """The price list at the MSP's contracted prices, and the allowed transitions."""

    price_list_version: str
    agreement_version: int
    products: list[CatalogueProduct]
    transitions: dict[str, dict[str, list[str]]]


class WebhookView(View):
    webhook_id: str
    url: str
    event_types: list[str]
    description: str
    created_by: str
    created_at: datetime


class WebhookCreated(WebhookView):
    secret: str  # shown once: verify signatures with it (Standard Webhooks, whsec_...)


class WebhookDeliveryView(View):
    delivery_id: str  # the webhook-id header, the same on every attempt
    order_id: UUID
    event_type: str
    state: str  # pending, delivered, or failed (retries ran out: redeliver to try again)
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    response_status: int | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]
