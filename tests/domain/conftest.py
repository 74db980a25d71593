"""Pure fixtures for the domain: a small price list, an agreement and an account."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from changeorders.domain.agreement import Agreement, MsaReference
from changeorders.domain.catalogue import PriceList, Product, ProductKind, Transitions
from changeorders.domain.options import AccountState, Options, PrimaryChoice
from changeorders.domain.rules import OrderContext

P, A = ProductKind.PRIMARY, ProductKind.ADD_ON

PRICE_LIST = PriceList(
    version="2026.11",
    products={
        "ESS": Product("ESS", "Essentials", P, Decimal("2.40")),
        "ADV": Product("ADV", "Advanced", P, Decimal("3.95")),
        "ENT": Product("ENT", "Enterprise", P, Decimal("7.25")),
        "ARC": Product("ARC", "Archive", P, Decimal("2.15")),
        "AWT": Product("AWT", "Awareness", A, Decimal("1.35")),
        "LFS": Product("LFS", "Large File Send", A, Decimal("0.65")),
        "WEB": Product("WEB", "Web Security", A, Decimal("1.75")),
    },
    transitions={
        "ESS": Transitions(add_to=frozenset({"ARC"}), replace_with=frozenset({"ADV", "ENT"})),
        "ADV": Transitions(replace_with=frozenset({"ENT"})),
    },
)

AGREEMENT = Agreement(
    msp_id="northwind",
    version=1,
    prices={
        "ESS": Decimal("2.04"),
        "ADV": Decimal("3.3575"),
        "ENT": Decimal("6.1625"),
        "ARC": Decimal("1.8275"),
        "AWT": Decimal("1.1475"),
        "LFS": Decimal("0.5525"),
        "WEB": Decimal("1.4875"),
    },
    enabled_add_ons=frozenset({"AWT", "LFS"}),
    msa=MsaReference("MSA-1", "Master Services Agreement", "ab" * 32),
)

ACCOUNT = AccountState(
    customer_id="acme",
    msp_id="northwind",
    name="Acme",
    primary_products=("ESS",),
    add_ons=(),
    seats=40,
    implementation_lead="alice",
    version=1,
)


@pytest.fixture
def ctx() -> OrderContext:
    return OrderContext(PRICE_LIST, AGREEMENT, ACCOUNT, frozenset({"alice", "bob"}))


def with_account(ctx: OrderContext, **changes: object) -> OrderContext:
    return replace(ctx, account=replace(ctx.account, **changes))  # type: ignore[arg-type]


def options(
    seats: int = 0,
    lead: str = "alice",
    primary: PrimaryChoice = PrimaryChoice.KEEP,
    products: tuple[str, ...] = (),
    add_ons: tuple[str, ...] = (),
) -> Options:
    return Options(seats, lead, primary, products, add_ons)
