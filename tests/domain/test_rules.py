"""Every rule of DESIGN.md, each with its own test and its own named error."""

from __future__ import annotations

import pytest

from changeorders.domain import errors
from changeorders.domain.options import PrimaryChoice
from changeorders.domain.rules import OrderContext, check_options
from tests.domain.conftest import options, with_account

ADD_TO, SELECT_NEW = PrimaryChoice.ADD_TO, PrimaryChoice.SELECT_NEW


def test_seat_increase_is_allowed(ctx: OrderContext) -> None:
    check_options(options(seats=+5), ctx)


def test_seat_decrease_alone_is_allowed(ctx: OrderContext) -> None:
    check_options(options(seats=-39), ctx)


def test_primary_product_missing_from_price_list_is_refused(ctx: OrderContext) -> None:
    legacy = with_account(ctx, primary_products=("LEGACY",))
    with pytest.raises(errors.PrimaryProductNotInPriceList, match="LEGACY"):
        check_options(options(seats=1), legacy)


def test_seat_downgrade_with_product_change_is_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.ProductChangeWithSeatDowngrade):
        check_options(options(seats=-1, primary=SELECT_NEW, products=("ADV",)), ctx)


def test_seat_downgrade_with_new_add_on_is_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.ProductChangeWithSeatDowngrade):
        check_options(options(seats=-1, add_ons=("AWT",)), ctx)


def test_add_on_not_enabled_in_agreement_is_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.AddOnNotEnabled, match="WEB"):
        check_options(options(add_ons=("WEB",)), ctx)


def test_add_on_already_on_the_account_is_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.AddOnAlreadyActive):
        check_options(options(add_ons=("AWT",)), with_account(ctx, add_ons=("AWT",)))


def test_add_to_needs_a_transition_from_the_existing_primary(ctx: OrderContext) -> None:
    check_options(options(primary=ADD_TO, products=("ARC",)), ctx)
    with pytest.raises(errors.TransitionNotAllowed, match="ADV"):
        check_options(options(primary=ADD_TO, products=("ADV",)), ctx)


def test_select_new_needs_a_transition_from_the_existing_primary(ctx: OrderContext) -> None:
    check_options(options(primary=SELECT_NEW, products=("ENT",)), ctx)
    with pytest.raises(errors.TransitionNotAllowed):
        check_options(options(primary=SELECT_NEW, products=("ARC",)), ctx)


def test_select_new_to_the_same_product_is_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.TransitionNotAllowed):
        check_options(options(primary=SELECT_NEW, products=("ESS",)), ctx)


def test_unknown_product_codes_are_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.UnknownProduct):
        check_options(options(primary=ADD_TO, products=("NOPE",)), ctx)
    with pytest.raises(errors.UnknownProduct):
        check_options(options(add_ons=("ESS",)), ctx)


def test_select_new_takes_exactly_one_product(ctx: OrderContext) -> None:
    with pytest.raises(errors.UnknownProduct):
        check_options(options(primary=SELECT_NEW, products=("ADV", "ENT")), ctx)


def test_seats_never_below_one(ctx: OrderContext) -> None:
    with pytest.raises(errors.SeatsBelowMinimum):
        check_options(options(seats=-40), ctx)


def test_lead_must_be_an_existing_user_of_the_msp(ctx: OrderContext) -> None:
    with pytest.raises(errors.UnknownImplementationLead) as raised:
        check_options(options(seats=1, lead="mallory"), ctx)
    assert raised.value.hint is not None
    assert "create" in raised.value.hint


def test_changing_only_the_lead_is_a_change(ctx: OrderContext) -> None:
    check_options(options(lead="bob"), ctx)


def test_an_order_that_changes_nothing_is_refused(ctx: OrderContext) -> None:
    with pytest.raises(errors.NothingToChange):
        check_options(options(), ctx)


def test_every_rule_error_has_its_own_rule_code() -> None:
    classes = _all_subclasses(errors.DomainError)
    codes = [cls.rule for cls in classes if "rule" in cls.__dict__]
    assert len(codes) == len(set(codes))


def _all_subclasses(cls: type[errors.DomainError]) -> list[type[errors.DomainError]]:
    found: list[type[errors.DomainError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def test_an_add_on_named_twice_is_refused_with_its_own_rule(ctx: OrderContext) -> None:
    with pytest.raises(errors.ProductNamedTwice, match="'AWT' named more than once"):
        check_options(options(seats=1, add_ons=("AWT", "AWT")), ctx)


def test_a_primary_product_named_twice_is_refused_with_its_own_rule(ctx: OrderContext) -> None:
    with pytest.raises(errors.ProductNamedTwice, match="'ARC'"):
        check_options(options(seats=1, primary=ADD_TO, products=("ARC", "ARC")), ctx)
