"""What every command shares: the console, exit codes, and opening the embedded process.

Exit codes: 0 done; 2 bad usage; 3 a business rule refused the command; 4 conflict (state
moved on, e.g. price lock or a concurrent change); 5 not found; 6 configuration or set-up.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from changeorders.adapters.settings import Settings, SettingsError
from changeorders.application.errors import ReferenceDataMissing
from changeorders.bootstrap import Embedded, build_embedded
from changeorders.domain.errors import DomainError, ErrorKind
from changeorders.schemas.reference import ReferenceData

SAMPLE_DATA = Path(__file__).parent.parent / "data" / "sample.json"
EXIT_BY_KIND = {ErrorKind.RULE: 3, ErrorKind.CONFLICT: 4, ErrorKind.NOT_FOUND: 5}
EXIT_SETUP = 6

console = Console(width=None if Console().is_terminal else 120)

MspOption = Annotated[str, typer.Option("--msp", help="The MSP to act for.")]
ActingOption = Annotated[str, typer.Option("--as", help="The MSP user who acts.")]


def fail(message: str, code: int) -> NoReturn:
    console.print(f"[bold red]✗[/] {message}")
    raise typer.Exit(code)


def settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        fail(str(exc), EXIT_SETUP)


def where_the_store_is() -> str:
    """The event store the environment names, with the variables that name it."""
    settings = Settings.from_env()
    if settings.event_store == "sqlite":
        return f"the SQLite event store {settings.sqlite_path} (CHANGEORDERS_SQLITE_PATH)"
    return (
        f"PostgreSQL at {settings.postgres_host}:{settings.postgres_port}/"
        f"{settings.postgres_db} (CHANGEORDERS_POSTGRES_HOST, _PORT, _DB)"
    )


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


@contextmanager
def embedded(settings: Settings | None = None) -> Iterator[Embedded]:
    """The embedded process from the environment; failures become exit codes."""
    service = build_embedded(settings or settings_from_env())
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


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so long-running services stop between batches."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
