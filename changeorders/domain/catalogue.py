"""The price list: products, list prices and the transitions allowed between primaries.

Pure value objects. The price list's ``version`` is the label the price-lock rule compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from changeorders.domain import ids
from changeorders.domain.errors import ReferenceDataInvalid
from changeorders.domain.money import parse_price


class ProductKind(Enum):
    PRIMARY = "primary"
    ADD_ON = "add-on"


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    kind: ProductKind
    list_price: Decimal


@dataclass(frozen=True)
class Transitions:
    """What may happen to an account whose base primary product is a given product."""

    add_to: frozenset[str] = frozenset()
    replace_with: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PriceList:
    version: str
    products: Mapping[str, Product]
    transitions: Mapping[str, Transitions] = field(default_factory=dict)

    def product(self, code: str) -> Product | None:
        return self.products.get(code)

    def is_primary(self, code: str) -> bool:
        product = self.products.get(code)
        return product is not None and product.kind is ProductKind.PRIMARY

    def is_add_on(self, code: str) -> bool:
        product = self.products.get(code)
        return product is not None and product.kind is ProductKind.ADD_ON

    def transitions_from(self, primary: str) -> Transitions:
        return self.transitions.get(primary, Transitions())

    def to_dict(self) -> dict[str, Any]:
        """The shape stored in events and loaded from reference data files."""
        return {
            "version": self.version,
            "products": [
                {
                    "code": p.code,
                    "name": p.name,
                    "kind": p.kind.value,
                    "list_price": str(p.list_price),
                }
                for p in self.products.values()
            ],
            "transitions": {
                code: {"add_to": sorted(t.add_to), "replace_with": sorted(t.replace_with)}
                for code, t in self.transitions.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PriceList:
        try:
            products = {
                p["code"]: Product(
                    code=p["code"],
                    name=p["name"],
                    kind=ProductKind(p["kind"]),
                    list_price=parse_price(p["list_price"]),
                )
                for p in data["products"]
            }
            transitions = {
                code: Transitions(
                    add_to=frozenset(t.get("add_to", ())),
                    replace_with=frozenset(t.get("replace_with", ())),
                )
                for code, t in data.get("transitions", {}).items()
            }
            price_list = cls(str(data["version"]), products, transitions)
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceDataInvalid(f"price list is malformed: {exc!r}") from exc
        price_list.check_consistent()
        return price_list

    def check_consistent(self) -> None:
        """Transitions may only name primary products of this same list."""
        for source, transitions in self.transitions.items():
            for target in {source} | transitions.add_to | transitions.replace_with:
                if not self.is_primary(target):
                    raise ReferenceDataInvalid(
                        f"price list {self.version}: transition {source} -> {target} "
                        "names a product that is not a primary product of this list"
                    )


class Catalogue(Aggregate):
    """The one current price list, and the history of its versions."""

    @staticmethod
    def create_id() -> UUID:
        return ids.catalogue_id()

    @event("Published")
    def __init__(self, price_list: dict[str, Any]) -> None:
        self.price_list_data = price_list

    def publish(self, price_list: PriceList) -> None:
        """Publish a new version; the label must change whenever the content does."""
        if price_list.version == self.current.version:
            raise ReferenceDataInvalid(
                f"price list {price_list.version} differs from the stored one with the same "
                "version label: give a changed price list a new version"
            )
        self._revise(price_list.to_dict())

    @event("Revised")
    def _revise(self, price_list: dict[str, Any]) -> None:
        self.price_list_data = price_list

    @property
    def current(self) -> PriceList:
        """Parsed once per stored version: a kept catalogue serves many commands, and
        parsing it on each was ~6% of a command. The parse is remembered beside the data it
        came from, so a revision (new data) or a copy of the aggregate stays consistent."""
        parsed = self.__dict__.get("_parsed")
        if parsed is None or parsed[0] is not self.price_list_data:
            parsed = (self.price_list_data, PriceList.from_dict(self.price_list_data))
            self.__dict__["_parsed"] = parsed
        return parsed[1]
