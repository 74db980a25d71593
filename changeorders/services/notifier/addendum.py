"""The order addendum: what it says (read from the events) and how it is rendered to PDF.

Rendering is reproducible: every date comes from the order's events, never the clock, and
the font subsetting's timestamp is pinned to the order's time (``SOURCE_DATE_EPOCH``, read
by fontTools), so the same order always renders to the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any
from uuid import UUID, uuid5

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from changeorders.adapters.evidence import stored_hash
from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain.errors import NotApplied
from changeorders.domain.money import format_money
from changeorders.domain.pricing import Quote, QuoteLine

ATTACHMENT_NAMESPACE = UUID("5e0c7e0a-3a57-4d4f-8f5b-2b8e7c1d9a40")
MEDIA_TYPE = "application/pdf"


@dataclass(frozen=True)
class Party:
    key: str
    name: str


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    email: str


@dataclass(frozen=True)
class Addendum:
    """Everything the addendum and both emails say about one applied order."""

    order_id: UUID
    msp: Party
    customer: Party
    submitter: Person
    lead: Person
    submitted_at: datetime
    confirmed_at: datetime
    applied_at: datetime
    quote: Quote  # priced on the account the order was applied to
    confirmed_quote: Quote  # the review the submitter confirmed
    confirmation: dict[str, Any]
    #: the order's chain hash at its Applied event: matches the PDF to its audited history
    chain_hash: str = ""
    applied_version: int = 0

    @property
    def attachment_id(self) -> str:
        return str(uuid5(ATTACHMENT_NAMESPACE, f"addendum:{self.order_id}"))

    @property
    def file_name(self) -> str:
        return f"addendum-{self.customer.key}-{str(self.order_id)[:8]}.pdf"

    @property
    def changes(self) -> list[QuoteLine]:
        return [line for line in self.quote.lines if line.change != "unchanged"]

    @property
    def previous(self) -> list[QuoteLine]:
        return [line for line in self.quote.lines if line.seats_before]


def read_addendum(app: ChangeOrdersApplication, order_id: UUID) -> Addendum:
    """Gather the addendum's facts from the event store (an applied order's events)."""
    order = app.find_order(order_id)
    if order is None:
        raise LookupError(f"order {order_id} is not in the event store")
    history = app.order_history(order)
    times = {type(e).__name__: e.timestamp for e in history}
    applied_version = max(
        (e.originator_version for e in history if type(e).__name__ == "Applied"), default=0
    )
    msp = app.msp(order.msp_key)
    account = app.customer(order.msp_key, order.customer_key)
    options = order.options
    if not order.is_applied or order.applied_quote is None:
        raise NotApplied(f"order {order_id} is {order.status.value}: it has no addendum")
    assert options is not None  # an applied order has its options,
    assert order.submitted_by is not None  # its submitter
    assert order.confirmation is not None  # its confirmation
    confirmed = order.quote
    assert confirmed is not None  # and the review it confirmed

    def person(user_id: str) -> Person:
        user = msp.users[user_id]
        return Person(user_id, user["name"], user["email"])

    return Addendum(
        order_id=order.id,
        msp=Party(msp.key, msp.name),
        customer=Party(account.key, account.name),
        submitter=person(order.submitted_by),
        lead=person(options.implementation_lead),
        submitted_at=times["Submitted"],
        confirmed_at=times["Confirmed"],
        applied_at=times["Applied"],
        quote=Quote.from_dict(order.applied_quote),
        confirmed_quote=confirmed,
        confirmation=order.confirmation,
        chain_hash=(stored_hash(app.datastore, order.id, applied_version) or b"").hex(),
        applied_version=applied_version,
    )


def signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "-" if amount < 0 else "") + format_money(abs(amount))


templates = Environment(
    loader=PackageLoader("changeorders.services.notifier", "templates"),
    autoescape=select_autoescape(["html.j2"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
templates.globals.update(money=format_money, signed=signed)

_RENDER_LOCK = threading.Lock()


def render_html(addendum: Addendum) -> str:
    template = templates.get_template("addendum.html.j2")
    return str(
        template.render(**vars(addendum), changes=addendum.changes, previous=addendum.previous)
    )


class AddendumHTML(HTML):  # type: ignore[misc]  # weasyprint is untyped
    """WeasyPrint's document with the addendum's own user-agent sheet (addendum-ua.css) in
    place of the html5 one, which styles every HTML element. ``_ua_stylesheets`` is a
    private method of the pinned WeasyPrint; a test checks that the addendum lays out box
    for box as with WeasyPrint's own sheet, so an upgrade that changes it is caught."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [typesetting()[2]]


def _stylesheet(name: str, fonts: FontConfiguration) -> CSS:
    sheet = files("changeorders.services.notifier") / "templates" / name
    return CSS(string=sheet.read_text(encoding="utf-8"), font_config=fonts)


@cache
def typesetting() -> tuple[FontConfiguration, CSS, CSS]:
    """The font configuration, the stylesheet and the user-agent sheet, built once per
    process: a new FontConfiguration loads every system font and starts with cold glyph
    caches, which was most of a PDF's cost."""
    fonts = FontConfiguration()
    return fonts, _stylesheet("addendum.css", fonts), _stylesheet("addendum-ua.css", fonts)


def warm_up() -> None:
    """Load the fonts and the stylesheet now rather than on the first order."""
    typesetting()


def render_pdf(addendum: Addendum) -> bytes:
    """The PDF bytes; identical for the same order, whenever and wherever rendered."""
    html = render_html(addendum)
    with _RENDER_LOCK:
        fonts, sheet, _ = typesetting()
        os.environ["SOURCE_DATE_EPOCH"] = str(int(addendum.applied_at.timestamp()))
        document = AddendumHTML(string=html).write_pdf(
            stylesheets=[sheet],
            font_config=fonts,
            pdf_identifier=addendum.order_id.hex.encode(),
        )
        return bytes(document)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
