"""Commands through HTTP: ``changeorders serve`` (uvicorn) as its own process, a keep-alive
client placing whole orders one request at a time, as a portal would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from bench.measure import Latencies, timed
from changeorders.adapters.settings import Settings
from changeorders.bootstrap import build_embedded
from changeorders.schemas.reference import ReferenceData
from devtools.tansu import free_port

HEADERS = {"Authorization": "Bearer demo-northwind-7Qm2xV", "X-Acting-User": "alice"}
CUSTOMERS = ("acme-dental", "harbor-logistics", "pinecrest-legal", "sunrise-bakery")
OPTIONS = {"seat_adjustment": 1, "implementation_lead": "alice", "primary": {"mode": "keep"}}
TICKS = {"accept_msa": True, "confirm_authority": True}


def env_of(settings: Settings, **extra: str) -> dict[str, str]:
    """Only the API: delivery ``kafka`` keeps the embedded workers from starting (unless
    ``extra`` says otherwise)."""
    return (
        dict(os.environ)
        | {
            "CHANGEORDERS_EVENT_STORE": settings.event_store,
            "CHANGEORDERS_SQLITE_PATH": str(settings.sqlite_path),
            "CHANGEORDERS_POSTGRES_SCHEMA": settings.postgres_schema,
            "CHANGEORDERS_DELIVERY": "kafka",
        }
        | extra
    )


@contextmanager
def api_server(
    settings: Settings, data: ReferenceData, **extra_env: str
) -> Iterator[httpx2.Client]:
    """``changeorders serve`` on a store loaded with ``data``, and a client for it."""
    service = build_embedded(settings)
    service.application.load_reference_data(data)
    service.close()
    port = free_port()
    command = [sys.executable, "-m", "changeorders", "serve", "--port", str(port)]
    with _serving(command, env_of(settings, **extra_env), port) as client:
        yield client


@contextmanager
def bare_server(settings: Settings) -> Iterator[httpx2.Client]:
    """The baseline (:mod:`bench.bare_api`) on uvicorn, as ``serve`` runs it (no access log)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.bare_api:app", "--port", str(port)]
    with _serving([*command, "--no-access-log"], env_of(settings), port) as client:
        yield client


@contextmanager
def _serving(command: list[str], env: dict[str, str], port: int) -> Iterator[httpx2.Client]:
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    client = httpx2.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS, timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/readyz").is_success:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the API never became ready")
            time.sleep(0.1)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)


def place_orders(client: httpx2.Client, orders: int) -> tuple[float, Latencies]:
    latencies = Latencies()

    def call(method: str, path: str, body: object = None) -> httpx2.Response:
        start = time.perf_counter()
        response = client.request(method, path, json=body)
        latencies.samples.append(time.perf_counter() - start)
        response.raise_for_status()
        return response

    with timed() as clock:
        for n in range(orders):
            created = call("POST", "/v1/orders", {"customer": CUSTOMERS[n % len(CUSTOMERS)]})
            order = f"/v1/orders/{created.json()['order_id']}"
            call("PUT", f"{order}/options", OPTIONS)
            call("POST", f"{order}/review")
            call("POST", f"{order}/confirm", TICKS)
            call("POST", f"{order}/submit")
    return clock.seconds, latencies


def place_bare_orders(client: httpx2.Client, orders: int) -> float:
    """The baseline's orders: five requests each, one event saved per request."""
    with timed() as clock:
        for n in range(orders):
            created = client.post("/orders", json={"customer": CUSTOMERS[n % len(CUSTOMERS)]})
            created.raise_for_status()
            for body in (OPTIONS, {}, TICKS, {}):
                client.post(
                    f"/orders/{created.json()['order_id']}/step", json=body
                ).raise_for_status()
    return clock.seconds
