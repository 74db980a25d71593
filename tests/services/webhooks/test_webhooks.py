"""Webhooks against a real loopback endpoint that verifies every signature with the
Standard Webhooks library."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from changeorders.bootstrap import Embedded
from devtools.tansu import free_port
from devtools.webhook_receiver import Receiver, webhook_receiver
from tests.services.webhooks.conftest import place_and_process, register, wait_for

pytestmark = pytest.mark.usefixtures("dispatching")
Headers = dict[str, str]
EVERY_STATUS = [
    "order.draft",
    "order.selected",
    "order.reviewed",
    "order.confirmed",
    "order.submitted",
    "order.applied",
    "order.notified",
]


def test_every_status_change_arrives_signed_and_in_order(
    hooked: Embedded, api: TestClient, northwind: Headers, receiver: Receiver
) -> None:
    register(api, northwind, receiver)
    with webhook_receiver(receiver):
        order_id = place_and_process(hooked)
        wait_for(lambda: len(receiver.received) == len(EVERY_STATUS))
    assert receiver.rejected == []
    assert receiver.types() == EVERY_STATUS
    first = receiver.received[0].payload["data"]
    assert (first["order_id"], first["customer"], first["msp"]) == (
        order_id,
        "acme-dental",
        "northwind",
    )


def test_an_endpoint_gets_only_the_event_types_it_asked_for(
    hooked: Embedded, api: TestClient, northwind: Headers, receiver: Receiver
) -> None:
    register(api, northwind, receiver, event_types=["order.applied", "order.notified"])
    with webhook_receiver(receiver):
        place_and_process(hooked)
        wait_for(lambda: len(receiver.received) == 2)
    assert receiver.types() == ["order.applied", "order.notified"]


def test_a_receiver_that_was_down_gets_everything_once_it_is_back(
    hooked: Embedded, api: TestClient, northwind: Headers, receiver: Receiver
) -> None:
    webhook = register(api, northwind, receiver, event_types=["order.submitted"])
    place_and_process(hooked)  # nothing listens: the first attempt is refused
    deliveries = f"/v1/webhooks/{webhook}/deliveries"
    wait_for(lambda: api.get(deliveries, headers=northwind).json()[0]["attempts"] >= 1)
    failed = api.get(deliveries, headers=northwind).json()[0]
    assert (failed["state"], failed["last_error"] is not None) == ("pending", True)
    with webhook_receiver(receiver):  # the default backoff tries again 5 s later
        wait_for(lambda: len(receiver.received) == 1, timeout=20)
    delivered = api.get(deliveries, headers=northwind).json()[0]
    assert delivered["state"] == "delivered"
    assert delivered["attempts"] == 2
    assert receiver.received[0].webhook_id == failed["delivery_id"]


def test_a_redelivery_carries_the_same_webhook_id(
    hooked: Embedded, api: TestClient, northwind: Headers, receiver: Receiver
) -> None:
    webhook = register(api, northwind, receiver, event_types=["order.applied"])
    with webhook_receiver(receiver):
        place_and_process(hooked)
        wait_for(lambda: len(receiver.received) == 1)
        delivery = receiver.received[0].webhook_id
        again = api.post(
            f"/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", headers=northwind
        )
        assert again.status_code == 202
        wait_for(lambda: len(receiver.received) == 2)
    assert [r.webhook_id for r in receiver.received] == [delivery, delivery]


def test_an_msp_never_receives_another_msps_events(
    hooked: Embedded, api: TestClient, northwind: Headers, bluefin: Headers
) -> None:
    northwind_hook, bluefin_hook = Receiver(free_port()), Receiver(free_port())
    register(api, northwind, northwind_hook, event_types=["order.applied"])
    register(api, bluefin, bluefin_hook, event_types=["order.applied"])
    with webhook_receiver(northwind_hook), webhook_receiver(bluefin_hook):
        place_and_process(hooked, "bluefin", "carol")
        wait_for(lambda: len(bluefin_hook.received) == 1)
        place_and_process(hooked, "northwind", "alice")
        wait_for(lambda: len(northwind_hook.received) == 1)
    assert bluefin_hook.received[0].payload["data"]["msp"] == "bluefin"
    assert northwind_hook.received[0].payload["data"]["msp"] == "northwind"


def test_a_slow_endpoint_delays_no_other_endpoint(
    hooked: Embedded, api: TestClient, northwind: Headers
) -> None:
    slow, fast = Receiver(free_port(), delay_seconds=3.0), Receiver(free_port())
    register(api, northwind, slow)
    register(api, northwind, fast)
    with webhook_receiver(slow), webhook_receiver(fast):
        place_and_process(hooked)
        wait_for(lambda: len(fast.received) == len(EVERY_STATUS))
        assert len(slow.received) <= 1  # still on its first, while the other got them all
        wait_for(lambda: len(slow.received) == len(EVERY_STATUS), timeout=40)
    assert slow.types() == fast.types() == EVERY_STATUS
