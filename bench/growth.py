"""Growth stage: does an order cost the same, and a rebuilt event, as the store grows?

The store is filled to each size (e.g. 10k -> 100k -> 1M events) with copies of one real
order's events under new order ids (appended in large batches through the recorder, so the
fill takes seconds, not hours). At each size: whole orders through the service layer (ms
per order) and a rebuild of every view (µs per event). Appends should stay flat and the
rebuild linear; a PNG chart shows where either bends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from eventsourcing.persistence import StoredEvent
from matplotlib.figure import Figure as Chart

from bench.commands import place_orders
from bench.measure import Figure, timed
from changeorders.adapters.settings import Settings
from changeorders.application.application import ChangeOrdersApplication
from changeorders.bootstrap import build_embedded
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.reference import ReferenceData
from changeorders.services.projections.verify import replay, scratch_views
from devtools.orders import submit_order

FILL_BATCH = 5000


@dataclass(frozen=True)
class Point:
    events: int
    ms_per_order: float
    us_per_rebuilt_event: float


def template(app: ChangeOrdersApplication) -> list[StoredEvent]:
    """The stored events of one order, submitted and applied."""
    order_id = submit_order(
        app, "northwind", "alice", "acme-dental", Options(1, "alice", PrimaryChoice.KEEP)
    )
    app.process_order(order_id)
    return list(app.recorder.select_events(order_id))


def fill(app: ChangeOrdersApplication, events: list[StoredEvent], size: int) -> None:
    """Copies of ``events`` under new order ids until the store holds ``size`` events."""
    while (missing := size - (app.recorder.max_notification_id() or 0)) > 0:
        batch: list[StoredEvent] = []
        while len(batch) < min(missing, FILL_BATCH):
            order_id = uuid.uuid4()
            batch += [replace(e, originator_id=order_id) for e in events]
        app.recorder.insert_events(batch)


def point(app: ChangeOrdersApplication, settings: Settings, orders: int) -> Point:
    events = app.recorder.max_notification_id() or 0
    seconds, _ = place_orders(app, orders)
    with scratch_views(settings) as views, timed() as clock:
        rebuilt = replay(app, views, lambda _: None)
    return Point(events, seconds / orders * 1000, clock.seconds / rebuilt * 1e6)


def chart(points: list[Point], path: Path) -> None:
    sizes = [p.events for p in points]
    figure = Chart(figsize=(10, 4), layout="constrained")
    orders, rebuild = figure.subplots(1, 2)
    orders.plot(sizes, [p.ms_per_order for p in points], marker="o")
    orders.set(title="Whole order (5 commands)", ylabel="ms per order")
    rebuild.plot(sizes, [p.us_per_rebuilt_event for p in points], marker="o", color="C1")
    rebuild.set(title="Rebuild of every view", ylabel="µs per event")
    for axes in (orders, rebuild):
        axes.set(xscale="log", xlabel="events in the store", ylim=(0, None))
        axes.set_xticks(sizes, [f"{size:,}" for size in sizes], minor=False)
        axes.minorticks_off()
        axes.grid(True, alpha=0.3)
    figure.suptitle("changeorders on PostgreSQL as the store grows")
    figure.savefig(path, dpi=100)


def measure(
    settings: Settings, data: ReferenceData, sizes: list[int], orders: int, chart_path: Path
) -> list[Figure]:
    service = build_embedded(settings)
    app = service.application
    app.load_reference_data(data)
    events = template(app)
    points = []
    for size in sorted(sizes):
        fill(app, events, size)
        points.append(point(app, settings, orders))
    service.close()
    chart(points, chart_path)
    first = points[0]
    return [
        figure
        for p in points
        for figure in (
            Figure(
                "growth",
                f"{p.events:,} events: ms per order",
                p.ms_per_order,
                first.ms_per_order,
                "ms",
                f"baseline: at {first.events:,} events; chart {chart_path.name}",
            ),
            Figure(
                "growth",
                f"{p.events:,} events: µs per rebuilt event",
                p.us_per_rebuilt_event,
                first.us_per_rebuilt_event,
                "µs",
            ),
        )
    ]
