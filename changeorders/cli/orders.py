"""Reference data, customers, users and the steps of a change order."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from pydantic import ValidationError

from changeorders.cli import render
from changeorders.cli.common import (
    SAMPLE_DATA,
    ActingOption,
    MspOption,
    console,
    embedded,
    fail,
    read_reference_data,
)
from changeorders.domain.errors import AttachmentNotFound, CustomerNotFound
from changeorders.schemas.commands import SelectOptions
from changeorders.schemas.views import CustomerDetails
from changeorders.services.commands import presenters
from changeorders.services.commands.parsing import to_options

app = typer.Typer()
order_app = typer.Typer(
    rich_markup_mode="markdown", help="Run a change order step by step.", no_args_is_help=True
)
user_app = typer.Typer(
    help="MSP users (implementation leads, submitters).",
    no_args_is_help=True,
)
app.add_typer(order_app, name="order")
app.add_typer(user_app, name="user")


@app.command()
def load(
    path: Annotated[Path, typer.Argument(help="Reference data JSON.")] = SAMPLE_DATA,
) -> None:
    """Load reference data (price list, MSPs, agreements, users, customers) as events."""
    data = read_reference_data(path)
    with embedded() as service:
        report = service.application.load_reference_data(data)
    console.print(
        f"[green]✓[/] loaded {path.name}: {len(report.created)} created, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged"
    )


@app.command()
def customers(msp: MspOption) -> None:
    """List an MSP's customers."""
    with embedded() as service:
        console.print(render.customers_table(service.queries().customers(msp)))


@app.command()
def customer(msp: MspOption, key: str) -> None:
    """Show one customer's details."""
    with embedded() as service:
        details = service.queries().customer(msp, key)
        if details is None:
            raise CustomerNotFound(f"no customer {key!r} for MSP {msp}")
        console.print(render.customer_panel(CustomerDetails(**details)))


@user_app.command("create")
def create_user(msp: MspOption, acting: ActingOption, user_id: str, name: str, email: str) -> None:
    """Create an MSP user, so that they can be named implementation lead."""
    with embedded() as service:
        service.application.create_user(msp, acting, user_id, name, email)
    console.print(f"[green]✓[/] user {user_id} created in {msp}")


@order_app.command("create")
def create_order(msp: MspOption, acting: ActingOption, customer_key: str) -> None:
    """Start a change order (a draft) for a customer; prints its id."""
    with embedded() as service:
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
    with embedded() as service:
        service.application.select_options(msp, acting, order_id, to_options(command))
    console.print(f"[green]✓[/] options selected for {order_id}")


@order_app.command("review")
def review(msp: MspOption, acting: ActingOption, order_id: UUID) -> None:
    """Review: the priced summary at the MSP's contracted prices."""
    with embedded() as service:
        order, _ = service.application.review(msp, acting, order_id)
        view = presenters.review(order, service.application.agreement(msp))
        console.print(render.review_panel(view, f"Review #{view.review_number} · {order_id}"))


@order_app.command("confirm")
def confirm(
    msp: MspOption,
    acting: ActingOption,
    order_id: UUID,
    accept_msa: Annotated[
        bool, typer.Option("--accept-msa", help="The MSA tick box.", metavar=" ")
    ] = False,
    confirm_authority: Annotated[
        bool, typer.Option("--confirm-authority", help="The authority tick box.", metavar=" ")
    ] = False,
) -> None:
    """Confirm the latest review: both tick boxes are required."""
    with embedded() as service:
        service.application.confirm(msp, acting, order_id, accept_msa, confirm_authority)
    console.print(f"[green]✓[/] order {order_id} confirmed")


@order_app.command("submit")
def submit(msp: MspOption, acting: ActingOption, order_id: UUID) -> None:
    """Submit a confirmed order."""
    with embedded() as service:
        service.application.submit(msp, acting, order_id)
    console.print(f"[green]✓[/] order {order_id} submitted: it is being processed")


@order_app.command("cancel")
def cancel(
    msp: MspOption, acting: ActingOption, order_id: UUID, reason: str = "cancelled by MSP"
) -> None:
    """Cancel an open draft."""
    with embedded() as service:
        service.application.cancel(msp, acting, order_id, reason)
    console.print(f"[green]✓[/] order {order_id} cancelled")


@order_app.command("show")
def show(msp: MspOption, order_id: UUID) -> None:
    """Show an order and its history."""
    with embedded() as service:
        view = presenters.order(*service.application.order_with_history(msp, order_id))
        console.print(render.order_table(view))


@order_app.command("drafts")
def drafts(msp: MspOption) -> None:
    """List the MSP's open drafts (saved quotes)."""
    with embedded() as service:
        drafts = service.queries().orders(msp, open_only=True)
    if not drafts:
        console.print(f"no open drafts for {msp}")
    for row in drafts:
        status = row.status.value
        console.print(f"{row.order_id}  {row.customer:<20} {status:<10} {row.created_by}")


@app.command()
def attachment(
    msp: MspOption,
    customer_key: str,
    attachment_id: str,
    out: Annotated[Path, typer.Option(help="Where to write the file.")],
) -> None:
    """Download a customer's attachment (an order addendum)."""
    with embedded() as service:
        service.application.customer(msp, customer_key)
        stored = service.attachments.get(attachment_id)
        if stored is None or stored.customer != customer_key:
            raise AttachmentNotFound(f"no attachment {attachment_id!r} on {customer_key}")
        out.write_bytes(stored.content)
    console.print(f"[green]✓[/] {stored.name} ({stored.size} bytes, sha256 {stored.sha256})")
