"""Webhook fixtures: an API that allows http on loopback, orders placed and processed, and
the dispatcher running in the background."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from changeorders.adapters.settings import Settings
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from devtools.orders import submit_order
from devtools.tansu import free_port
from devtools.webhook_receiver import Receiver


@pytest.fixture
def hooked(settings: Settings, sample_data: ReferenceData) -> Iterator[Embedded]:
    """The embedded process with plain-http endpoints allowed (loopback receivers)."""
    built = build_embedded(replace(settings, webhooks_allow_http=True))
    built.application.load_reference_data(sample_data)
    yield built
    built.close()


@pytest.fixture
def dispatching(hooked: Embedded) -> Iterator[None]:
    """The dispatcher sending in the background, as in a running process."""
    stop = threading.Event()
    running = threading.Thread(target=hooked.dispatcher.run_until, args=(stop,))
    running.start()
    yield
    stop.set()
    running.join(timeout=30)


@pytest.fixture
def api(hooked: Embedded) -> TestClient:
    return TestClient(hooked.api())


@pytest.fixture
def receiver() -> Receiver:
    return Receiver(free_port())


def register(api: TestClient, headers: dict[str, str], receiver: Receiver, **body: Any) -> str:
    response = api.post("/v1/webhooks", headers=headers, json={"url": receiver.url, **body})
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return str(response.json()["webhook_id"])


def place_and_process(service: Embedded, msp: str = "northwind", user: str = "alice") -> str:
    """An order submitted and processed (emails as files), its webhooks enqueued."""
    customer = {"northwind": "acme-dental", "bluefin": "riverside-clinic"}[msp]
    options = Options(1, user, PrimaryChoice.KEEP)
    order_id = submit_order(service.application, msp, user, customer, options)
    service.processing.pump()
    service.notifications.pump()
    service.webhooks.pump()
    return str(order_id)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
