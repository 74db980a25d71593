"""The ``changeorders`` command line: load data, browse customers, run orders, the demo.

Exit codes: 0 done; 2 bad usage; 3 a business rule refused the command; 4 conflict (state
moved on, e.g. price lock or a concurrent change); 5 not found; 6 configuration or set-up.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn
from uuid import UUID

import typer
from prometheus_client import start_http_server
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.progress import Progress
from rich.table import Table

from changeorders.domain.errors import (
    AttachmentNotFound,
    CustomerNotFound,
    DomainError,
    ErrorKind,
)
from changeorders.schemas.commands import SelectOptions
from changeorders.schemas.reference import ReferenceData
from changeorders.schemas.views import CustomerDetails
from changeorders.services.commands import audit, presenters, render
from changeorders.services.commands.bootstrap import CommandsService, build
from changeorders.services.commands.errors import ReferenceDataMissing
from changeorders.services.commands.parsing import to_options
from changeorders.services.dead_letters import list_parked, replay
from changeorders.services.kafka_feed import dead_letter_topic
from changeorders.services.lag import consumer_lag
from changeorders.services.logs import configure_logging
from changeorders.services.metrics import watch_lag
from changeorders.services.projections.verify import rebuild_in_place, verify
from changeorders.services.settings import Settings, SettingsError

SAMPLE_DATA = Path(__file__).parent / "data" / "sample.json"
EXIT_BY_KIND = {ErrorKind.RULE: 3, ErrorKind.CONFLICT: 4, ErrorKind.NOT_FOUND: 5}
EXIT_SETUP = 6

app = typer.Typer(help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
order_app = typer.Typer(help="Run a change order step by step.", no_args_is_help=True)
user_app = typer.Typer(help="MSP users (implementation leads, submitters).", no_args_is_help=True)
app.add_typer(order_app, name="order")
dlq_app = typer.Typer(help="Dead-lettered (parked) records.", no_args_is_help=True)
views_app = typer.Typer(help="The read side: verify or rebuild the views.", no_args_is_help=True)
app.add_typer(views_app, name="views")
app.add_typer(user_app, name="user")
app.add_typer(dlq_app, name="dlq")
console = Console(width=None if Console().is_terminal else 120)

MspOption = Annotated[str, typer.Option("--msp", help="The MSP to act for.")]
ActingOption = Annotated[str, typer.Option("--as", help="The MSP user who acts.")]


def fail(message: str, code: int) -> NoReturn:
    console.print(f"[bold red]✗[/] {message}")
    raise typer.Exit(code)


@contextmanager
def commands_service(settings: Settings | None = None) -> Iterator[CommandsService]:
    """Build the service from the environment; turn failures into exit codes."""
    try:
        service = build(settings or Settings.from_env())
    except SettingsError as exc:
        fail(str(exc), EXIT_SETUP)
    try:
        yield service
    except DomainError as exc:
        hint = f"\n  hint: {exc.hint}" if exc.hint else ""
        fail(f"[bold]{exc.rule}[/]: {exc.message}{hint}", EXIT_BY_KIND[exc.kind])
    except ReferenceDataMissing as exc:
        fail(str(exc), EXIT_SETUP)
    finally:
        service.close()


def read_reference_data(path: Path) -> ReferenceData:
    try:
        return ReferenceData.model_validate_json(path.read_bytes())
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}", EXIT_SETUP)
    except ValidationError as exc:
        fail(f"{path} is not valid reference data:\n{exc}", 3)


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="Reference data JSON.")] = SAMPLE_DATA,
) -> None:
    """Load reference data (price list, MSPs, agreements, users, customers) as events."""
    data = read_reference_data(path)
    with commands_service() as service:
        report = service.application.load_reference_data(data)
    console.print(
        f"[green]✓[/] loaded {path.name}: {len(report.created)} created, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged"
    )


@app.command()
def customers(msp: MspOption) -> None:
    """List an MSP's customers."""
    with commands_service() as service:
        console.print(render.customers_table(service.views.read().customers(msp)))


