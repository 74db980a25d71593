"""Registering endpoints: https only (unless allowed), known event types, the secret shown
once, another MSP's endpoints out of reach; deliveries parked when retries run out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient

from changeorders.bootstrap import Embedded
from changeorders.services.webhooks.dispatcher import WebhookDispatcher
from devtools.webhook_receiver import Receiver, webhook_receiver
from tests.services.webhooks.conftest import place_and_process, register

Headers = dict[str, str]


def test_an_http_endpoint_is_refused_by_default(client: TestClient, northwind: Headers) -> None:
    response = client.post(
        "/v1/webhooks", headers=northwind, json={"url": "http://portal.example/hooks"}
    )
    assert response.status_code == 422
    assert response.json()["rule"] == "webhook-url-not-allowed"
    assert "must use https" in response.json()["message"]


def test_https_is_accepted_and_the_secret_is_shown_once(
    client: TestClient, northwind: Headers
) -> None:
    created = client.post(
        "/v1/webhooks", headers=northwind, json={"url": "https://portal.example/hooks"}
    )
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    listed = client.get("/v1/webhooks", headers=northwind).json()
    assert [w["webhook_id"] for w in listed] == [created.json()["webhook_id"]]
    assert "secret" not in listed[0]


def test_unknown_event_types_and_credentials_in_urls_are_refused(
    client: TestClient, northwind: Headers
) -> None:
    unknown = client.post(
        "/v1/webhooks",
        headers=northwind,
        json={"url": "https://portal.example/h", "event_types": ["order.exploded"]},
    )
    assert unknown.json()["rule"] == "unknown-webhook-event-type"
    credentials = client.post(
        "/v1/webhooks", headers=northwind, json={"url": "https://u:p@portal.example/h"}
    )
    assert credentials.json()["rule"] == "webhook-url-not-allowed"


def test_another_msps_endpoint_cannot_be_read_or_deleted(
    client: TestClient, northwind: Headers, bluefin: Headers
) -> None:
    created = client.post(
        "/v1/webhooks", headers=northwind, json={"url": "https://portal.example/hooks"}
    ).json()
    path = f"/v1/webhooks/{created['webhook_id']}"
    assert client.get(f"{path}/deliveries", headers=bluefin).status_code == 404
    assert client.delete(path, headers=bluefin).status_code == 404
    assert client.delete(path, headers=northwind).status_code == 204
    assert client.get("/v1/webhooks", headers=northwind).json() == []


def test_a_delivery_whose_retries_ran_out_is_parked_until_redelivered(
    hooked: Embedded, api: TestClient, northwind: Headers, receiver: Receiver
) -> None:
    """The window is shortened here so the first failure parks; the default schedule is
    tested in tests/domain/test_webhook_rules.py. No dispatcher runs in the background."""
    store = hooked.dispatcher._store  # the same store, with a shorter window
    impatient = WebhookDispatcher(
        store, replace(hooked.dispatcher._settings, retry_window=timedelta(0))
    )
    webhook = register(api, northwind, receiver, event_types=["order.submitted"])
    place_and_process(hooked)
    deliveries = f"/v1/webhooks/{webhook}/deliveries"
    (item,) = store.claim_due("test", timedelta(seconds=30), set(), 1)
    impatient.send(item)  # nothing listens on the receiver's port
    parked = api.get(deliveries, headers=northwind).json()[0]
    assert (parked["state"], parked["next_attempt_at"]) == ("failed", None)
    redeliver = f"{deliveries}/{parked['delivery_id']}/redeliver"
    assert api.post(redeliver, headers=northwind).status_code == 202
    (again,) = store.claim_due("test", timedelta(seconds=30), set(), 1)
    assert again.delivery.delivery_id == parked["delivery_id"]
    with webhook_receiver(receiver):
        impatient.send(again)
    delivered = api.get(deliveries, headers=northwind).json()[0]
    assert (delivered["state"], delivered["attempts"]) == ("delivered", 2)
    assert [r.webhook_id for r in receiver.received] == [parked["delivery_id"]]
