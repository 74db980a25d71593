"""The ChangeOrder aggregate: select options, review, confirm, submit (or cancel).

Each public method checks its rules and then emits exactly one event. The order's status
(:class:`OrderStatus`, the one vocabulary every endpoint and the CLI use) moves:

    draft --select--> selected --review--> reviewed --confirm--> confirmed --submit--> submitted
      any step before submit --cancel--> cancelled; selecting again voids review and confirm.
    submitted --processing--> applied | rejected (exactly one outcome per order)
    applied --both emails sent--> notified
    applied --an email failed--> notification-failed --retried, both sent--> notified
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate, event

from changeorders.domain import errors
from changeorders.domain.agreement import AUTHORITY_STATEMENT, Agreement, sha256_text
from changeorders.domain.options import Options
from changeorders.domain.pricing import Quote, price
from changeorders.domain.rules import OrderContext, check_options


class OrderStatus(StrEnum):
    """The one status vocabulary: every endpoint, view and the CLI say these words."""

    DRAFT = "draft"
    SELECTED = "selected"
    REVIEWED = "reviewed"
    CONFIRMED = "confirmed"
    SUBMITTED = "submitted"
    APPLIED = "applied"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    NOTIFIED = "notified"
    NOTIFICATION_FAILED = "notification-failed"


OPEN_STATUSES = frozenset(
    {OrderStatus.DRAFT, OrderStatus.SELECTED, OrderStatus.REVIEWED, OrderStatus.CONFIRMED}
)
#: The order is applied to its account; these follow its two emails.
APPLIED_STATUSES = frozenset(
    {OrderStatus.APPLIED, OrderStatus.NOTIFIED, OrderStatus.NOTIFICATION_FAILED}
)
EMAIL_ROLES = ("submitter", "lead")


def status_after_emails(states: dict[str, str | None]) -> OrderStatus:
    """An applied order's status from its emails' states (``sent``, ``failed`` or none)."""
    if all(states.get(role) == "sent" for role in EMAIL_ROLES):
        return OrderStatus.NOTIFIED
    if "failed" in states.values():
        return OrderStatus.NOTIFICATION_FAILED
    return OrderStatus.APPLIED


@dataclass(frozen=True)
class StatusChange:
    """The order's status changed to ``status`` with the event of ``version``."""

    version: int
    status: OrderStatus
    at: datetime
    rejection: dict[str, str] | None


def status_changes(history: Iterable[Any]) -> list[StatusChange]:
    """Every change of an order's status, replaying its events in order."""
    changes: list[StatusChange] = []
    order: ChangeOrder | None = None
    for step in history:
        order = step.mutate(order)
        assert isinstance(order, ChangeOrder)
        if not changes or changes[-1].status is not order.status:
            at, rejection = step.timestamp, order.rejection
            changes.append(StatusChange(order.version, order.status, at, rejection))
    return changes


