"""How the portal shows money and moments: dollars to the cent, dates in words."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates

from changeorders.domain.money import format_money

TEMPLATES = Path(__file__).parent / "templates"


def when(moment: datetime | str | None, now: datetime | None = None) -> str:
    """``26 November 2026 at 08:42 UTC (3 minutes ago)``."""
    if moment is None:
        return ""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    at = at.astimezone(UTC)
    seconds = int(((now or datetime.now(UTC)) - at).total_seconds())
    return f"{at:%-d %B %Y at %H:%M} UTC ({ago(seconds)})"


def ago(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


def money(amount: Decimal | str, places: int = 2) -> str:
    return format_money(Decimal(amount), places)


def signed_money(amount: Decimal | str) -> str:
    value = Decimal(amount)
    return ("+" if value > 0 else "-" if value < 0 else "") + format_money(abs(value))


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=TEMPLATES)
    filters: dict[str, Any] = {"money": money, "signed_money": signed_money, "when": when}
    found.env.filters.update(filters)
    return found
