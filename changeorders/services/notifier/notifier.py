"""The notifier: for each applied order, the addendum (stored on the customer) and two emails.

Idempotent end to end: the addendum renders to the same bytes and is stored once; each
email is claimed in the delivery ledger before it is sent and never sent again once sent.
A send that fails is recorded (the order view shows it) and retried with backoff.
"""

from __future__ import annotations

import logging
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from changeorders.adapters.correlation import current
from changeorders.adapters.feed import Interest, Retryable
from changeorders.adapters.metrics import EMAILS
from changeorders.application.application import ChangeOrdersApplication
from changeorders.application.attachments import Attachment, AttachmentStore
from changeorders.domain.order import ChangeOrder
from changeorders.schemas.events import PublishedEvent
from changeorders.services.notifier.addendum import (
    MEDIA_TYPE,
    Addendum,
    read_addendum,
    render_pdf,
    sha256,
)
from changeorders.services.notifier.ledger import DeliveryLedger
from changeorders.services.notifier.mail import Email, SendFailed, Transport, compose

log = logging.getLogger(__name__)


class Notifier:
    name = "notifier"
    interest = Interest(ChangeOrder.Applied)  # type: ignore[attr-defined]

    def __init__(
        self,
        application: ChangeOrdersApplication,
        attachments: AttachmentStore,
        ledger: DeliveryLedger,
        transport: Transport,
        sender: str,
        tracking: TrackingRecorder,
        addendum_copies: Path | None = None,
    ) -> None:
        self._application = application
        self._attachments = attachments
        self._ledger = ledger
        self._transport = transport
        self._sender = sender
        self.tracking = tracking
        self._copies = addendum_copies

    def handle(self, event: PublishedEvent, tracking: Tracking) -> None:
        """An applied order: its addendum and emails, then the position."""
        self.notify(event.aggregate_id)
        self.tracking.insert_tracking(tracking)

    def notify(self, order_id: UUID) -> None:
        order = self._application.find_order(order_id)
        if order is None or not order.is_applied:
            return
        addendum = read_addendum(self._application, order_id)
        pdf = self._addendum(addendum)
        if order.addendum is None:
            self._application.record_addendum(
                order_id, addendum.attachment_id, addendum.file_name, len(pdf), sha256(pdf)
            )
        for email in compose(addendum, pdf, self._sender):
            if correlation_id := current():
                email.message["X-Correlation-ID"] = correlation_id
            self._deliver(order_id, email)

    def _addendum(self, addendum: Addendum) -> bytes:
        """The stored addendum, or a fresh rendering (byte-identical), stored before use."""
        stored = self._attachments.get(addendum.attachment_id)
        if stored is not None:
            return stored.content
        pdf = render_pdf(addendum)
        self._attachments.put(
            Attachment(
                addendum.attachment_id,
                addendum.customer.key,
                str(addendum.order_id),
                addendum.file_name,
                MEDIA_TYPE,
                len(pdf),
                sha256(pdf),
                pdf,
            )
        )
        if self._copies is not None:
            self._copies.mkdir(parents=True, exist_ok=True)
            (self._copies / addendum.file_name).write_bytes(pdf)
        return pdf

    def _deliver(self, order_id: UUID, email: Email) -> None:
        ledger, app = self._ledger, self._application
        if not ledger.claim(email.message_id, str(order_id), email.role, email.recipient):
            if ledger.state(email.message_id) != "sent":
                raise Retryable(f"{email.message_id} is being sent by another notifier")
            app.record_notification(order_id, email.role, email.recipient, email.message_id)
            return
        try:
            self._transport.send(email)
        except SendFailed as exc:
            EMAILS.labels(email.role, "failed").inc()
            log.warning("email failed: %s", exc, extra={"role": email.role})
            ledger.failed(email.message_id, str(exc))
            app.record_notification_failure(order_id, email.role, email.recipient, str(exc))
            raise Retryable(str(exc)) from exc
        ledger.sent(email.message_id)
        EMAILS.labels(email.role, "sent").inc()
        log.info("email sent", extra={"role": email.role, "message_id": email.message_id})
        app.record_notification(order_id, email.role, email.recipient, email.message_id)
