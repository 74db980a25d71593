"""MSPs, their users and customers, the API tokens that act for them, and the auditors' tokens
that read what they did."""

from __future__ import annotations

import hmac
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from changeorders.domain import errors, ids


class Msp(Aggregate):
    """A managed service provider: its users (possible leads and submitters) and customers."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return ids.msp_id(key)

    @event("Registered")
    def __init__(self, key: str, name: str) -> None:
        self.key = key
        self.name = name
        self.users: dict[str, dict[str, Any]] = {}
        self.customers: list[str] = []

    def create_user(self, user_id: str, name: str, email: str, created_by: str) -> None:
        if user_id in self.users:
            raise errors.UserAlreadyExists(f"user {user_id!r} already exists in MSP {self.key}")
        self._user_created(user_id, name, email, created_by)

    @event("UserCreated")
    def _user_created(self, user_id: str, name: str, email: str, created_by: str) -> None:
        self.users[user_id] = {"user_id": user_id, "name": name, "email": email}

    def require_user(self, user_id: str) -> None:
        if user_id not in self.users:
            raise errors.UnknownUser(
                f"{user_id!r} is not a user of MSP {self.key}",
                hint="create them as a user first",
            )

    def add_customer(self, customer_key: str) -> None:
        if customer_key not in self.customers:
            self._customer_added(customer_key)

    @event("CustomerAdded")
    def _customer_added(self, customer_key: str) -> None:
        self.customers.append(customer_key)


class ApiToken(Aggregate):
    """An MSP-scoped API token, stored only as its SHA-256 and addressed by it."""

    @staticmethod
    def create_id(token_sha256: str) -> UUID:
        return ids.api_token_id(token_sha256)

    @event("Issued")
    def __init__(self, token_sha256: str, msp_key: str) -> None:
        self.token_sha256 = token_sha256
        self.msp_key = msp_key

    def matches(self, token_sha256: str) -> bool:
        return hmac.compare_digest(self.token_sha256, token_sha256)


class AuditorToken(Aggregate):
    """An auditor's read-only token, for one MSP or (``msp_key`` None) for every MSP; stored
    only as its SHA-256 and addressed by it."""

    @staticmethod
    def create_id(token_sha256: str) -> UUID:
        return ids.auditor_token_id(token_sha256)

    @event("Issued")
    def __init__(self, token_sha256: str, auditor: str, msp_key: str | None) -> None:
        self.token_sha256 = token_sha256
        self.auditor = auditor
        self.msp_key = msp_key

    def matches(self, token_sha256: str) -> bool:
        return hmac.compare_digest(self.token_sha256, token_sha256)
