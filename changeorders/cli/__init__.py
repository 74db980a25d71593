"""The changeorders command line: load data, browse customers, run orders, audit, operate,
and run each service.

Exit codes: 0 done; 2 bad usage; 3 a business rule refused the command; 4 conflict (state
moved on, e.g. price lock or a concurrent change); 5 not found; 6 configuration or set-up.
"""

from __future__ import annotations

import sys

import typer

from changeorders.adapters.database import STORE_UNAVAILABLE
from changeorders.cli import audit, evidence, ops, orders, run
from changeorders.cli.common import EXIT_SETUP, console, first_line, where_the_store_is

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for part in (orders.app, audit.app, ops.app, run.app):
    app.add_typer(part)
app.add_typer(evidence.app, name="audit")


def main() -> None:
    try:
        app()
    except STORE_UNAVAILABLE as exc:
        console.print(f"[bold red]✗[/] {where_the_store_is()} does not answer: {first_line(exc)}")
        sys.exit(EXIT_SETUP)
