"""Webhook rules: https endpoints, known event types, a retry schedule of at least a day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from changeorders.domain import errors
from changeorders.domain.webhooks import (
    EVENT_TYPES,
    LONGEST_RETRY,
    RETRY_WINDOW,
    check_endpoint,
    retry_delay,
)


def test_every_order_status_is_an_event_type() -> None:
    assert "order.applied" in EVENT_TYPES
    assert "order.notification-failed" in EVENT_TYPES


@pytest.mark.parametrize(
    "url", ["http://x.example/h", "ftp://x.example", "https:///nohost", "x.example/h"]
)
def test_only_absolute_https_urls_are_endpoints(url: str) -> None:
    with pytest.raises(errors.WebhookUrlNotAllowed):
        check_endpoint(url, EVENT_TYPES, allow_http=False)


def test_http_is_an_endpoint_where_the_operator_allows_it() -> None:
    check_endpoint("http://127.0.0.1:9000/hooks", EVENT_TYPES, allow_http=True)


def test_the_default_schedule_doubles_to_an_hour_and_retries_for_a_day() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, 60)]
    assert delays[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert max(delays) == LONGEST_RETRY
    elapsed, attempts = timedelta(0), 0
    while elapsed <= RETRY_WINDOW:
        attempts += 1
        elapsed += retry_delay(attempts)
    assert timedelta(hours=24) == RETRY_WINDOW
    assert 30 <= attempts <= 40  # about 34 attempts before a delivery is parked
