"""Commands stage: whole orders through the service layer vs a bare eventsourcing app."""

from __future__ import annotations

import time
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench import http
from bench.measure import Figure, Latencies, timed
from changeorders.adapters.database import ensure_postgres_schema
from changeorders.adapters.settings import Settings
from changeorders.application.application import ChangeOrdersApplication
from changeorders.bootstrap import build_embedded
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData

EVENTS_PER_ORDER = 5  # Drafted, OptionsSelected, Reviewed, Confirmed, Submitted
CUSTOMERS = ("acme-dental", "harbor-logistics", "pinecrest-legal", "sunrise-bakery")
ROUNDS = 5


class BareOrder(Aggregate):
    @event("Started")
    def __init__(self, payload: str) -> None:
        self.payload = payload

    @event("Stepped")
    def step(self, payload: str) -> None:
        self.payload = payload


class BareApplication(Application[UUID]):
    def construct_env(self, name: str, env: Any = None) -> Any:
        from eventsourcing.utils import Environment

        return Environment(name, dict(env or {}))


def place_orders(app: ChangeOrdersApplication, orders: int) -> tuple[float, Latencies]:
    """Whole orders, command by command: total seconds and each command's latency."""
    latencies = Latencies()
    keep = Options(1, "alice", PrimaryChoice.KEEP)
    with timed() as clock:
        for n in range(orders):
            start = time.perf_counter()
            order_id = app.create_order("northwind", "alice", CUSTOMERS[n % len(CUSTOMERS)])
            latencies.samples.append(time.perf_counter() - start)
            latencies.time(partial(app.select_options, "northwind", "alice", order_id, keep))
            latencies.time(partial(app.review, "northwind", "alice", order_id))
            latencies.time(partial(app.confirm, "northwind", "alice", order_id, True, True))
            latencies.time(partial(app.submit, "northwind", "alice", order_id))
    return clock.seconds, latencies


def open_bare(settings: Settings, *, hashing: bool = False) -> BareApplication:
    """The library alone: its own recorder, unless ``hashing`` asks for ours."""
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    env = settings.eventsourcing_env()
    if not hashing:
        del env["APPLICATION_RECORDER_TOPIC"]
    return BareApplication(env)


def place_bare_orders(app: BareApplication, orders: int) -> float:
    """The baseline: per order, one aggregate saved five times with one event each."""
    with timed() as clock:
        for _ in range(orders):
            order = BareOrder("x" * 200)
            app.save(order)
            for _ in range(EVENTS_PER_ORDER - 1):
                order.step("y" * 200)
                app.save(order)
    return clock.seconds


def measure(
    label: str,
    settings: tuple[Settings, Settings, Settings, Settings],
    data: ReferenceData,
    orders: int,
) -> list[Figure]:
    """``settings``: four empty stores of one kind: the service layer, HTTP, the bare app,
    the bare app behind HTTP (:mod:`bench.bare_api`).

    They take turns, a round each (:data:`ROUNDS` rounds), so that a noisy neighbour
    slows them alike and the ratios mean something.
    """
    ours_settings, http_settings, bare_settings, bare_http_settings = settings
    service = build_embedded(ours_settings)
    service.application.load_reference_data(data)
    bare = open_bare(bare_settings)
    seconds = {"ours": 0.0, "http": 0.0, "bare": 0.0, "bare http": 0.0}
    latencies, http_latencies = Latencies(), Latencies()
    per_round = max(1, orders // ROUNDS)
    with (
        http.api_server(http_settings, data) as client,
        http.bare_server(bare_http_settings) as bare_client,
    ):
        for _ in range(ROUNDS):
            took, samples = place_orders(service.application, per_round)
            seconds["ours"] += took
            latencies.samples += samples.samples
            took, samples = http.place_orders(client, per_round)
            seconds["http"] += took
            http_latencies.samples += samples.samples
            seconds["bare"] += place_bare_orders(bare, per_round)
            seconds["bare http"] += http.place_bare_orders(bare_client, per_round)
    service.close()
    bare.close()
    done = per_round * ROUNDS
    rates = {name: done / took for name, took in seconds.items()}
    stage = f"commands ({label})"
    return [
        Figure(
            stage,
            "orders/s (5 commands each)",
            rates["ours"],
            rates["bare"],
            "orders/s",
            "baseline: bare eventsourcing app, 5 saves of one event (target >= 0.8x)",
        ),
        Figure(
            stage,
            "events/s",
            rates["ours"] * EVENTS_PER_ORDER,
            rates["bare"] * EVENTS_PER_ORDER,
            "events/s",
        ),
        Figure(stage, "command p50", latencies.percentile(50) * 1000, None, "ms"),
        Figure(stage, "command p99", latencies.percentile(99) * 1000, None, "ms"),
        Figure(
            stage,
            "orders/s through HTTP",
            rates["http"],
            rates["bare http"],
            "orders/s",
            "baseline: bare FastAPI + uvicorn, one save per request, same server settings and "
            "client (target >= 0.6x)",
        ),
        Figure(stage, "HTTP request p50", http_latencies.percentile(50) * 1000, None, "ms"),
        Figure(stage, "HTTP request p99", http_latencies.percentile(99) * 1000, None, "ms"),
    ]
