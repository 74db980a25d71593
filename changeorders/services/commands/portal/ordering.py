"""The portal's order screens, in the article's order: change options, review, the two
ticks and submit, then "your order is being processed" with its status live."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain.errors import DomainError
from changeorders.domain.order import OPEN_STATUSES, ChangeOrder, OrderStatus
from changeorders.schemas.commands import SelectOptions
from changeorders.services.commands import presenters
from changeorders.services.commands.dependencies import Parts
from changeorders.services.commands.parsing import to_options
from changeorders.services.commands.portal.pages import NotHere, go, page
from changeorders.services.commands.portal.session import CsrfChecked, SignedIn, Visitor
from changeorders.services.commands.routes.live import FINAL

router = APIRouter(prefix="/portal", include_in_schema=False)
NEW_LEAD = "__new__"
Choices = Annotated[list[str], Form()]


@router.post("/customers/{customer}/orders", dependencies=[CsrfChecked])
def new_order(request: Request, parts: Parts, who: SignedIn, customer: str) -> Response:
    try:
        order_id = parts.application.create_order(who.msp, who.user, customer)
    except DomainError as exc:
        raise NotHere(f"customer {customer}") from exc
    return go(f"/portal/orders/{order_id}/options")


def _order(app: ChangeOrdersApplication, who: Visitor, order_id: UUID) -> ChangeOrder:
    try:
        return app.order(who.msp, order_id)
    except DomainError as exc:
        raise NotHere("order") from exc


def _options_page(
    request: Request,
    parts: Parts,
    who: Visitor,
    order: ChangeOrder,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    offer, msp = parts.application.offer(who.msp, order.customer_key)
    current = order.options_data or {}
    chosen = {
        "seat_adjustment": current.get("seat_adjustment", 0),
        "mode": current.get("primary", "keep"),
        "products": current.get("products", []),
        "add_ons": current.get("add_ons", []),
        "lead": current.get("implementation_lead", offer.account.implementation_lead),
    } | extra.pop("chosen", {})
    view = presenters.options(offer, msp)
    return page(request, "options.html", who, status, order=order, o=view, chosen=chosen, **extra)


@router.get("/orders/{order_id}/options")
def options_form(request: Request, parts: Parts, who: SignedIn, order_id: UUID) -> Response:
    order = _order(parts.application, who, order_id)
    if order.status not in OPEN_STATUSES:
        return go(f"/portal/orders/{order_id}")
    return _options_page(request, parts, who, order)


@router.post("/orders/{order_id}/options", dependencies=[CsrfChecked])
def select_options(
    request: Request,
    parts: Parts,
    who: SignedIn,
    order_id: UUID,
    seat_adjustment: Annotated[int, Form(ge=-1_000_000, le=1_000_000)] = 0,
    mode: Annotated[str, Form()] = "keep",
    add_to: Choices = [],  # noqa: B006 - FastAPI copies form defaults
    select_new: Annotated[str, Form()] = "",
    add_ons: Choices = [],  # noqa: B006
    lead: Annotated[str, Form()] = "",
    new_lead_id: Annotated[str, Form()] = "",
    new_lead_name: Annotated[str, Form()] = "",
    new_lead_email: Annotated[str, Form()] = "",
) -> Response:
    """Select the options (creating a new lead first if asked), then review them."""
    app = parts.application
    order = _order(app, who, order_id)
    products = add_to if mode == "add_to" else [select_new] if mode == "select_new" else []
    chosen = {"seat_adjustment": seat_adjustment, "mode": mode, "products": products}
    chosen |= {"add_ons": add_ons, "lead": lead, "new_lead_id": new_lead_id}
    chosen |= {"new_lead_name": new_lead_name, "new_lead_email": new_lead_email}
    try:
        if lead == NEW_LEAD:
            app.create_user(who.msp, who.user, new_lead_id, new_lead_name, new_lead_email)
            lead = new_lead_id
        primary = {"mode": mode} | (
            {"products": products}
            if mode == "add_to"
            else {"product": select_new}
            if mode == "select_new"
            else {}
        )
        command = SelectOptions.model_validate(
            {
                "seat_adjustment": seat_adjustment,
                "implementation_lead": lead,
                "primary": primary,
                "add_ons": add_ons,
            }
        )
        app.select_options(who.msp, who.user, order_id, to_options(command))
        app.review(who.msp, who.user, order_id)
    except DomainError as exc:
        error = {"rule": exc.rule, "message": exc.message, "hint": exc.hint}
        return _options_page(request, parts, who, order, 422, chosen=chosen, error=error)
    except ValidationError as exc:
        error = {"rule": "invalid-request", "message": _first(exc), "hint": None}
        return _options_page(request, parts, who, order, 422, chosen=chosen, error=error)
    return go(f"/portal/orders/{order_id}/review")


def _first(exc: ValidationError) -> str:
    problem = exc.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    return f"{where}: {problem['msg']}"


def _review_page(
    request: Request,
    parts: Parts,
    who: Visitor,
    order: ChangeOrder,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    review = presenters.review(order, parts.application.agreement(who.msp))
    return page(request, "review.html", who, status, order=order, r=review, **extra)


@router.get("/orders/{order_id}/review")
def review(request: Request, parts: Parts, who: SignedIn, order_id: UUID) -> Response:
    order = _order(parts.application, who, order_id)
    if order.status not in (OrderStatus.REVIEWED, OrderStatus.CONFIRMED):
        target = "options" if order.status in OPEN_STATUSES else ""
        return go(f"/portal/orders/{order_id}/{target}".rstrip("/"))
    return _review_page(request, parts, who, order)


@router.post("/orders/{order_id}/submit", dependencies=[CsrfChecked])
def submit(
    request: Request,
    parts: Parts,
    who: SignedIn,
    order_id: UUID,
    accept_msa: Annotated[bool, Form()] = False,
    confirm_authority: Annotated[bool, Form()] = False,
) -> Response:
    """Both ticks are checked here too: a browser with scripts off, or a forged form, gets
    the rule's message, not an order."""
    app = parts.application
    order = _order(app, who, order_id)
    try:
        if order.status is not OrderStatus.CONFIRMED:
            app.confirm(who.msp, who.user, order_id, accept_msa, confirm_authority)
        app.submit(who.msp, who.user, order_id)
    except DomainError as exc:
        order = app.order(who.msp, order_id)
        error = {"rule": exc.rule, "message": exc.message, "hint": exc.hint}
        return _review_page(request, parts, who, order, 422, error=error)
    return go(f"/portal/orders/{order_id}")


