"""The notifier: for each applied order, the addendum (stored on the customer) and two emails.

Idempotent end to end: the addendum renders to the same bytes and is stored once; each
email is claimed in the delivery ledger before it is sent and never sent again once sent.
No email holds up another: a send that fails is recorded on the order (with its next
attempt) and scheduled in the ledger, and the notifier goes on with the next order. Its
retry worker (:meth:`Notifier.run_until`) sends what is due, takes over the claims of
notifiers that died mid-send, and keeps this notifier's own claims alive.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from changeorders.adapters.correlation import correlated, current
from changeorders.adapters.database import STORE_UNAVAILABLE
from changeorders.adapters.feed import Interest
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
from changeorders.services.notifier.ledger import Claim, DeliveryLedger
from changeorders.services.notifier.mail import Email, Refused, SendFailed, Transport, compose
from changeorders.services.notifier.rendering import RenderPool

log = logging.getLogger(__name__)
RETRY_POLL_SECONDS = 1.0
Rendered = tuple[Addendum, bytes]
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(minutes=10)


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failed send: 10 s doubling to 10 minutes, for as long as
    it takes (a transient failure is never given up on; a refusal is parked instead)."""
    delay = FIRST_RETRY * float(2 ** min(max(attempts - 1, 0), 16))
    return delay if delay < LONGEST_RETRY else LONGEST_RETRY


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
        renderer: RenderPool | None = None,
    ) -> None:
        self._application = application
        self._attachments = attachments
        self._ledger = ledger
        self._transport = transport
        self._sender = sender
        self.tracking = tracking
        self._copies = addendum_copies
        self._renderer = renderer or RenderPool(1)
        self._stop = threading.Event()

    def handle(
        self, event: PublishedEvent, tracking: Tracking, ready: Rendered | None = None
    ) -> None:
        """An applied order: its addendum and emails, then the position."""
        self.notify(event.aggregate_id, ready)
        self.tracking.insert_tracking(tracking)

    def handle_batch(self, events: list[PublishedEvent], trackings: list[Tracking]) -> None:
        """A poll's applied orders: their addenda rendered side by side on every core, then
        each order's emails and position in turn, exactly as :meth:`handle` does."""
        rendered = self._prerender([event.aggregate_id for event in events])
        for event, tracking in zip(events, trackings, strict=True):
            with correlated(event.correlation_id, order_id=str(event.aggregate_id)):
                self.handle(event, tracking, rendered.get(event.aggregate_id))

    def _prerender(self, order_ids: list[UUID]) -> dict[UUID, Rendered]:
        """The addenda not rendered yet, rendered and stored; each with its PDF."""
        addenda = []
        for order_id in dict.fromkeys(order_ids):
            order = self._application.find_order(order_id)
            if order is not None and order.is_applied:
                addendum = read_addendum(self._application, order_id)
                if self._attachments.get(addendum.attachment_id) is None:
                    addenda.append(addendum)
        if len(addenda) < 2:
            return {}  # one renders in its turn, in this process
        rendered = {}
        for addendum, pdf in zip(addenda, self._renderer.render(addenda), strict=True):
            self._store(addendum, pdf)
            rendered[addendum.order_id] = (addendum, pdf)
        return rendered

    def notify(self, order_id: UUID, ready: Rendered | None = None) -> None:
        """``ready``: the order's addendum and PDF, when a batch has just rendered them."""
        order = self._application.find_order(order_id)
        if order is None or not order.is_applied:
            return
        if ready is None:
            addendum = read_addendum(self._application, order_id)
            ready = (addendum, self._addendum(addendum))
        addendum, pdf = ready
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
        self._store(addendum, pdf)
        return pdf

    def _store(self, addendum: Addendum, pdf: bytes) -> None:
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

    def _deliver(self, order_id: UUID, email: Email) -> None:
        """Send the email if it is this notifier's to send now; never wait for it."""
        claim = self._ledger.claim(email.message_id, str(order_id), email.role, email.recipient)
        if claim is Claim.SENT:  # sent before: make sure the order says so
            self._application.record_notification(
                order_id, email.role, email.recipient, email.message_id
            )
        if claim is not Claim.CLAIMED:
            return  # another notifier is on it, or it waits for its turn
        try:
            self._transport.send(email)
        except SendFailed as exc:
            self._failed(order_id, email, exc)
            return
        self._record_sent(email)
        EMAILS.labels(email.role, "sent").inc()
        log.info("email sent", extra={"role": email.role, "message_id": email.message_id})
        self._application.record_notification(
            order_id, email.role, email.recipient, email.message_id
        )

    def _failed(self, order_id: UUID, email: Email, exc: SendFailed) -> None:
        EMAILS.labels(email.role, "refused" if isinstance(exc, Refused) else "failed").inc()
        log.warning("email failed: %s", exc, extra={"role": email.role})
        if isinstance(exc, Refused):
            self._ledger.park(email.message_id, str(exc))
            reason = f"{exc}; parked: retry with `changeorders emails retry`"
        else:
            attempts = self._ledger.attempts(email.message_id)
            next_attempt = datetime.now(UTC) + retry_delay(attempts)
            self._ledger.failed(email.message_id, str(exc), next_attempt)
            reason = f"{exc}; next attempt {next_attempt:%Y-%m-%d %H:%M:%S} UTC"
        self._application.record_notification_failure(order_id, email.role, email.recipient, reason)

    def _record_sent(self, email: Email) -> None:
        """The server accepted it: this notifier knows it went out, so it records that until
        the database takes it, and never sends it again (a stop meanwhile leaves a claim
        that lapses, and one resend with the same Message-ID is the worst case)."""
        attempt = 0
        while True:
            try:
                self._ledger.sent(email.message_id)
                return
            except STORE_UNAVAILABLE as exc:
                attempt += 1
                log.warning("recording %s as sent, again: %s", email.message_id, exc)
                if self._stop.wait(min(5.0, 0.2 * 2**attempt)):
                    raise

    def run_until(self, stop: threading.Event) -> None:
        """The retry worker: keep this notifier's claims alive and send what is due."""
        self._stop = stop
        try:
            self._retry_until(stop)
        finally:
            self._renderer.close()

    def _retry_until(self, stop: threading.Event) -> None:
        renewed = 0.0
        while not stop.is_set():
            try:
                if time.monotonic() - renewed > self._ledger.lease.total_seconds() / 3:
                    self._ledger.renew()
                    renewed = time.monotonic()
                self.retry_due()
            except STORE_UNAVAILABLE as exc:
                log.warning("notifier retries wait for the database: %s", exc)
            stop.wait(RETRY_POLL_SECONDS)

    def retry_due(self) -> int:
        """Send every email whose turn has come; return how many were tried."""
        due = self._ledger.due()
        for item in due:
            order_id = UUID(item.order_id)
            addendum = read_addendum(self._application, order_id)
            for email in compose(addendum, self._addendum(addendum), self._sender):
                if email.message_id == item.message_id:
                    self._deliver(order_id, email)
        return len(due)
