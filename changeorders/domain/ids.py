"""Deterministic aggregate ids for reference data, derived from natural keys.

Reference data is addressed by the keys people use (``northwind``, ``acme-dental``); the
event store addresses aggregates by UUID. uuid5 maps one to the other without a lookup.
"""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("7b0d3a1e-6f5c-4c7e-9a43-2f1c0a9b6d11")


def catalogue_id() -> UUID:
    return uuid5(NAMESPACE, "catalogue")


def msp_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"msp:{key}")


def agreement_id(msp_key: str) -> UUID:
    return uuid5(NAMESPACE, f"agreement:{msp_key}")


def customer_id(key: str) -> UUID:
    return uuid5(NAMESPACE, f"customer:{key}")


def api_token_id(token_sha256: str) -> UUID:
    return uuid5(NAMESPACE, f"api-token:{token_sha256}")


def auditor_token_id(token_sha256: str) -> UUID:
    return uuid5(NAMESPACE, f"auditor-token:{token_sha256}")
