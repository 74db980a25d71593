"""Errors of the application layer (the domain's own live in the domain)."""

from __future__ import annotations

from changeorders.domain.errors import Conflict


class ApplicationError(Exception):
    """Base of the application layer's own failures."""


class NotAuthenticated(ApplicationError):
    """No token, or a token that matches no MSP."""


class ConcurrentModification(Conflict):
    """Someone else changed the aggregate between our read and our write."""

    rule = "concurrent-modification"


class ReferenceDataMissing(ApplicationError):
    """The store lacks reference data a command needs: a set-up fault, not bad input."""
