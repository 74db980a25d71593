"""The one-command demo: one change order of each kind, start to submission."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from changeorders.bootstrap import Embedded
from changeorders.cli import render
from changeorders.domain.errors import DomainError
from changeorders.domain.options import Options, PrimaryChoice
from changeorders.domain.order import ChangeOrder
from changeorders.schemas.reference import ReferenceData
from changeorders.services.commands import presenters


@dataclass(frozen=True)
class DemoOrder:
    title: str
    msp: str
    user: str
    customer: str
    options: Options


def _opts(
    seats: int,
    lead: str,
    primary: PrimaryChoice = PrimaryChoice.KEEP,
    products: tuple[str, ...] = (),
    add_ons: tuple[str, ...] = (),
) -> Options:
    return Options(seats, lead, primary, products, add_ons)


ORDERS = (
    DemoOrder("Seat increase", "northwind", "alice", "acme-dental", _opts(+10, "alice")),
    DemoOrder("Seat decrease", "northwind", "bob", "harbor-logistics", _opts(-25, "bob")),
    DemoOrder(
        "Add-ons",
        "northwind",
        "alice",
        "pinecrest-legal",
        _opts(0, "priya", add_ons=("AWT", "SYNC")),
    ),
    DemoOrder(
        "Add to primary",
        "northwind",
        "priya",
        "sunrise-bakery",
        _opts(+2, "priya", PrimaryChoice.ADD_TO, ("ARC-CLD",)),
    ),
    DemoOrder(
        "Select new primary",
        "bluefin",
        "carol",
        "riverside-clinic",
        _opts(+15, "carol", PrimaryChoice.SELECT_NEW, ("SEG-PRO",), ("WEB",)),
    ),
    DemoOrder(
        "Upgrade combined with a seat downgrade (refused)",
        "copperleaf",
        "erin",
        "tidewater-credit",
        _opts(-20, "erin", PrimaryChoice.SELECT_NEW, ("SEG-ENT",)),
    ),
)


def run_demo(service: Embedded, data: ReferenceData, console: Console) -> None:
    app = service.application
    report = app.load_reference_data(data)
    console.print(Rule("[bold]changeorders demo[/] · embedded SQLite store"))
    console.print(
        f"Loaded sample data: price list [bold]{data.price_list.version}[/], "
        f"{len(data.msps)} MSPs, {len(data.customers)} customers "
        f"({len(report.created)} records created as events)\n"
    )
    outcomes = Table(title="Orders", title_justify="left", header_style="bold")
    for column in ("Kind", "Customer", "Order", "Outcome"):
        outcomes.add_column(column)
    for number, demo in enumerate(ORDERS, start=1):
        console.print(Rule(f"{number}. {demo.title}", align="left", style="cyan"))
        order_id = app.create_order(demo.msp, demo.user, demo.customer)
        try:
            app.select_options(demo.msp, demo.user, order_id, demo.options)
        except DomainError as exc:
            console.print(f"[bold red]✗ refused[/] [bold]{exc.rule}[/]: {exc.message}\n")
            outcomes.add_row(demo.title, demo.customer, str(order_id)[:8], f"refused: {exc.rule}")
            continue
        order, _ = app.review(demo.msp, demo.user, order_id)
        view = presenters.review(order, app.agreement(demo.msp))
        account = app.customer(demo.msp, demo.customer)
        console.print(render.review_panel(view, f"{account.name} · {demo.msp} · review #1"))
        app.confirm(demo.msp, demo.user, order_id, accept_msa=True, confirm_authority=True)
        app.submit(demo.msp, demo.user, order_id)
        console.print(
            f"[green]✓[/] confirmed (MSA {view.msa.msa_id} + authority) and submitted by "
            f"{demo.user}: [bold]your order is being processed[/]"
        )
        service.processing.pump()
        outcome = app.order(demo.msp, order_id)
        after = app.customer(demo.msp, demo.customer)
        console.print(
            f"[green]✓[/] processed: [bold]{outcome.status.value}[/] · {after.name} now has "
            f"{after.seats} seats of {', '.join(after.primary_products + after.add_ons)}"
        )
        service.notifications.pump()
        show_notifications(service, app.order(demo.msp, order_id), console)
        outcomes.add_row(demo.title, demo.customer, str(order_id)[:8], outcome.status.value)
    console.print(outcomes)
    console.print(f"\nEvent store: {service.settings.sqlite_path}")


def show_notifications(service: Embedded, order: ChangeOrder, console: Console) -> None:
    out = service.settings.outbox_dir
    if order.addendum is not None:
        name = next(
            a["name"]
            for a in service.application.customer(order.msp_key, order.customer_key).attachments
            if a["attachment_id"] == order.addendum["attachment_id"]
        )
        console.print(f"[green]✓[/] addendum stored on the customer: {out / 'addenda' / name}")
    for role, sent in sorted(order.notifications.items(), reverse=True):
        where = out / "emails" / f"{sent.get('message_id', '').strip('<>').split('@')[0]}.eml"
        console.print(f"[green]✓[/] email to the {role} ({sent['recipient']}): {where}")
    console.print()
