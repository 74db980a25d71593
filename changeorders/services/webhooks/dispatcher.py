"""The webhook dispatcher: sends due deliveries, signed per Standard Webhooks.

Several deliveries travel at once (a thread pool), at most one per endpoint, so a slow or
dead endpoint holds one worker and delays nobody else. A delivery is leased before it is
sent; 2xx marks it delivered, anything else (an error status, a redirect, which is never
followed, a timeout, a refused connection) schedules its next attempt on its own backoff,
until its retry window has passed: then it is parked, to be sent again on request.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx2
from standardwebhooks import Webhook

from changeorders.adapters.database import STORE_UNAVAILABLE
from changeorders.adapters.metrics import WEBHOOK_DELIVERIES
from changeorders.adapters.webhooks import Claimed, WebhookStore, now
from changeorders.domain.webhooks import RETRY_WINDOW, retry_delay

log = logging.getLogger(__name__)
IDLE_SECONDS = 0.2


@dataclass(frozen=True)
class DispatchSettings:
    owner: str  # this process, for the leases
    workers: int = 4
    timeout_seconds: float = 10.0
    retry_window: timedelta = RETRY_WINDOW

    @property
    def lease(self) -> timedelta:
        """Longer than any one attempt can take."""
        return timedelta(seconds=self.timeout_seconds * 3 + 5)


class WebhookDispatcher:
    def __init__(self, store: WebhookStore, settings: DispatchSettings) -> None:
        self._store = store
        self._settings = settings
        timeout = httpx2.Timeout(
            settings.timeout_seconds, connect=min(5.0, settings.timeout_seconds)
        )
        self._client = httpx2.Client(timeout=timeout, follow_redirects=False)
        self._busy: dict[str, Future[None]] = {}  # endpoint -> its delivery in flight

    def run_until(self, stop: threading.Event) -> None:
        with ThreadPoolExecutor(self._settings.workers, "webhook") as pool:
            try:
                while not stop.is_set():
                    if not self.dispatch(pool):
                        stop.wait(IDLE_SECONDS)
            finally:
                for future in list(self._busy.values()):
                    future.cancel()
        self._client.close()

    def dispatch(self, pool: ThreadPoolExecutor) -> int:
        """Lease what is due for the free workers and hand it to them; return how many."""
        self._busy = {w: f for w, f in self._busy.items() if not f.done()}
        free = self._settings.workers - len(self._busy)
        if free <= 0:
            return 0
        try:
            claimed = self._store.claim_due(
                self._settings.owner, self._settings.lease, set(self._busy), free
            )
        except STORE_UNAVAILABLE as exc:
            log.warning("webhooks: the database did not answer: %s", exc)
            return 0
        for item in claimed:
            self._busy[item.delivery.webhook_id] = pool.submit(self.send, item)
        return len(claimed)

    def send(self, item: Claimed) -> None:
        """One attempt; its outcome recorded on the delivery."""
        delivery = item.delivery
        sent_at = now()
        headers = {
            "webhook-id": delivery.delivery_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(item.secret).sign(
                delivery.delivery_id, sent_at, delivery.payload
            ),
            "content-type": "application/json",
        }
        try:
            response = self._client.post(item.url, content=delivery.payload, headers=headers)
            status: int | None = response.status_code
            error = None if response.is_success else f"HTTP {response.status_code}"
        except httpx2.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        try:
            self._record(item, status, error)
        except STORE_UNAVAILABLE as exc:  # the lease lapses and the delivery is sent again
            log.warning("webhooks: could not record %s: %s", delivery.delivery_id, exc)

    def _record(self, item: Claimed, status: int | None, error: str | None) -> None:
        delivery = item.delivery
        if error is None and status is not None:
            self._store.delivered(delivery.delivery_id, status)
            WEBHOOK_DELIVERIES.labels("delivered").inc()
            return
        retry_at = now() + retry_delay(delivery.attempts + 1)
        if retry_at - datetime.fromisoformat(delivery.retry_since) > self._settings.retry_window:
            self._store.failed(delivery.delivery_id, error or "failed", status, None)
            WEBHOOK_DELIVERIES.labels("parked").inc()
            log.warning(
                "webhook %s parked after %d attempts: %s",
                delivery.delivery_id,
                delivery.attempts + 1,
                error,
            )
            return
        self._store.failed(delivery.delivery_id, error or "failed", status, retry_at)
        WEBHOOK_DELIVERIES.labels("retrying").inc()
