"""An MSP's agreement: contracted prices, enabled add-ons, and the MSA it signed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from changeorders.domain import ids
from changeorders.domain.errors import ReferenceDataInvalid
from changeorders.domain.money import parse_price

AUTHORITY_STATEMENT = (
    "I confirm that I am authorised to place this order on behalf of my organisation."
)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MsaReference:
    """Which master services agreement governs an MSP's orders, pinned by its text's hash."""

    msa_id: str
    title: str
    sha256: str


@dataclass(frozen=True)
class Agreement:
    msp_id: str
    version: int
    prices: Mapping[str, Decimal]
    enabled_add_ons: frozenset[str]
    msa: MsaReference

    def contracted_price(self, code: str) -> Decimal | None:
        return self.prices.get(code)


class MspAgreement(Aggregate):
    """The versioned agreement of one MSP; every amendment is a new version."""

    @staticmethod
    def create_id(msp_key: str) -> UUID:
        return ids.agreement_id(msp_key)

    @event("Signed")
    def __init__(self, msp_key: str, terms: dict[str, Any]) -> None:
        self.msp_key = msp_key
        self.terms = terms
        self.agreement_version = 1

    def amend(self, terms: dict[str, Any]) -> None:
        if terms != self.terms:
            self._amend(terms)

    @event("Amended")
    def _amend(self, terms: dict[str, Any]) -> None:
        self.terms = terms
        self.agreement_version += 1

    @property
    def current(self) -> Agreement:
        return agreement_from_terms(self.msp_key, self.agreement_version, self.terms)


def agreement_terms(
    prices: Mapping[str, str],
    enabled_add_ons: list[str],
    msa_id: str,
    msa_title: str,
    msa_text: str,
) -> dict[str, Any]:
    """The stored shape of an agreement: prices as strings, the MSA pinned by its hash."""
    for code, text in prices.items():
        try:
            parse_price(text)
        except ValueError as exc:
            raise ReferenceDataInvalid(f"contracted price of {code!r}: {exc}") from exc
    return {
        "prices": {code: str(text) for code, text in prices.items()},
        "enabled_add_ons": sorted(enabled_add_ons),
        "msa": {"id": msa_id, "title": msa_title, "sha256": sha256_text(msa_text)},
    }


def agreement_from_terms(msp_key: str, version: int, terms: Mapping[str, Any]) -> Agreement:
    msa = terms["msa"]
    return Agreement(
        msp_id=msp_key,
        version=version,
        prices={code: parse_price(text) for code, text in terms["prices"].items()},
        enabled_add_ons=frozenset(terms["enabled_add_ons"]),
        msa=MsaReference(msa_id=msa["id"], title=msa["title"], sha256=msa["sha256"]),
    )