def _progress(parts: Parts, who: Visitor, order_id: UUID) -> dict[str, Any]:
    app = parts.application
    order = _order(app, who, order_id)
    addendum = None
    if order.addendum is not None:
        addendum = (
            f"/portal/customers/{order.customer_key}/attachments/{order.addendum['attachment_id']}"
        )
    return {
        "order": order,
        "changes": app.status_changes(who.msp, order_id),
        "final": order.status in FINAL,
        "addendum": addendum,
    }


@router.get("/orders/{order_id}")
def progress(request: Request, parts: Parts, who: SignedIn, order_id: UUID) -> Response:
    """ "Your order is being processed", then what became of it, live (htmx polling)."""
    return page(request, "progress.html", who, **_progress(parts, who, order_id))


@router.get("/orders/{order_id}/status")
def status(request: Request, parts: Parts, who: SignedIn, order_id: UUID) -> Response:
    return page(request, "status.html", who, **_progress(parts, who, order_id))


@router.post("/orders/{order_id}/cancel", dependencies=[CsrfChecked])
def cancel(request: Request, parts: Parts, who: SignedIn, order_id: UUID) -> Response:
    try:
        parts.application.cancel(who.msp, who.user, order_id, "cancelled in the portal")
    except DomainError as exc:
        raise NotHere(f"open order ({exc.message})") from exc
    return go("/portal/drafts")
