"""Rich renderings of reviews, orders and customers for the CLI and the demo."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from changeorders.domain.money import format_money
from changeorders.domain.order import ChangeOrder
from changeorders.schemas.events import PublishedEvent
from changeorders.schemas.views import CustomerDetails, CustomerSummary, OrderView, ReviewView

if TYPE_CHECKING:
    from changeorders.adapters.lag import PartitionLag
    from changeorders.application.audit import AccountAsOf
    from changeorders.application.verification import Verification as LogVerification
    from changeorders.services.projections.verify import Verification


def signed_money(amount: Decimal) -> Text:
    if amount > 0:
        return Text(f"+{format_money(amount)}", style="bold red")
    if amount < 0:
        return Text(f"-{format_money(-amount)}", style="bold green")
    return Text(format_money(amount))


_CHANGE_STYLE = {"added": "green", "removed": "red", "seats changed": "yellow", "unchanged": "dim"}


def review_panel(review: ReviewView, title: str) -> Panel:
    table = Table(expand=False, show_footer=True, header_style="bold", footer_style="bold")
    table.add_column("Code", no_wrap=True)
    table.add_column("Product", footer="Monthly total", ratio=1)
    table.add_column("Unit price", justify="right", no_wrap=True)
    table.add_column("Seats", justify="right", no_wrap=True)
    table.add_column(
        "Before", justify="right", footer=format_money(review.monthly_before), no_wrap=True
    )
    table.add_column(
        "After", justify="right", footer=format_money(review.monthly_after), no_wrap=True
    )
    table.add_column("Change", footer=signed_money(review.monthly_delta), no_wrap=True)
    for line in review.lines:
        seats = (
            str(line.seats_after)
            if line.seats_before == line.seats_after
            else f"{line.seats_before} → {line.seats_after}"
        )
        table.add_row(
            line.code,
            line.name if line.kind == "primary" else f"{line.name} [dim](add-on)[/]",
            f"${line.unit_price}",
            seats,
            format_money(line.monthly_before),
            format_money(line.monthly_after),
            Text(line.change, style=_CHANGE_STYLE.get(line.change, "")),
        )
    footer = Text.assemble(
        ("Contracted rates · price list ", "dim"),
        (review.price_list_version, "bold"),
        (" · agreement v", "dim"),
        (str(review.agreement_version), "bold"),
        ("\nGoverned by ", "dim"),
        (review.msa.title, "italic"),
    )
    return Panel(
        Group(table, footer), title=title, title_align="left", border_style="cyan", expand=False
    )


def order_table(order: OrderView) -> Table:
    table = Table(title=f"Order {order.order_id}", title_justify="left", header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Event")
    table.add_column("At (UTC)")
    table.add_column("By")
    for entry in order.history:
        table.add_row(
            str(entry.version),
            entry.type,
            entry.at.strftime("%Y-%m-%d %H:%M:%S"),
            entry.by or "",
        )
    table.caption = f"{order.customer} · status [bold]{order.status.value}[/]"
    return table


def customers_table(customers: list[CustomerSummary]) -> Table:
    table = Table(header_style="bold")
    for column in ("Customer", "Name", "Primary", "Add-ons"):
        table.add_column(column)
    table.add_column("Seats", justify="right")
    for c in customers:
        table.add_row(
            c.customer,
            c.name,
            ", ".join(c.primary_products),
            ", ".join(c.add_ons) or "—",
            str(c.seats),
        )
    return table


def customer_panel(c: CustomerDetails) -> Panel:
    body = Table.grid(padding=(0, 2))
    for label, value in (
        ("Customer", f"{c.name} ({c.customer})"),
        ("MSP", c.msp),
        ("Primary", ", ".join(c.primary_products)),
        ("Add-ons", ", ".join(c.add_ons) or "—"),
        ("Seats", str(c.seats)),
        ("Implementation lead", c.implementation_lead),
        ("Attachments", str(len(c.attachments))),
    ):
        body.add_row(Text(label, style="bold"), value)
    return Panel(body, title=c.name, title_align="left")


def history_table(
    subject: str, events: list[PublishedEvent], summary: Callable[[PublishedEvent], str]
) -> Table:
    table = Table(title=f"History of {subject}", title_justify="left", header_style="bold")
    for column in ("#", "At (UTC)", "Actor", "Event", "What changed"):
        table.add_column(column, overflow="fold")
    for event in events:
        table.add_row(
            str(event.position),
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            event.actor or "[dim]system[/]",
            event.type,
            summary(event),
        )
    table.caption = f"{len(events)} events"
    return table


def account_state(result: AccountAsOf) -> Panel:
    s = result.state
    body = Table.grid(padding=(0, 2))
    for label, value in (
        ("As of", result.as_of.isoformat() if result.as_of else f"version {s.version}"),
        ("Account version", str(s.version)),
        ("Primary", ", ".join(s.primary_products)),
        ("Add-ons", ", ".join(s.add_ons) or "—"),
        ("Seats", str(s.seats)),
        ("Implementation lead", s.implementation_lead),
        ("Monthly cost", format_money(result.monthly_cost)),
        (
            "Priced with",
            f"price list {result.price_list_version}, agreement v{result.agreement_version}",
        ),
    ):
        body.add_row(Text(label, style="bold"), value)
    return Panel(body, title=f"{s.name} ({s.customer_id})", title_align="left")


def order_state(order: ChangeOrder) -> Panel:
    body = Table.grid(padding=(0, 2))
    quote = order.applied_quote or order.quote_data
    for label, value in (
        ("Version", str(order.version)),
        ("Status", order.status.value),
        ("Customer", order.customer_key),
        ("Options", str(order.options_data or "—")),
        ("Monthly", f"{quote['monthly_before']} -> {quote['monthly_after']}" if quote else "—"),
    ):
        body.add_row(Text(label, style="bold"), value)
    return Panel(body, title=f"Order {order.id}", title_align="left")


def verification(result: Verification) -> Group:
    table = Table(
        header_style="bold",
        title="Views: live vs rebuilt from the event store",
        title_justify="left",
    )
    for column in ("View", "Rows", "Only live", "Only rebuilt"):
        table.add_column(column)
    differing = {d.table: d for d in result.differences}
    for name, count in result.tables.items():
        diff = differing.get(name)
        table.add_row(
            name,
            str(count),
            str(len(diff.only_live)) if diff else "0",
            str(len(diff.only_rebuilt)) if diff else "0",
        )
    lines: list[Any] = [table]
    for diff in result.differences:
        for row in diff.only_live:
            lines.append(Text(f"{diff.table} live:    {row}", style="red"))
        for row in diff.only_rebuilt:
            lines.append(Text(f"{diff.table} rebuilt: {row}", style="green"))
    verdict = "[green]✓ equal[/]" if result.equal else "[red]✗ the views differ[/]"
    lines.append(Text.from_markup(verdict))
    return Group(*lines)


def lag_table(rows: list[PartitionLag]) -> Table:
    table = Table(header_style="bold", title="Consumer lag", title_justify="left")
    for column in ("Group", "Topic", "Partition", "Committed", "End", "Lag", "Last consumed"):
        table.add_column(column, justify="left" if column in ("Group", "Topic") else "right")
    for row in rows:
        since = row.seconds_since_last()
        table.add_row(
            row.group,
            row.topic,
            str(row.partition),
            "—" if row.committed is None else str(row.committed),
            str(row.end),
            Text(str(row.lag), style="bold red" if row.lag else "green"),
            "never" if since is None else f"{since:,.0f} s ago",
        )
    return table


def log_verification(result: LogVerification, seconds: float) -> Group:
    """The log's chains and checkpoints: a summary, then the first breaks, then a verdict."""
    rate = f"{result.events / seconds:,.0f} events/s" if seconds > 0 else ""
    lines: list[Any] = [
        Text(f"{result.events} events re-hashed in {seconds:.2f} s ({rate})"),
        Text(f"{result.checkpoints} signed checkpoints checked; root {result.root.hex()}"),
    ]
    if result.breaks:
        first = result.breaks[0]
        where = f"position {first.position}" if first.position is not None else "deleted"
        lines.append(
            Text(
                f"first broken link: aggregate {first.aggregate} version {first.version} "
                f"({where}): {first.reason}",
                style="bold red",
            )
        )
        lines += [
            Text(f"  also: {b.aggregate} v{b.version}: {b.reason}", style="red")
            for b in result.breaks[1:10]
        ]
    lines += [Text(failure, style="red") for failure in result.checkpoint_failures]
    verdict = (
        "[green]✓ the history is the one that was written[/]"
        if result.intact
        else f"[red]✗ {len(result.breaks)} broken links, "
        f"{len(result.checkpoint_failures)} checkpoint failures[/]"
    )
    lines.append(Text.from_markup(verdict))
    return Group(*lines)
