"""Reference data: the price list must be consistent, and money never goes through float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from changeorders.domain.catalogue import PriceList
from changeorders.domain.errors import ReferenceDataInvalid
from changeorders.domain.money import parse_price
from tests.domain.conftest import PRICE_LIST


def test_price_list_round_trips_through_its_stored_shape() -> None:
    assert PriceList.from_dict(PRICE_LIST.to_dict()) == PRICE_LIST


def test_transition_to_an_add_on_is_rejected() -> None:
    data = PRICE_LIST.to_dict()
    data["transitions"]["ESS"]["add_to"] = ["AWT"]
    with pytest.raises(ReferenceDataInvalid, match="AWT"):
        PriceList.from_dict(data)


def test_malformed_price_list_is_rejected() -> None:
    with pytest.raises(ReferenceDataInvalid):
        PriceList.from_dict({"version": "x", "products": [{"code": "A"}]})


def test_prices_are_parsed_from_strings_never_floats() -> None:
    assert parse_price("3.3575") == Decimal("3.3575")
    with pytest.raises(ValueError, match="float"):
        parse_price(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="price"):
        parse_price("-1")
