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
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from changeorders.services.commands.application import ChangeOrdersApplication
from changeorders.services.commands.bootstrap import build
from changeorders.services.database import ensure_postgres_schema
from changeorders.services.settings import Settings

EVENTS_PER_ORDER = 5  # Drafted, OptionsSelected, Reviewed, Confirmed, Submitted
CUSTOMERS = ("acme-dental", "harbor-logistics", "pinecrest-legal", "sunrise-bakery")


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


def run_orders(settings: Settings, data: ReferenceData, orders: int) -> tuple[float, Latencies]:
    service = build(settings)
    service.application.load_reference_data(data)
    try:
        return place_orders(service.application, orders)
    finally:
        service.close()


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


def run_bare(settings: Settings, orders: int) -> float:
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    app = BareApplication(settings.eventsourcing_env())
    with timed() as clock:
        for _ in range(orders):
            order = BareOrder("x" * 200)
            app.save(order)
            for _ in range(EVENTS_PER_ORDER - 1):
                order.step("y" * 200)
                app.save(order)
    app.close()
    return clock.seconds


def measure(
    label: str,
    settings: tuple[Settings, Settings, Settings],
    data: ReferenceData,
    orders: int,
) -> list[Figure]:
    """``settings``: three empty stores of one kind: the service layer, HTTP, the bare app."""
    ours, over_http, bare = settings
    seconds, latencies = run_orders(ours, data, orders)
    http_seconds, http_latencies = http.run_orders(over_http, data, orders)
    bare_seconds = run_bare(bare, orders)
    events = orders * EVENTS_PER_ORDER
    stage = f"commands ({label})"
    return [
        Figure(
            stage,
            "orders/s (5 commands each)",
            orders / seconds,
            orders / bare_seconds,
            "orders/s",
            "baseline: bare eventsourcing app, 5 saves of one event",
        ),
        Figure(stage, "events/s", events / seconds, events / bare_seconds, "events/s"),
        Figure(stage, "command p50", latencies.percentile(50) * 1000, None, "ms"),
        Figure(stage, "command p99", latencies.percentile(99) * 1000, None, "ms"),
        Figure(
            stage,
            "orders/s through HTTP",
            orders / http_seconds,
            orders / bare_seconds,
            "orders/s",
            "uvicorn process, one keep-alive client",
        ),
        Figure(stage, "HTTP request p50", http_latencies.percentile(50) * 1000, None, "ms"),
        Figure(stage, "HTTP request p99", http_latencies.percentile(99) * 1000, None, "ms"),
    ]
