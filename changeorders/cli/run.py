"""The long-running services, one command each, and the demo.

Each service runs until SIGTERM or SIGINT and stops between batches. With
CHANGEORDERS_DELIVERY=kafka the consumers read the events topic in their consumer groups;
otherwise they follow the event store in-process.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from prometheus_client import start_http_server

from changeorders.adapters.logs import configure_logging
from changeorders.adapters.metrics import watch_lag
from changeorders.adapters.settings import Settings
from changeorders.bootstrap import (
    Service,
    build_api,
    build_notifier,
    build_processor,
    build_projections,
    build_relay,
    build_webhooks,
)
from changeorders.cli.common import (
    SAMPLE_DATA,
    console,
    embedded,
    read_reference_data,
    settings_from_env,
    stop_on_signals,
)

app = typer.Typer()
DEMO_TOKEN = "demo-northwind-7Qm2xV"  # noqa: S105 - the sample data's published demo token


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API (uvicorn); on the embedded default also process submitted orders
    and send their emails in the background."""
    configure_logging("api")
    stop = stop_on_signals()
    settings = settings_from_env()
    api = build_api(settings, host, port)
    where = f"http://{host}:{port}"
    console.print(f"[bold]Portal[/]: {where}/portal   [bold]API docs[/]: {where}/docs")
    if api.embedded.application.recorder.max_notification_id() is None:
        store = (
            settings.sqlite_path if settings.event_store == "sqlite" else settings.postgres_schema
        )
        console.print(
            f"[yellow]The event store ({store}) is empty[/]: no MSP can sign in yet. "
            "Load the sample data with `changeorders load`, or serve the demo's store with "
            "CHANGEORDERS_SQLITE_PATH=demo-output/changeorders.sqlite3"
        )
    else:
        console.print(f"Sample data sign-in: token {DEMO_TOKEN}, user alice")
    api.run_until(stop)


def serve_metrics(settings: Settings, *, lag_of: Sequence[str] = ()) -> None:
    """Prometheus metrics for a long-running service, when CHANGEORDERS_METRICS_PORT is set."""
    if settings.metrics_port is None:
        return
    if lag_of and settings.delivery == "kafka":
        watch_lag(settings.kafka_bootstrap, settings.events_topic, list(lag_of))
    start_http_server(settings.metrics_port, addr="0.0.0.0")  # noqa: S104 - scraped from outside


@app.command()
def relay() -> None:
    """Publish stored events to Kafka in store order (runs until SIGTERM)."""
    configure_logging("relay")
    stop = stop_on_signals()
    settings = settings_from_env()
    serve_metrics(settings)
    outbox = build_relay(settings)
    console.print(f"relaying to {settings.events_topic}; backlog {outbox.backlog()}")
    outbox.run_until(stop)


def _consume(service: str, group: str, build: Callable[[Settings], Service]) -> None:
    """Run one consumer service until SIGTERM, with its logs and metrics."""
    configure_logging(service)
    stop = stop_on_signals()  # first: a SIGTERM during start-up is a clean stop too
    settings = settings_from_env()
    serve_metrics(settings, lag_of=[settings.group(group)])
    build(settings).run_until(stop)


@app.command()
def process() -> None:
    """Apply submitted orders to their accounts (runs until SIGTERM)."""
    _consume("processor", "processor", build_processor)


@app.command()
def notify() -> None:
    """Send each applied order's addendum and two emails (runs until SIGTERM).

    SMTP with CHANGEORDERS_SMTP_HOST; otherwise .eml files in CHANGEORDERS_OUTBOX_DIR.
    """
    _consume("notifier", "notifier", build_notifier)


@app.command()
def project() -> None:
    """Build the customer, licence and order views (runs until SIGTERM)."""
    _consume("projections", "views", build_projections)


@app.command()
def webhooks() -> None:
    """POST every order status change to the MSPs' webhook endpoints, signed (runs until
    SIGTERM). Failed deliveries are retried on their own schedule for 24 h."""
    _consume("webhooks", "webhooks", build_webhooks)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's store and output.")] = Path(
        "demo-output"
    ),
) -> None:
    """Run one order of each kind on a fresh embedded SQLite store and print each review."""
    from changeorders.cli.demo import run_demo

    out.mkdir(parents=True, exist_ok=True)
    store = out / "changeorders.sqlite3"
    for leftover in out.glob("changeorders.sqlite3*"):
        leftover.unlink()
    for folder in ("emails", "addenda"):
        shutil.rmtree(out / folder, ignore_errors=True)
    with embedded(Settings(sqlite_path=store, outbox_dir=out)) as service:
        run_demo(service, read_reference_data(SAMPLE_DATA), console)
    console.print(
        "\n[bold]Next[/]: serve this store and open the portal in a browser:\n"
        f"  CHANGEORDERS_SQLITE_PATH={store} .venv/bin/changeorders serve\n"
        f"  then http://127.0.0.1:8000/portal (token {DEMO_TOKEN}, user alice)"
    )