@app.command()
def customer(msp: MspOption, key: str) -> None:
    """Show one customer's details."""
    with commands_service() as service:
        details = service.views.read().customer(msp, key)
        if details is None:
            raise CustomerNotFound(f"no customer {key!r} for MSP {msp}")
        console.print(render.customer_panel(CustomerDetails(**details)))


@user_app.command("create")
def create_user(msp: MspOption, acting: ActingOption, user_id: str, name: str, email: str) -> None:
    """Create an MSP user, so that they can be named implementation lead."""
    with commands_service() as service:
        service.application.create_user(msp, acting, user_id, name, email)
    console.print(f"[green]✓[/] user {user_id} created in {msp}")


@order_app.command("create")
def create_order(msp: MspOption, acting: ActingOption, customer_key: str) -> None:
    """Start a change order (a draft) for a customer; prints its id."""
    with commands_service() as service:
        order_id = service.application.create_order(msp, acting, customer_key)
    console.print(str(order_id))


@order_app.command("options")
def select_options(
    msp: MspOption,
    acting: ActingOption,
    order_id: UUID,
    lead: Annotated[str, typer.Option(help="Implementation lead (an MSP user).")],
    seats: Annotated[int, typer.Option(help="Seat adjustment, + or -.")] = 0,
    add_to: Annotated[list[str] | None, typer.Option(help="Primary product to add.")] = None,
    select_new: Annotated[str | None, typer.Option(help="Replacement primary product.")] = None,
    add_on: Annotated[list[str] | None, typer.Option(help="Add-on to include.")] = None,
) -> None:
    """Select the order's options (keep the primary product unless --add-to/--select-new)."""
    primary: dict[str, object] = {"mode": "keep"}
    if add_to and select_new:
        fail("choose --add-to or --select-new, not both", 2)
    if add_to:
        primary = {"mode": "add_to", "products": add_to}
    elif select_new:
        primary = {"mode": "select_new", "product": select_new}
    try:
        command = SelectOptions.model_validate(
            {
                "seat_adjustment": seats,
                "implementation_lead": lead,
                "primary": primary,
                "add_ons": add_on or [],
            }
        )
    except ValidationError as exc:
        fail(f"invalid options:\n{exc}", 2)
    with commands_service() as service:
        service.application.select_options(msp, acting, order_id, to_options(command))
    console.print(f"[green]✓[/] options selected for {order_id}")


@order_app.command("review")
def review(msp: MspOption, acting: ActingOption, order_id: UUID) -> None:
    """Review: the priced summary at the MSP's contracted prices."""
    with commands_service() as service:
        order, _ = service.application.review(msp, acting, order_id)
        view = presenters.review(order, service.application.agreement(msp))
        console.print(render.review_panel(view, f"Review #{view.review_number} · {order_id}"))


@order_app.command("confirm")
def confirm(
    msp: MspOption,
    acting: ActingOption,
    order_id: UUID,
    accept_msa: Annotated[bool, typer.Option("--accept-msa", help="The MSA tick box.")] = False,
    confirm_authority: Annotated[
        bool, typer.Option("--confirm-authority", help="The authority tick box.")
    ] = False,
) -> None:
    """Confirm the latest review: both tick boxes are required."""
    with commands_service() as service:
        service.application.confirm(msp, acting, order_id, accept_msa, confirm_authority)
    console.print(f"[green]✓[/] order {order_id} confirmed")


@order_app.command("submit")
def submit(msp: MspOption, acting: ActingOption, order_id: UUID) -> None:
    """Submit a confirmed order."""
    with commands_service() as service:
        service.application.submit(msp, acting, order_id)
    console.print(f"[green]✓[/] order {order_id} submitted: it is being processed")


@order_app.command("cancel")
def cancel(
    msp: MspOption, acting: ActingOption, order_id: UUID, reason: str = "cancelled by MSP"
) -> None:
    """Cancel an open draft."""
    with commands_service() as service:
        service.application.cancel(msp, acting, order_id, reason)
    console.print(f"[green]✓[/] order {order_id} cancelled")


