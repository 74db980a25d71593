"""Domain objects to the published views of :mod:`changeorders.schemas.views`."""

from __future__ import annotations

from typing import Any

from changeorders.adapters.publishing import actor_of, event_type
from changeorders.domain.agreement import AUTHORITY_STATEMENT, Agreement
from changeorders.domain.msp import Msp
from changeorders.domain.order import ChangeOrder
from changeorders.schemas.views import (
    HistoryEntry,
    MsaView,
    OrderView,
    QuoteLineView,
    ReviewView,
    UserView,
)


def users(msp: Msp) -> list[UserView]:
    return [UserView(**user) for user in msp.users.values()]


def review(order: ChangeOrder, agreement: Agreement) -> ReviewView:
    quote = order.quote
    assert quote is not None  # only called right after a review
    return ReviewView(
        review_number=order.review_number,
        lines=[QuoteLineView(**line.to_dict()) for line in quote.lines],
        monthly_before=quote.monthly_before,
        monthly_after=quote.monthly_after,
        monthly_delta=quote.monthly_delta,
        price_list_version=quote.price_list_version,
        agreement_version=quote.agreement_version,
        account_version=quote.account_version,
        msa=MsaView(
            msa_id=agreement.msa.msa_id, title=agreement.msa.title, sha256=agreement.msa.sha256
        ),
        authority_statement=AUTHORITY_STATEMENT,
    )


def history_entry(event: Any) -> HistoryEntry:
    return HistoryEntry(
        version=event.originator_version,
        type=event_type(event).split(".")[-1],
        at=event.timestamp,
        by=actor_of(event),
    )


def order(order: ChangeOrder, events: list[Any]) -> OrderView:
    return OrderView(
        order_id=order.id,
        msp=order.msp_key,
        customer=order.customer_key,
        status=order.status,
        created_by=order.created_by,
        options=order.options_data,
        review=(
            {"review_number": order.review_number, **order.quote_data} if order.quote_data else None
        ),
        confirmation=order.confirmation,
        submitted_by=order.submitted_by,
        applied=order.applied_quote,
        rejection=order.rejection,
        version=order.version,
        history=[history_entry(e) for e in events],
    )
