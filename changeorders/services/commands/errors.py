"""Errors of the commands service layer (the domain's own live in the domain)."""

from __future__ import annotations

from changeorders.domain.errors import Conflict


class ServiceError(Exception):
    """Base of the commands service's own failures."""


class NotAuthenticated(ServiceError):
    """No token, or a token that matches no MSP."""


class ConcurrentModification(Conflict):
    """Someone else changed the aggregate between our read and our write."""

    rule = "concurrent-modification"


class IdempotencyKeyReused(ServiceError):
    """The same idempotency key came back with a different request."""

    rule = "idempotency-key-reused"


class IdempotencyKeyInFlight(ServiceError):
    """A request with this idempotency key is still being processed."""

    rule = "idempotency-key-in-flight"


class ReferenceDataMissing(ServiceError):
    """The store lacks reference data a command needs: a set-up fault, not bad input."""