@order_app.command("show")
def show(msp: MspOption, order_id: UUID) -> None:
    """Show an order and its history."""
    with commands_service() as service:
        view = presenters.order(*service.application.order_with_history(msp, order_id))
        console.print(render.order_table(view))


@app.command()
def history(
    msp: MspOption,
    subject: Annotated[str, typer.Argument(help="An order id or a customer key.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, one event each.")] = False,
) -> None:
    """Every event of an order or a customer (its account and its orders), in order."""
    with commands_service() as service:
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
    with commands_service() as service:
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
    with commands_service() as service:
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
    with commands_service() as service:
        live = service.views
        live.catch_up() if service.settings.delivery == "local" else None
        with _progress("rebuilding into scratch tables") as advance:
            result = verify(service.application, live.recorder, service.settings, advance)
    console.print(render.verification(result))
    raise typer.Exit(0 if result.equal else 1)


@views_app.command("rebuild")
def views_rebuild() -> None:
    """Empty the live views and rebuild them from the event store (a new view version)."""
    with commands_service() as service, _progress("rebuilding the live views") as advance:
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


@order_app.command("drafts")
def drafts(msp: MspOption) -> None:
    """List the MSP's open drafts (saved quotes)."""
    with commands_service() as service:
        for row in service.views.read().orders(msp, open_only=True):
            console.print(f"{row.order_id}  {row.customer:<20} {row.status:<10} {row.created_by}")


