"""The changeorders command line: load data, browse customers, run orders, audit, operate,
and run each service.

Exit codes: 0 done; 2 bad usage; 3 a business rule refused the command; 4 conflict (state
moved on, e.g. price lock or a concurrent change); 5 not found; 6 configuration or set-up.
"""

from __future__ import annotations

import typer

from changeorders.cli import audit, ops, orders, run

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for part in (orders.app, audit.app, ops.app, run.app):
    app.add_typer(part)


def main() -> None:
    app()
