"""Load (bounded, loopback only): concurrent clients, many orders on the same customers at
once, processors running alongside. No lost update, no order applied twice, and every
account's seats equal its opening seats plus the sum of its applied orders."""

from __future__ import annotations

import random
import threading
import time
from uuid import UUID

import pytest

from changeorders.application.errors import ConcurrentModification
from changeorders.bootstrap import Embedded
from changeorders.domain.errors import AccountChangedSinceReview
from changeorders.domain.options import Options, PrimaryChoice

pytestmark = [pytest.mark.postgres, pytest.mark.load]

CUSTOMERS = {"acme-dental": 40, "harbor-logistics": 125, "sunrise-bakery": 8}
CLIENTS, ORDERS_EACH = 8, 40


def place(service: Embedded, rng: random.Random, placed: list[tuple[UUID, str, int]]) -> None:
    app = service.application
    for _ in range(ORDERS_EACH):
        customer, seats = rng.choice(list(CUSTOMERS)), rng.randint(1, 5)
        order_id = app.create_order("northwind", "alice", customer)
        app.select_options(
            "northwind", "alice", order_id, Options(seats, "alice", PrimaryChoice.KEEP)
        )
        for _attempt in range(50):  # as a portal would: review again when the account moved
            try:
                app.review("northwind", "alice", order_id)
                app.confirm("northwind", "alice", order_id, True, True)
                app.submit("northwind", "alice", order_id)
                placed.append((order_id, customer, seats))
                break
            except (AccountChangedSinceReview, ConcurrentModification):
                continue


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_concurrent_orders_lose_nothing_and_apply_nothing_twice(
    service: Embedded,
) -> None:
    placed: list[tuple[UUID, str, int]] = []
    stop = threading.Event()
    processors = [
        threading.Thread(target=service.processing.run_until, args=(stop, 0.01)) for _ in range(2)
    ]
    clients = [
        threading.Thread(target=place, args=(service, random.Random(n), placed))
        for n in range(CLIENTS)
    ]
    started = time.monotonic()
    for thread in processors + clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=300)
    stop.set()
    for thread in processors:
        thread.join(timeout=60)
    service.processing.pump()
    assert time.monotonic() - started < 300

    app = service.application
    assert len(placed) == CLIENTS * ORDERS_EACH  # every order got submitted in the end
    outcomes = {order_id: app.find_order(order_id).status.value for order_id, _, _ in placed}  # type: ignore[union-attr]
    applied = [(c, s) for order_id, c, s in placed if outcomes[order_id] == "applied"]
    assert set(outcomes.values()) <= {"applied", "rejected"}
    for customer, opening in CUSTOMERS.items():
        account = app.customer("northwind", customer)
        assert account.seats == opening + sum(s for c, s in applied if c == customer)
        assert len(account.applied_orders) == len(set(account.applied_orders))
        assert len(account.applied_orders) == sum(1 for c, _ in applied if c == customer)