class ChangeOrder(Aggregate):
    """One MSP user's change order for one customer account."""

    @event("Drafted")
    def __init__(self, msp_key: str, customer_key: str, created_by: str) -> None:
        self.msp_key = msp_key
        self.customer_key = customer_key
        self.created_by = created_by
        self.status = OrderStatus.DRAFT
        self.options_data: dict[str, Any] | None = None
        self.review_number = 0
        self.quote_data: dict[str, Any] | None = None
        self.confirmation: dict[str, Any] | None = None
        self.submitted_by: str | None = None
        self.applied_quote: dict[str, Any] | None = None
        self.rejection: dict[str, str] | None = None
        self.addendum: dict[str, str] | None = None
        self.notifications: dict[str, dict[str, str]] = {}

    # --- commands --------------------------------------------------------------------------

    def select_options(self, options: Options, ctx: OrderContext, selected_by: str) -> None:
        self._require_open()
        check_options(options, ctx)
        self._options_selected(options.to_dict(), selected_by)

    def review(self, ctx: OrderContext, reviewed_by: str) -> Quote:
        self._require_open()
        options = self.options
        if options is None:
            raise errors.OptionsRequired("select the order's options before reviewing it")
        check_options(options, ctx)
        quote = price(ctx.account, ctx.account.apply(options), ctx.price_list, ctx.agreement)
        self._reviewed(self.review_number + 1, quote.to_dict(), reviewed_by)
        return quote

    def confirm(
        self, accept_msa: bool, confirm_authority: bool, agreement: Agreement, confirmed_by: str
    ) -> None:
        self._require_open()
        if self.status is not OrderStatus.REVIEWED:
            raise errors.ReviewRequired(
                "confirm needs a current review: review the order (again) first"
            )
        missing = [
            name
            for name, ticked in (
                ("accept_msa", accept_msa),
                ("confirm_authority", confirm_authority),
            )
            if not ticked
        ]
        if missing:
            raise errors.ConfirmationsIncomplete(
                "both confirmations must be ticked; missing: " + ", ".join(missing)
            )
        self._confirmed(
            review_number=self.review_number,
            msa_id=agreement.msa.msa_id,
            msa_title=agreement.msa.title,
            msa_sha256=agreement.msa.sha256,
            authority_statement=AUTHORITY_STATEMENT,
            authority_sha256=sha256_text(AUTHORITY_STATEMENT),
            confirmed_by=confirmed_by,
        )

    def submit(self, ctx: OrderContext, submitted_by: str) -> None:
        self._require_open()
        if self.status is not OrderStatus.CONFIRMED or self.confirmation is None:
            raise errors.ConfirmationRequired(
                "submit needs a confirmation of the latest review: confirm the order first"
            )
        self._check_price_lock(ctx)
        self._submitted(self.review_number, submitted_by)

    def record_applied(self, quote: Quote, account_version: int) -> None:
        """Processing applied the order; ``quote`` is priced on the account it was applied to."""
        self.require_outcome_pending()
        self._applied(quote.to_dict(), account_version)

    def record_rejected(self, rule: str, reason: str) -> None:
        self.require_outcome_pending()
        self._rejected(rule, reason)

    def record_addendum(self, attachment_id: str, sha256: str) -> None:
        """The addendum PDF of an applied order is stored on the customer."""
        self._require_applied()
        if self.addendum is None:
            self._addendum_issued(attachment_id, sha256)

    def record_notification(self, role: str, recipient: str, message_id: str) -> None:
        """One of the two emails went out (``role``: ``submitter`` or ``lead``)."""
        self._require_applied()
        if self.notifications.get(role, {}).get("state") != "sent":
            self._notification_sent(role, recipient, message_id)

    def record_notification_failure(self, role: str, recipient: str, reason: str) -> None:
        """An email could not be sent yet; it is retried. Recorded once per reason."""
        self._require_applied()
        current = self.notifications.get(role, {})
        if current.get("state") != "sent" and current.get("reason") != reason:
            self._notification_failed(role, recipient, reason)

    def cancel(self, cancelled_by: str, reason: str) -> None:
        self._require_open()
        self._cancelled(cancelled_by, reason)

    # --- queries ---------------------------------------------------------------------------

    @property
    def options(self) -> Options | None:
        return Options.from_dict(self.options_data) if self.options_data else None

    @property
    def quote(self) -> Quote | None:
        return Quote.from_dict(self.quote_data) if self.quote_data else None

    @property
    def is_applied(self) -> bool:
        return self.status in APPLIED_STATUSES

    # --- rules of the life cycle -------------------------------------------------------------

    def _require_open(self) -> None:
        if self.status is OrderStatus.CANCELLED:
            raise errors.OrderCancelled(f"order {self.id} is cancelled")
        if self.status not in OPEN_STATUSES:
            raise errors.OrderImmutable(f"order {self.id} is submitted and can no longer change")

    def _require_applied(self) -> None:
        if not self.is_applied:
            raise errors.NotApplied(f"order {self.id} is {self.status.value}, not applied")

    def require_outcome_pending(self) -> None:
        if self.status is not OrderStatus.SUBMITTED:
            raise errors.OutcomeAlreadyRecorded(
                f"order {self.id} is {self.status.value}: its outcome is already recorded"
            )

    def _check_price_lock(self, ctx: OrderContext) -> None:
        quote = self.quote
        assert quote is not None  # a confirmed order always has its review's quote
        if (
            quote.price_list_version != ctx.price_list.version
            or quote.agreement_version != ctx.agreement.version
        ):
            raise errors.PriceChangedSinceReview(
                f"prices changed since the review (price list {quote.price_list_version} -> "
                f"{ctx.price_list.version}, agreement v{quote.agreement_version} -> "
                f"v{ctx.agreement.version}): review the order again"
            )
        if quote.account_version != ctx.account.version:
            raise errors.AccountChangedSinceReview(
                f"customer {self.customer_key} changed since the review: review the order again"
            )

    # --- events ------------------------------------------------------------------------------

    @event("OptionsSelected")
    def _options_selected(self, options: dict[str, Any], selected_by: str) -> None:
        self.options_data = options
        self.quote_data = None
        self.confirmation = None
        self.status = OrderStatus.SELECTED

    @event("Reviewed")
    def _reviewed(self, review_number: int, quote: dict[str, Any], reviewed_by: str) -> None:
        self.review_number = review_number
        self.quote_data = quote
        self.confirmation = None
        self.status = OrderStatus.REVIEWED

    @event("Confirmed")
    def _confirmed(
        self,
        review_number: int,
        msa_id: str,
        msa_title: str,
        msa_sha256: str,
        authority_statement: str,
        authority_sha256: str,
        confirmed_by: str,
    ) -> None:
        self.confirmation = {
            "review_number": review_number,
            "msa_id": msa_id,
            "msa_title": msa_title,
            "msa_sha256": msa_sha256,
            "authority_statement": authority_statement,
            "authority_sha256": authority_sha256,
            "confirmed_by": confirmed_by,
        }
        self.status = OrderStatus.CONFIRMED

    @event("Submitted")
    def _submitted(self, review_number: int, submitted_by: str) -> None:
        self.submitted_by = submitted_by
        self.status = OrderStatus.SUBMITTED

    @event("Applied")
    def _applied(self, quote: dict[str, Any], account_version: int) -> None:
        self.applied_quote = quote
        self.status = OrderStatus.APPLIED

    @event("Rejected")
    def _rejected(self, rule: str, reason: str) -> None:
        self.rejection = {"rule": rule, "reason": reason}
        self.status = OrderStatus.REJECTED

    @event("AddendumIssued")
    def _addendum_issued(self, attachment_id: str, sha256: str) -> None:
        self.addendum = {"attachment_id": attachment_id, "sha256": sha256}

    @event("NotificationSent")
    def _notification_sent(self, role: str, recipient: str, message_id: str) -> None:
        self.notifications[role] = {
            "state": "sent",
            "recipient": recipient,
            "message_id": message_id,
        }
        self._follow_emails()

    @event("NotificationFailed")
    def _notification_failed(self, role: str, recipient: str, reason: str) -> None:
        self.notifications[role] = {"state": "failed", "recipient": recipient, "reason": reason}
        self._follow_emails()

    def _follow_emails(self) -> None:
        self.status = status_after_emails(
            {role: sent.get("state") for role, sent in self.notifications.items()}
        )

    @event("Cancelled")
    def _cancelled(self, cancelled_by: str, reason: str) -> None:
        self.status = OrderStatus.CANCELLED
