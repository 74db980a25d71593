"""The delivery ledger: one sender per email; a claim has an owner and a lease; a failed
email waits for its own next attempt; a refused one is parked until retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from changeorders.bootstrap import Embedded
from changeorders.services.notifier.ledger import LEASE, Claim, DeliveryLedger

EMAIL = ("<order-1.lead@x>", "order-1", "lead", "lead@example.com")


def ledger(service: Embedded, owner: str, lease: timedelta = LEASE) -> DeliveryLedger:
    return DeliveryLedger(service.application.datastore, owner, lease)


def test_a_live_claim_is_not_taken_over(service: Embedded) -> None:
    first, second = ledger(service, "a"), ledger(service, "b")
    assert first.claim(*EMAIL) is Claim.CLAIMED
    assert second.claim(*EMAIL) is Claim.BUSY


def test_the_owner_resumes_its_own_claim_at_once(service: Embedded) -> None:
    owner = ledger(service, "a")
    assert owner.claim(*EMAIL) is Claim.CLAIMED
    assert owner.claim(*EMAIL) is Claim.CLAIMED  # e.g. the same event again after a DB error


def test_a_lapsed_lease_is_taken_over_and_a_sent_email_never_claimed_again(
    service: Embedded,
) -> None:
    """The default lease is 15 s: a notifier that died mid-send holds nobody up longer."""
    assert timedelta(seconds=5) <= LEASE <= timedelta(seconds=30)
    dead, alive = ledger(service, "dead", timedelta(0)), ledger(service, "alive")
    assert dead.claim(*EMAIL) is Claim.CLAIMED
    assert [d.message_id for d in alive.due()] == [EMAIL[0]]
    assert alive.claim(*EMAIL) is Claim.CLAIMED
    alive.sent(EMAIL[0])
    assert dead.claim(*EMAIL) is Claim.SENT
    assert alive.due() == []


def test_renewing_keeps_a_claim_alive(service: Embedded) -> None:
    owner, other = ledger(service, "a", timedelta(seconds=30)), ledger(service, "b")
    assert owner.claim(*EMAIL) is Claim.CLAIMED
    owner.renew()
    assert other.claim(*EMAIL) is Claim.BUSY
    assert other.due() == []


def test_a_failed_email_waits_for_its_next_attempt(service: Embedded) -> None:
    owner = ledger(service, "a")
    assert owner.claim(*EMAIL) is Claim.CLAIMED
    owner.failed(EMAIL[0], "421 try later", datetime.now(UTC) + timedelta(minutes=1))
    assert owner.claim(*EMAIL) is Claim.LATER
    assert owner.due() == []
    owner.failed(EMAIL[0], "421 try later", datetime.now(UTC) - timedelta(seconds=1))
    assert [d.message_id for d in owner.due()] == [EMAIL[0]]
    assert owner.claim(*EMAIL) is Claim.CLAIMED
    assert owner.attempts(EMAIL[0]) == 2


def test_a_refused_email_is_parked_until_retried(service: Embedded) -> None:
    owner = ledger(service, "a")
    owner.claim(*EMAIL)
    owner.park(EMAIL[0], "550 no such mailbox")
    assert owner.claim(*EMAIL) is Claim.PARKED
    assert [(e.state, e.last_error) for e in owner.entries()] == [("parked", "550 no such mailbox")]
    assert owner.retry() == 1
    assert owner.claim(*EMAIL) is Claim.CLAIMED
