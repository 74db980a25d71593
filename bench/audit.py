"""Audit stage: what tamper evidence costs.

- commands with hashing (our recorder) vs the library's own recorder, same service layer,
  alternating rounds: the ratio is the price of hashing each event in its transaction;
- ``audit verify`` (every event re-hashed, the tree rebuilt, checkpoints checked) vs a
  bare read of the same log in pages: events/s.
"""

from __future__ import annotations

import time

from bench.commands import ROUNDS, BareOrder, open_bare, place_orders
from bench.measure import Figure, Latencies, timed
from changeorders.adapters.database import datastore_of, ensure_postgres_schema
from changeorders.adapters.evidence import EvidenceStore
from changeorders.adapters.settings import Settings
from changeorders.application.application import ChangeOrdersApplication
from changeorders.application.verification import verify
from changeorders.schemas.reference import ReferenceData

AGGREGATE_EVENTS = 10


def _application(settings: Settings, *, hashing: bool) -> ChangeOrdersApplication:
    if settings.event_store == "postgres":
        ensure_postgres_schema(settings)
    env = settings.eventsourcing_env()
    if not hashing:
        del env["APPLICATION_RECORDER_TOPIC"]  # the library's own recorder
    return ChangeOrdersApplication(env)


def hashing_cost(
    label: str, settings: tuple[Settings, Settings], data: ReferenceData, orders: int
) -> list[Figure]:
    """Commands on two empty stores of one kind: hashed, and the library's recorder."""
    apps = {
        "hashed": _application(settings[0], hashing=True),
        "plain": _application(settings[1], hashing=False),
    }
    seconds = dict.fromkeys(apps, 0.0)
    latencies = {name: Latencies() for name in apps}
    for app in apps.values():
        app.load_reference_data(data)
    per_round = max(1, orders // ROUNDS)
    for _ in range(ROUNDS):
        for name, app in apps.items():
            took, samples = place_orders(app, per_round)
            seconds[name] += took
            latencies[name].samples += samples.samples
    for app in apps.values():
        app.close()
    stage = f"audit ({label})"
    return [
        Figure(
            stage,
            "command p50, events hashed",
            latencies["hashed"].percentile(50) * 1000,
            latencies["plain"].percentile(50) * 1000,
            "ms",
            "baseline: the library's recorder, no hashing (target ratio <= 1.10)",
        ),
        Figure(
            stage,
            "orders/s, events hashed",
            per_round * ROUNDS / seconds["hashed"],
            per_round * ROUNDS / seconds["plain"],
            "orders/s",
        ),
    ]


def _fill(settings: Settings, events: int) -> None:
    """``events`` events in aggregates of ten, through our hashing recorder."""
    app = open_bare(settings, hashing=True)
    batch: list[BareOrder] = []
    for _ in range(events // AGGREGATE_EVENTS):
        order = BareOrder("x" * 300)
        for _ in range(AGGREGATE_EVENTS - 1):
            order.step("y" * 300)
        batch.append(order)
        if len(batch) == 100:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)
    app.close()


def verify_rate(label: str, settings: Settings, events: int) -> list[Figure]:
    _fill(settings, events)
    app = open_bare(settings, hashing=True)
    store = EvidenceStore(datastore_of(app), app.recorder.events_table_name)  # type: ignore[attr-defined]
    with timed() as bare:
        count, after = 0, 0
        while page := app.recorder.select_notifications(
            start=after, limit=5_000, inclusive_of_start=False
        ):
            count += len(page)
            after = page[-1].id
    start = time.perf_counter()
    result = verify(store)
    took = time.perf_counter() - start
    app.close()
    if not result.intact or result.events != count:
        raise RuntimeError(f"the bench's own log did not verify: {result}")
    return [
        Figure(
            f"audit ({label})",
            "audit verify",
            events / took,
            events / bare.seconds,
            "events/s",
            f"{events:,} events; baseline: a bare read of the log in pages (target >= 50,000)",
        )
    ]
