"""Every business rule the domain enforces has its own exception type here.

Each carries a stable ``rule`` code (kebab-case, part of the public contract: the API and CLI
print it) and a ``kind`` that tells the adapters which family of failure it is, so that the
mapping to HTTP status codes or exit codes lives in one place outside the domain.
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar


class ErrorKind(Enum):
    """The families of domain failure; adapters map each to one status code."""

    RULE = "rule"  # the request breaks a business rule (HTTP 422)
    CONFLICT = "conflict"  # the state moved on; re-read and retry (HTTP 409)
    NOT_FOUND = "not-found"  # no such thing for this MSP (HTTP 404)


class DomainError(Exception):
    """Base of every domain error."""

    rule: ClassVar[str] = "domain-error"
    kind: ClassVar[ErrorKind] = ErrorKind.RULE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class RuleViolation(DomainError):
    kind = ErrorKind.RULE


class Conflict(DomainError):
    kind = ErrorKind.CONFLICT


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


# --- selecting options -------------------------------------------------------------------


class PrimaryProductNotInPriceList(RuleViolation):
    rule = "primary-product-not-in-price-list"


class UnknownProduct(RuleViolation):
    rule = "unknown-product"


class ProductNamedTwice(RuleViolation):
    rule = "product-named-twice"


class ProductChangeWithSeatDowngrade(RuleViolation):
    rule = "product-change-with-seat-downgrade"


class AddOnNotEnabled(RuleViolation):
    rule = "add-on-not-enabled-in-agreement"


class AddOnAlreadyActive(RuleViolation):
    rule = "add-on-already-active"


class TransitionNotAllowed(RuleViolation):
    rule = "transition-not-allowed"


class SeatsBelowMinimum(RuleViolation):
    rule = "seats-below-minimum"


class UnknownImplementationLead(RuleViolation):
    rule = "unknown-implementation-lead"


class UnknownUser(RuleViolation):
    rule = "unknown-user"


class NoContractedPrice(RuleViolation):
    rule = "no-contracted-price"


class NothingToChange(RuleViolation):
    rule = "nothing-to-change"


# --- the order's life cycle ----------------------------------------------------------------


class OptionsRequired(RuleViolation):
    rule = "options-required"


class ReviewRequired(RuleViolation):
    rule = "current-review-required"


class ConfirmationsIncomplete(RuleViolation):
    rule = "both-confirmations-required"


class ConfirmationRequired(RuleViolation):
    rule = "confirmation-of-latest-review-required"


class OrderImmutable(Conflict):
    rule = "submitted-order-is-immutable"


class OrderCancelled(Conflict):
    rule = "order-is-cancelled"


class PricedChangeDiffersFromReview(RuleViolation):
    rule = "priced-change-differs-from-review"


class PriceChangedSinceReview(Conflict):
    rule = "price-lock"


class AccountChangedSinceReview(Conflict):
    rule = "account-changed-since-review"


class OrderAlreadyApplied(Conflict):
    rule = "order-already-applied"


class OutcomeAlreadyRecorded(Conflict):
    rule = "order-outcome-already-recorded"


class AttachmentChanged(Conflict):
    rule = "attachment-is-immutable"


class NotApplied(Conflict):
    rule = "order-not-applied"


# --- reference data and users --------------------------------------------------------------


class UserAlreadyExists(Conflict):
    rule = "user-already-exists"


class ReferenceDataInvalid(RuleViolation):
    rule = "reference-data-invalid"


class WebhookUrlNotAllowed(RuleViolation):
    rule = "webhook-url-not-allowed"


class UnknownWebhookEventType(RuleViolation):
    rule = "unknown-webhook-event-type"


class WebhookNotFound(NotFound):
    rule = "webhook-not-found"


class WebhookDeliveryNotFound(NotFound):
    rule = "webhook-delivery-not-found"


class CustomerNotFound(NotFound):
    rule = "customer-not-found"


class OrderNotFound(NotFound):
    rule = "order-not-found"


class AttachmentNotFound(NotFound):
    rule = "attachment-not-found"
