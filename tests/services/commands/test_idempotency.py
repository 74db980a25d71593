"""The idempotency store on the real databases: reservation, replay, expiry, in-flight."""

from __future__ import annotations

from datetime import timedelta

import pytest

from changeorders.bootstrap import Embedded
from changeorders.services.commands.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from changeorders.services.commands.idempotency import IdempotencyStore, StoredAnswer


def store_for(service: Embedded, retention: timedelta) -> IdempotencyStore:
    return IdempotencyStore(
        service.application.datastore,
        retention,
        postgres=service.settings.event_store == "postgres",
    )


def test_first_request_reserves_then_retries_get_the_stored_answer(
    service: Embedded,
) -> None:
    store = service.idempotency
    assert store.reserve("northwind", "k", "req-1") is None
    store.complete("northwind", "k", 201, '{"ok": true}')
    assert store.reserve("northwind", "k", "req-1") == StoredAnswer(201, '{"ok": true}')


def test_a_retry_while_the_first_is_running_is_told_so(service: Embedded) -> None:
    store = service.idempotency
    store.reserve("northwind", "k", "req-1")
    with pytest.raises(IdempotencyKeyInFlight):
        store.reserve("northwind", "k", "req-1")


def test_a_released_key_can_run_again(service: Embedded) -> None:
    store = service.idempotency
    store.reserve("northwind", "k", "req-1")
    store.release("northwind", "k")
    assert store.reserve("northwind", "k", "req-1") is None


def test_a_different_request_under_the_same_key_is_refused(service: Embedded) -> None:
    store = service.idempotency
    store.reserve("northwind", "k", "req-1")
    store.complete("northwind", "k", 201, "{}")
    with pytest.raises(IdempotencyKeyReused):
        store.reserve("northwind", "k", "req-2")


def test_keys_past_their_retention_are_forgotten(service: Embedded) -> None:
    expired = store_for(service, timedelta(seconds=-1))
    expired.reserve("northwind", "k", "req-1")
    expired.complete("northwind", "k", 201, "{}")
    assert expired.reserve("northwind", "k", "req-2") is None


def test_default_retention_is_at_least_24_hours(service: Embedded) -> None:
    assert service.settings.idempotency_hours >= 24
