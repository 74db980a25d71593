"""For operators: consumer lag, dead letters, the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from kafka.errors import KafkaError
from rich.live import Live
from rich.table import Table

from changeorders.adapters.dead_letters import list_parked, replay
from changeorders.adapters.kafka_feed import dead_letter_topic
from changeorders.adapters.lag import consumer_lag
from changeorders.adapters.settings import Settings
from changeorders.cli import render
from changeorders.cli.common import (
    EXIT_SETUP,
    console,
    embedded,
    fail,
    settings_from_env,
    stop_on_signals,
)
from changeorders.services.notifier.ledger import DeliveryLedger

app = typer.Typer()


@contextmanager
def broker(settings: Settings) -> Iterator[None]:
    """Kafka failures of an operator's command: one line naming the broker, exit 6."""
    try:
        yield
    except KafkaError as exc:
        fail(
            f"no Kafka broker answers at {settings.kafka_bootstrap} "
            f"(CHANGEORDERS_KAFKA_BOOTSTRAP): {type(exc).__name__}",
            EXIT_SETUP,
        )


dlq_app = typer.Typer(
    rich_markup_mode="markdown", help="Dead-lettered (parked) records.", no_args_is_help=True
)
app.add_typer(dlq_app, name="dlq")


@app.command()
def lag(
    group: Annotated[
        list[str] | None, typer.Option(help="Consumer groups (default: the services').")
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Refresh every 2 s until Ctrl-C.", metavar=" ")
    ] = False,
) -> None:
    """Consumer lag per group, topic and partition: committed, end, lag, time since the last
    consumed event."""
    settings = settings_from_env()
    groups = group or [
        settings.group(role) for role in ("views", "processor", "notifier", "webhooks")
    ]

    def table() -> Table:
        return render.lag_table(
            consumer_lag(settings.kafka_bootstrap, settings.events_topic, groups)
        )

    with broker(settings):
        if not watch:
            console.print(table())
            return
        stop = stop_on_signals()
        with Live(table(), console=console, refresh_per_second=1) as live:
            while not stop.wait(2):
                live.update(table())


@dlq_app.command("list")
def dlq_list() -> None:
    """Show parked records: where they came from and why they were parked."""
    settings = settings_from_env()
    with broker(settings):
        parked = list_parked(settings.kafka_bootstrap, dead_letter_topic(settings.events_topic))
    table = Table(header_style="bold")
    for column in ("Source", "Group", "Error", "Reason"):
        table.add_column(column)
    for p in parked:
        table.add_row(
            f"{p.source_topic}:{p.source_partition}@{p.source_offset}",
            p.group,
            p.error_class,
            p.reason,
        )
    console.print(table if parked else "no parked records")


@dlq_app.command("replay")
def dlq_replay() -> None:
    """Send parked records back to their topic once their cause is fixed."""
    settings = settings_from_env()
    with broker(settings):
        sent = replay(
            settings.kafka_bootstrap,
            dead_letter_topic(settings.events_topic),
            settings.group("dlq-replay"),
            **settings.consumer_config(),
        )
    console.print(f"[green]✓[/] replayed {sent} parked records")


@app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Where to write the document.")] = Path(
        "docs/openapi.json"
    ),
) -> None:
    """Write the HTTP API's OpenAPI document."""
    with embedded(Settings(sqlite_path=Path(":memory:"))) as service:
        document = service.api().openapi()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    console.print(f"[green]✓[/] wrote {out}")


emails_app = typer.Typer(
    rich_markup_mode="markdown", help="Emails that failed or were refused.", no_args_is_help=True
)
app.add_typer(emails_app, name="emails")


@emails_app.command("list")
def emails_list() -> None:
    """Emails waiting for their next attempt, refused for good (parked), or being sent."""
    with embedded() as service:
        entries = DeliveryLedger(service.application.datastore, "cli").entries()
    table = Table(header_style="bold")
    for column in ("Message-ID", "Role", "Recipient", "State", "Attempts", "Next", "Last error"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.message_id,
            e.role,
            e.recipient,
            e.state,
            str(e.attempts),
            e.next_attempt_at or "",
            e.last_error or "",
        )
    console.print(table if entries else "every email is sent")


@emails_app.command("retry")
def emails_retry(
    message_id: Annotated[str | None, typer.Argument(help="One email; all when omitted.")] = None,
) -> None:
    """Send parked (or waiting) emails again now, once their cause is fixed."""
    with embedded() as service:
        count = DeliveryLedger(service.application.datastore, "cli").retry(message_id)
    console.print(f"[green]✓[/] {count} emails due now; a running notifier sends them")
