"""Live status over Server-Sent Events: submitted, then applied, then notified."""

from __future__ import annotations

import json
import threading

from fastapi.testclient import TestClient

from changeorders.bootstrap import Embedded
from tests.services.commands.test_api import reviewed_order

Headers = dict[str, str]


def test_the_stream_follows_an_order_to_notified(
    service: Embedded, client: TestClient, northwind: Headers
) -> None:
    order_id, _ = reviewed_order(client, northwind)
    confirm = {"accept_msa": True, "confirm_authority": True}
    assert client.post(f"/v1/orders/{order_id}/confirm", headers=northwind, json=confirm).is_success
    assert client.post(f"/v1/orders/{order_id}/submit", headers=northwind).status_code == 202
    stop = threading.Event()

    def process_in_the_background() -> None:
        while not stop.wait(0.05):
            service.processing.pump()
            service.notifications.pump()

    worker = threading.Thread(target=process_in_the_background)
    seen: list[str] = []
    with client.stream("GET", f"/v1/orders/{order_id}/events", headers=northwind) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        worker.start()
        try:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    seen.append(json.loads(line.removeprefix("data:"))["status"])
        finally:
            stop.set()
            worker.join()
    assert seen == [
        "draft",
        "selected",
        "reviewed",
        "confirmed",
        "submitted",
        "applied",
        "notified",
    ]


def test_another_msps_order_has_no_stream(
    client: TestClient, northwind: Headers, bluefin: Headers
) -> None:
    order_id, _ = reviewed_order(client, northwind)
    response = client.get(f"/v1/orders/{order_id}/events", headers=bluefin)
    assert response.status_code == 404
    assert response.json()["rule"] == "order-not-found"
