"""The portal's pages around an order: sign in, customers, a customer, saved quotes.

Server-rendered (Jinja2), with htmx for the parts that update in place. The pages call the
application directly, as the API's routes do; tenancy is the signed-in MSP's, as there.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from changeorders.application.errors import NotAuthenticated
from changeorders.domain.errors import AttachmentNotFound, DomainError
from changeorders.services.commands.dependencies import Parts
from changeorders.services.commands.portal.format import templates
from changeorders.services.commands.portal.session import (
    CsrfChecked,
    SignedIn,
    Visitor,
    csrf_token,
    sign_in,
)

router = APIRouter(prefix="/portal", include_in_schema=False)
TEMPLATES = templates()
SEE_OTHER = 303


def page(
    request: Request, name: str, who: Visitor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A template with what every page shows: who is signed in, and the form token."""
    context |= {"who": who, "csrf": csrf_token(request)}
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


class NotHere(Exception):
    """Nothing of that name for the signed-in MSP: the portal answers 404 with a page."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def not_here_page(request: Request, exc: NotHere) -> HTMLResponse:
    """The one rendering of "not found" (registered as the app's handler for NotHere)."""
    msp, user = request.session.get("msp"), request.session.get("user")
    who = Visitor(msp, user, csrf_token(request)) if msp and user else None
    return page(request, "not_found.html", who, 404, what=exc.what)


def go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=SEE_OTHER)


@router.get("")
def home(request: Request) -> RedirectResponse:
    return go("/portal/customers" if request.session.get("user") else "/portal/sign-in")


@router.get("/sign-in")
def sign_in_form(request: Request) -> HTMLResponse:
    return page(request, "sign_in.html", None)


@router.post("/sign-in", dependencies=[CsrfChecked])
def sign_in_with_token(
    request: Request,
    parts: Parts,
    token: Annotated[str, Form(max_length=500)],
    user: Annotated[str, Form(max_length=63)],
) -> Response:
    """The MSP's API token proves the MSP; the user must be one of its users."""
    try:
        msp = parts.application.authenticate(token)
        parts.application.msp(msp).require_user(user)
    except (NotAuthenticated, DomainError):
        error = "That token and user do not match an MSP user. Check both and try again."
        return page(request, "sign_in.html", None, 401, error=error, user=user)
    sign_in(request, msp, user)
    return go("/portal/customers")


@router.post("/sign-out", dependencies=[CsrfChecked])
def sign_out(request: Request) -> RedirectResponse:
    request.session.clear()
    return go("/portal/sign-in")


@router.get("/customers")
def customers(request: Request, parts: Parts, who: SignedIn, q: str = "") -> HTMLResponse:
    """The MSP's customers (search by name or key), with seats, products and open orders."""
    queries = parts.views()
    found = [
        c
        for c in queries.customers(who.msp)
        if q.casefold() in c.name.casefold() or q.casefold() in c.customer
    ]
    open_orders: dict[str, int] = {}
    for order in queries.orders(who.msp, open_only=True):
        open_orders[order.customer] = open_orders.get(order.customer, 0) + 1
    name = "customer_rows.html" if request.headers.get("hx-request") else "customers.html"
    return page(request, name, who, customers=found, open_orders=open_orders, q=q)


@router.get("/customers/{customer}")
def customer(request: Request, parts: Parts, who: SignedIn, customer: str) -> HTMLResponse:
    details = parts.views().customer(who.msp, customer)
    if details is None:
        raise NotHere(f"customer {customer}")
    return page(request, "customer.html", who, c=details)


@router.get("/customers/{customer}/attachments/{attachment_id}")
def attachment(
    request: Request, parts: Parts, who: SignedIn, customer: str, attachment_id: str
) -> Response:
    try:
        parts.application.customer(who.msp, customer)
        stored = parts.attachments.get(attachment_id)
        if stored is None or stored.customer != customer:
            raise AttachmentNotFound(attachment_id)
    except DomainError as exc:
        raise NotHere("attachment") from exc
    return Response(
        stored.content,
        media_type=stored.media_type,
        headers={"Content-Disposition": f'attachment; filename="{stored.name}"'},
    )


@router.get("/drafts")
def drafts(request: Request, parts: Parts, who: SignedIn) -> HTMLResponse:
    """Saved quotes: the MSP's open orders, to resume or cancel."""
    return page(request, "drafts.html", who, orders=parts.views().orders(who.msp, open_only=True))
