"""The delivery ledger: one sender per email; a dead sender's claim is taken over late."""

from __future__ import annotations

from datetime import timedelta

from changeorders.bootstrap import Embedded
from changeorders.services.notifier.ledger import DeliveryLedger

EMAIL = ("<order-1.lead@x>", "order-1", "lead", "lead@example.com")


def ledger(service: Embedded, stale_after: timedelta) -> DeliveryLedger:
    return DeliveryLedger(service.application.datastore, stale_after)


def test_a_live_claim_is_not_taken_over(service: Embedded) -> None:
    first, second = ledger(service, timedelta(minutes=5)), ledger(service, timedelta(minutes=5))
    assert first.claim(*EMAIL)
    assert not second.claim(*EMAIL)


def test_a_claim_older_than_the_claim_time_is_taken_over(service: Embedded) -> None:
    """The notifier that claimed it died mid-send (CHANGEORDERS_EMAIL_CLAIM_SECONDS)."""
    dead, alive = ledger(service, timedelta(0)), ledger(service, timedelta(0))
    assert dead.claim(*EMAIL)
    assert alive.claim(*EMAIL)
    alive.sent(EMAIL[0])
    assert not dead.claim(*EMAIL), "a sent email is never claimed again"
