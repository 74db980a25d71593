"""Domain objects to the published views of :mod:`changeorders.schemas.views`."""

from __future__ import annotations

from typing import Any

from changeorders.adapters.publishing import actor_of, event_type
from changeorders.domain.agreement import AUTHORITY_STATEMENT, Agreement, sha256_text
from changeorders.domain.catalogue import PriceList, ProductKind
from changeorders.domain.msp import Msp
from changeorders.domain.offer import Offer, PricedProduct
from changeorders.domain.order import ChangeOrder
from changeorders.schemas.views import (
    AddOnOption,
    Catalogue,
    CatalogueProduct,
    Confirmations,
    CustomerOptions,
    HistoryEntry,
    LeadOptions,
    MsaView,
    OrderView,
    PricedProductView,
    PrimaryOptions,
    QuoteLineView,
    ReviewView,
    SeatOptions,
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


def _priced(product: PricedProduct) -> dict[str, Any]:
    return {
        "code": product.code,
        "name": product.name,
        "kind": product.kind.value,
        "list_price": product.list_price,
        "unit_price": product.unit_price,
    }


def options(offer: Offer, msp: Msp) -> CustomerOptions:
    account = offer.account
    return CustomerOptions(
        customer=account.customer_id,
        name=account.name,
        primary_products=list(account.primary_products),
        add_ons=list(account.add_ons),
        primary=PrimaryOptions(
            keep=[
                PricedProductView(**_priced(p))
                for p in offer.current
                if p.code in account.primary_products
            ],
            add_to=[PricedProductView(**_priced(p)) for p in offer.add_to],
            select_new=[PricedProductView(**_priced(p)) for p in offer.select_new],
        ),
        add_on_options=[AddOnOption(**_priced(a.product), active=a.active) for a in offer.add_ons],
        seats=SeatOptions(
            current=account.seats,
            minimum_seats=account.seats + offer.minimum_seat_adjustment,
            minimum_adjustment=offer.minimum_seat_adjustment,
            minimum_adjustment_with_product_change=offer.minimum_seat_adjustment_with_product_change,
        ),
        implementation_lead=LeadOptions(
            current=account.implementation_lead,
            users=[UserView(**msp.users[u]) for u in sorted(offer.users)],
            create_user="POST /v1/users",
        ),
        confirmations=Confirmations(
            msa=MsaView(msa_id=offer.msa.msa_id, title=offer.msa.title, sha256=offer.msa.sha256),
            authority_statement=AUTHORITY_STATEMENT,
            authority_sha256=sha256_text(AUTHORITY_STATEMENT),
        ),
        price_list_version=offer.price_list_version,
        agreement_version=offer.agreement_version,
        account_version=account.version,
        blocked=offer.blocked,
    )


def catalogue(price_list: PriceList, agreement: Agreement) -> Catalogue:
    products = []
    for code in sorted(price_list.products):
        product, unit = price_list.products[code], agreement.contracted_price(code)
        if unit is None:
            continue  # not contracted: this MSP cannot order it
        enabled = product.kind is ProductKind.PRIMARY or code in agreement.enabled_add_ons
        products.append(
            CatalogueProduct(
                code=code,
                name=product.name,
                kind=product.kind.value,
                list_price=product.list_price,
                unit_price=unit,
                enabled=enabled,
            )
        )
    transitions = {
        code: {"add_to": sorted(t.add_to), "replace_with": sorted(t.replace_with)}
        for code, t in sorted(price_list.transitions.items())
    }
    return Catalogue(
        price_list_version=price_list.version,
        agreement_version=agreement.version,
        products=products,
        transitions=transitions,
    )
