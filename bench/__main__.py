"""Run the benchmarks: ``python -m bench [--quick] [--stage STAGE ...] [sizes]``.

Stages, each beside a baseline measured in the same run:

- ``commands``: whole orders through the service layer and through HTTP, on SQLite and
  PostgreSQL, against a bare ``eventsourcing`` app saving as many events (``--orders``);
- ``pipeline``: relay -> broker (a bare producer), broker -> views (a bare read), and a
  rebuild of every view from the store (a bare read of the notifications);
- ``addendum``: PDFs/s on 1 and 2 processes (bare WeasyPrint), emails/s to SMTP;
- ``latency``: submit -> both emails and submit -> the outcome webhook through the broker
  at ``--rate`` orders/s for ``--seconds``, the split services as processes, with the
  consumer lag;
- ``portal``: the options read through HTTP (beside the customer page read), and a webhook
  receiver down for ``--outage`` seconds (how soon every outcome arrives once it is back);
- ``growth``: ms per order and µs per rebuilt event as the store grows (``--events``),
  with a PNG chart;
- ``audit``: command latency with each event hashed vs the library's own recorder, and
  ``audit verify`` events/s vs a bare read of the same log (``--audit-events``).

Prints a table (ours, baseline, ratio) and writes every figure with the machine, the git
commit and the sizes to ``bench/results/<time>.json``. Uses the PostgreSQL on
127.0.0.1:5432 (fresh schemas, dropped after) and Tansu brokers it starts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from rich.console import Console
from rich.table import Table

from bench import addendum, audit, commands, growth, latency, pipeline, portal
from bench.measure import Figure
from changeorders.adapters.settings import Settings
from changeorders.cli.common import SAMPLE_DATA
from changeorders.schemas.reference import ReferenceData
from devtools.tansu import tansu_broker

RESULTS = Path(__file__).parent / "results"


@contextmanager
def postgres_schemas(count: int) -> Iterator[list[str]]:
    names = [f"bench_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    try:
        yield names
    finally:
        with psycopg.connect(
            host="127.0.0.1", dbname="test", user="postgres", autocommit=True
        ) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
                )


@dataclass(frozen=True)
class Sizes:
    orders: int = 1000
    rate: float = 10.0
    seconds: float = 60.0
    events: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    #: orders placed at each size of the growth run
    growth_orders: int = 200
    #: seconds the webhook receiver is down in the portal stage
    outage: float = 60.0
    #: events in the log the audit stage verifies
    audit_events: int = 100_000


def run(sizes: Sizes, stages: list[str], results: Path = RESULTS) -> list[Figure]:
    """Every figure of ``stages``; the growth chart is written into ``results``."""
    data = ReferenceData.model_validate_json(SAMPLE_DATA.read_bytes())
    figures: list[Figure] = []
    orders = sizes.orders
    with tempfile.TemporaryDirectory() as tmp, postgres_schemas(12) as schemas:
        if "commands" in stages:
            figures += commands.measure(
                "SQLite",
                tuple(  # type: ignore[arg-type]
                    Settings(sqlite_path=Path(tmp) / f"{name}.sqlite3")
                    for name in ("ours", "http", "bare", "bare-http")
                ),
                data,
                orders,
            )
            figures += commands.measure(
                "PostgreSQL",
                tuple(  # type: ignore[arg-type]
                    Settings(event_store="postgres", postgres_schema=schema)
                    for schema in [*schemas[5:8], schemas[11]]
                ),
                data,
                orders,
            )
        if "addendum" in stages:
            figures += addendum.measure(data, max(4, orders // 10))
        if "pipeline" in stages:
            with tansu_broker() as broker:
                settings = Settings(
                    event_store="postgres",
                    postgres_schema=schemas[2],
                    kafka_bootstrap=broker.bootstrap,
                )
                figures += pipeline.measure(settings, data, orders)
        if "latency" in stages:
            with tansu_broker() as broker:
                name = f"bench-{uuid.uuid4().hex[:8]}"
                settings = Settings(
                    event_store="postgres",
                    postgres_schema=schemas[3],
                    delivery="kafka",
                    kafka_bootstrap=broker.bootstrap,
                    events_topic=name,
                    group_prefix=name,
                    topic_partitions=3,
                )
                figures += latency.measure(settings, data, sizes.rate, sizes.seconds, Path(tmp))
        if "portal" in stages:
            figures += portal.options_reads(
                Settings(sqlite_path=Path(tmp) / "portal.sqlite3"), data
            )
            figures += portal.measure(
                Settings(event_store="postgres", postgres_schema=schemas[1]), data, sizes.outage
            )
        if "audit" in stages:
            figures += _audit(sizes, data, Path(tmp), schemas[8:11])
        if "growth" in stages:
            results.mkdir(exist_ok=True)
            figures += growth.measure(
                Settings(event_store="postgres", postgres_schema=schemas[4]),
                data,
                list(sizes.events),
                sizes.growth_orders,
                results / f"growth-{datetime.now(UTC):%Y%m%dT%H%M%S}.png",
            )
    return figures


def _audit(sizes: Sizes, data: ReferenceData, tmp: Path, schemas: list[str]) -> list[Figure]:
    lite = tuple(Settings(sqlite_path=tmp / f"audit-{n}.sqlite3") for n in ("hashed", "plain"))
    pg = tuple(Settings(event_store="postgres", postgres_schema=s) for s in schemas[:2])
    return [
        *audit.hashing_cost("SQLite", lite, data, sizes.orders),  # type: ignore[arg-type]
        *audit.hashing_cost("PostgreSQL", pg, data, sizes.orders),  # type: ignore[arg-type]
        *audit.verify_rate(
            "PostgreSQL",
            Settings(event_store="postgres", postgres_schema=schemas[2]),
            sizes.audit_events,
        ),
    ]


def table(figures: list[Figure]) -> Table:
    out = Table(header_style="bold", title="changeorders benchmarks", title_justify="left")
    for column, justify in (
        ("Stage", "left"),
        ("Figure", "left"),
        ("Ours", "right"),
        ("Baseline", "right"),
        ("Ratio", "right"),
        ("Unit", "left"),
        ("Note", "left"),
    ):
        out.add_column(column, justify=justify)  # type: ignore[arg-type]
    for f in figures:
        out.add_row(
            f.stage,
            f.what,
            f"{f.ours:,.1f}",
            "" if f.baseline is None else f"{f.baseline:,.1f}",
            "" if f.ratio is None else f"{f.ratio:.2f}x",
            f.unit,
            f.note,
        )
    return out


def save(figures: list[Figure], sizes: Sizes) -> Path:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    result = {
        "at": datetime.now(UTC).isoformat(),
        "commit": commit,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "sizes": asdict(sizes),
        "figures": [asdict(f) | {"ratio": f.ratio} for f in figures],
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


STAGES = ["commands", "pipeline", "addendum", "latency", "portal", "growth", "audit"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--orders", type=int, help="orders per stage (default 1000; 100 quick)")
    parser.add_argument("--rate", type=float, help="end to end: orders/s (default 10; 5 quick)")
    parser.add_argument("--seconds", type=float, help="end to end: seconds (default 60; 5 quick)")
    parser.add_argument(
        "--events",
        type=lambda v: tuple(int(n) for n in v.split(",")),
        help="growth: store sizes, e.g. 10000,100000,1000000 (the default; 2000,20000 quick)",
    )
    parser.add_argument("--outage", type=float, help="portal: receiver down (default 60; 5 quick)")
    parser.add_argument(
        "--audit-events", type=int, help="audit: events verified (default 100000; 10000 quick)"
    )
    parser.add_argument("--stage", action="append", choices=STAGES)
    args = parser.parse_args()
    quick = Sizes(
        orders=100,
        rate=5,
        seconds=5,
        events=(2_000, 20_000),
        growth_orders=50,
        outage=5,
        audit_events=10_000,
    )
    default = quick if args.quick else Sizes()
    sizes = replace(
        default,
        orders=args.orders or default.orders,
        rate=args.rate or default.rate,
        seconds=args.seconds or default.seconds,
        events=args.events or default.events,
        outage=args.outage or default.outage,
        audit_events=args.audit_events or default.audit_events,
    )
    figures = run(sizes, args.stage or STAGES)
    console = Console(width=160)
    console.print(table(figures))
    console.print(f"saved {save(figures, sizes)}")


if __name__ == "__main__":
    main()
