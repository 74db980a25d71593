"""For auditors: history, state as of a moment, export, and proving the views right."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import Progress

from changeorders.application import audit
from changeorders.cli import render
from changeorders.cli.common import MspOption, console, embedded
from changeorders.services.projections.verify import rebuild_in_place, verify

app = typer.Typer()
views_app = typer.Typer(
    help="The read side: verify or rebuild the views.",
    no_args_is_help=True,
)
app.add_typer(views_app, name="views")


@app.command()
def history(
    msp: MspOption,
    subject: Annotated[str, typer.Argument(help="An order id or a customer key.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON lines, one event each.", metavar=" ")
    ] = False,
) -> None:
    """Every event of an order or a customer (its account and its orders), in order."""
    with embedded() as service:
        app = service.application
        order_id = _as_uuid(subject)
        events = (
            audit.order_history(app, msp, order_id)
            if order_id
            else audit.customer_history(app, msp, subject)
        )
        if as_json:
            for event in events:
                typer.echo(event.model_dump_json())
            return
        console.print(render.history_table(subject, events, audit.changed_fields))


@app.command()
def state(
    msp: MspOption,
    subject: Annotated[str, typer.Argument(help="An order id or a customer key.")],
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="A moment (ISO 8601, UTC if no zone).")
    ] = None,
    version: Annotated[int | None, typer.Option(help="An aggregate version.")] = None,
) -> None:
    """An order's or an account's state as of a moment or a version, from the events."""
    at = as_of.replace(tzinfo=as_of.tzinfo or UTC) if as_of else None
    with embedded() as service:
        app = service.application
        order_id = _as_uuid(subject)
        if order_id:
            order = audit.order_as_of(app, msp, order_id, at, version)
            console.print(render.order_state(order))
        else:
            console.print(render.account_state(audit.account_as_of(app, msp, subject, at, version)))


@app.command()
def export(
    msp: MspOption,
    customer: Annotated[
        str | None, typer.Argument(help="A customer; all of the MSP's if none.")
    ] = None,
) -> None:
    """The full history as JSON lines, for an external auditor (stdout)."""
    with embedded() as service:
        app = service.application
        events = (
            audit.customer_history(app, msp, customer) if customer else audit.msp_history(app, msp)
        )
        for event in events:
            typer.echo(event.model_dump_json())


@views_app.command("verify")
def views_verify() -> None:
    """Rebuild every view from the event store into fresh tables and compare with the live
    ones, row by row. Exit 0 when equal, 1 with the differing rows."""
    with embedded() as service:
        live = service.views
        live.catch_up() if service.settings.delivery == "local" else None
        with _progress("rebuilding into scratch tables") as advance:
            result = verify(service.application, live.recorder, service.settings, advance)
    console.print(render.verification(result))
    raise typer.Exit(0 if result.equal else 1)


@views_app.command("rebuild")
def views_rebuild() -> None:
    """Empty the live views and rebuild them from the event store (a new view version)."""
    with embedded() as service, _progress("rebuilding the live views") as advance:
        count = rebuild_in_place(service.application, service.views.recorder, advance)
    console.print(f"[green]✓[/] rebuilt the views from {count} events")


@contextmanager
def _progress(what: str) -> Iterator[Callable[[int], None]]:
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done: bar.update(task, completed=done)


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
