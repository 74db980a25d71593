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


class ReadOnlyToken(NotAuthenticated):
    """An auditor's token: it reads what its scope covers and commands nothing."""

    rule = "auditor-token-is-read-only"


class AuditRequestInvalid(ApplicationError):
    """An audit question the log cannot answer as asked (a size beyond it, an unknown event)."""

    def __init__(self, message: str, rule: str = "audit-request-invalid") -> None:
        super().__init__(message)
        self.rule = rule


class EvidenceBroken(ApplicationError):
    """The stored log no longer matches what was hashed or signed: reported, never signed."""