@app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Where to write the document.")] = Path(
        "docs/openapi.json"
    ),
) -> None:
    """Write the HTTP API's OpenAPI document."""
    with commands_service(Settings(sqlite_path=Path(":memory:"))) as service:
        document = service.api().openapi()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    console.print(f"[green]✓[/] wrote {out}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API (uvicorn), processing submitted orders in the background."""
    import uvicorn

    from changeorders.services.notifier.bootstrap import local_notifications

    configure_logging("api")
    with commands_service() as service:
        stop = threading.Event()
        workers = [
            threading.Thread(target=worker.run_until, args=(stop,), daemon=True)
            for worker in (
                service.processing,
                local_notifications(service.application, service.settings),
            )
        ]
        if service.settings.delivery == "local":
            for worker in workers:
                worker.start()
        try:
            uvicorn.run(service.api(), host=host, port=port)
        finally:
            stop.set()
            for worker in workers:
                if worker.is_alive():
                    worker.join(timeout=5)


def serve_metrics(settings: Settings, *, lag_of: Sequence[str] = ()) -> None:
    """Prometheus metrics for a long-running service, when CHANGEORDERS_METRICS_PORT is set."""
    if settings.metrics_port is None:
        return
    if lag_of:
        watch_lag(settings.kafka_bootstrap, settings.events_topic, list(lag_of))
    start_http_server(settings.metrics_port, addr="0.0.0.0")  # noqa: S104 - scraped from outside


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so long-running services stop between batches."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


@app.command()
def relay() -> None:
    """Publish stored events to Kafka in store order (runs until SIGTERM)."""
    configure_logging("relay")
    with commands_service() as service:
        serve_metrics(service.settings)
        outbox = service.relay()
        console.print(f"relaying to {service.settings.events_topic}; backlog {outbox.backlog()}")
        outbox.run_until(stop_on_signals())


@app.command()
def process() -> None:
    """Apply submitted orders to their accounts (runs until SIGTERM).

    With CHANGEORDERS_DELIVERY=kafka it consumes the events topic in its consumer group;
    otherwise it follows the event store directly.
    """
    configure_logging("processor")
    stop = stop_on_signals()
    with commands_service() as service:
        kafka = service.settings.delivery == "kafka"
        serve_metrics(
            service.settings, lag_of=[service.settings.group("processor")] if kafka else []
        )
        if kafka:
            service.kafka_processing(stop)()
        else:
            service.processing.run_until(stop)


@app.command()
def notify() -> None:
    """Send each applied order's addendum and two emails (runs until SIGTERM).

    With CHANGEORDERS_DELIVERY=kafka it consumes the events topic in its consumer group.
    SMTP with CHANGEORDERS_SMTP_HOST; otherwise .eml files in CHANGEORDERS_OUTBOX_DIR.
    """
    from changeorders.services.notifier.bootstrap import kafka_notifications, local_notifications

    configure_logging("notifier")
    stop = stop_on_signals()
    with commands_service() as service:
        kafka = service.settings.delivery == "kafka"
        serve_metrics(
            service.settings, lag_of=[service.settings.group("notifier")] if kafka else []
        )
        if kafka:
            kafka_notifications(service.application, service.settings, stop)()
        else:
            local_notifications(service.application, service.settings).run_until(stop)


@app.command()
def attachment(
    msp: MspOption,
    customer_key: str,
    attachment_id: str,
    out: Annotated[Path, typer.Option(help="Where to write the file.")],
) -> None:
    """Download a customer's attachment (an order addendum)."""
    with commands_service() as service:
        service.application.customer(msp, customer_key)
        stored = service.attachments.get(attachment_id)
        if stored is None or stored.customer != customer_key:
            raise AttachmentNotFound(f"no attachment {attachment_id!r} on {customer_key}")
        out.write_bytes(stored.content)
    console.print(f"[green]✓[/] {stored.name} ({stored.size} bytes, sha256 {stored.sha256})")


@app.command()
def lag(
    group: Annotated[
        list[str] | None, typer.Option(help="Consumer groups (default: the services').")
    ] = None,
    watch: Annotated[bool, typer.Option("--watch", help="Refresh every 2 s until Ctrl-C.")] = False,
) -> None:
    """Consumer lag per group, topic and partition: committed, end, lag, time since the last
    consumed event."""
    settings = Settings.from_env()
    groups = group or [settings.group(role) for role in ("views", "processor", "notifier")]

    def table() -> Table:
        return render.lag_table(
            consumer_lag(settings.kafka_bootstrap, settings.events_topic, groups)
        )

    if not watch:
        console.print(table())
        return
    stop = stop_on_signals()
    with Live(table(), console=console, refresh_per_second=1) as live:
        while not stop.wait(2):
            live.update(table())


@app.command()
def project() -> None:
    """Build the customer, licence and order views from Kafka (runs until SIGTERM)."""
    from changeorders.services.projections.bootstrap import build as build_projections

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        fail(str(exc), EXIT_SETUP)
    configure_logging("projections")
    serve_metrics(settings, lag_of=[settings.group("views")])
    build_projections(settings, stop_on_signals()).run()


@dlq_app.command("list")
def dlq_list() -> None:
    """Show parked records: where they came from and why they were parked."""
    settings = Settings.from_env()
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
    settings = Settings.from_env()
    sent = replay(
        settings.kafka_bootstrap,
        dead_letter_topic(settings.events_topic),
        settings.group("dlq-replay"),
        **settings.consumer_config(),
    )
    console.print(f"[green]✓[/] replayed {sent} parked records")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's store and output.")] = Path(
        "demo-output"
    ),
) -> None:
    """Run one order of each kind on a fresh embedded SQLite store and print each review."""
    from changeorders.services.commands.demo import run_demo
    from changeorders.services.notifier.bootstrap import local_notifications

    out.mkdir(parents=True, exist_ok=True)
    store = out / "changeorders.sqlite3"
    for leftover in out.glob("changeorders.sqlite3*"):
        leftover.unlink()
    for folder in ("emails", "addenda"):
        shutil.rmtree(out / folder, ignore_errors=True)
    with commands_service(Settings(sqlite_path=store, outbox_dir=out)) as service:
        notifications = local_notifications(service.application, service.settings)
        run_demo(service, notifications, read_reference_data(SAMPLE_DATA), console)


def main() -> None:
    app()
