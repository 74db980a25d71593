"""Webhooks: which endpoints an MSP may register, what they are sent, and when a failed
delivery is tried again.

Every order status change is an event type ``order.<status>`` (``order.applied``...). An
endpoint must be https (plain http only where the operator allows it, for development).
A delivery that fails is tried again after a delay that doubles from 5 s up to an hour,
for at least :data:`RETRY_WINDOW`; after that it is parked until someone asks for it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from changeorders.domain import errors
from changeorders.domain.order import OrderStatus

EVENT_TYPES = tuple(f"order.{status.value}" for status in OrderStatus)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
RETRY_WINDOW = timedelta(hours=24)
MAX_URL_LENGTH = 2000


def event_type(status: OrderStatus) -> str:
    return f"order.{status.value}"


def check_endpoint(url: str, event_types: Iterable[str], *, allow_http: bool) -> None:
    """An endpoint's URL and event types, or the rule they break."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or len(url) > MAX_URL_LENGTH:
        raise errors.WebhookUrlNotAllowed(
            f"{url!r} is not an absolute {' or '.join(schemes)} URL"
            + ("" if allow_http else ": webhook endpoints must use https")
        )
    if parts.username or parts.password:
        raise errors.WebhookUrlNotAllowed("a webhook URL must not carry credentials")
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise errors.UnknownWebhookEventType(
            f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}"
        )


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1, 2, ...)."""
    delay = FIRST_RETRY * float(2 ** min(max(attempts - 1, 0), 20))
    return delay if delay < LONGEST_RETRY else LONGEST_RETRY
