"""Who is signed in to the portal, and the CSRF token every form carries.

The session lives in a signed cookie (Starlette's SessionMiddleware: HttpOnly, SameSite=Lax,
Secure unless the operator allows plain http for development). It names the MSP and the
MSP user, never the API token that proved them. Every form POST must carry the session's
CSRF token, compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request

SESSION_COOKIE = "changeorders_portal"
SESSION_SECONDS = 8 * 3600


class SignInRequired(Exception):
    """No one is signed in: the portal sends the browser to the sign-in page."""


@dataclass(frozen=True)
class Visitor:
    msp: str
    user: str
    csrf: str


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (the sign-in form needs one too)."""
    token: str | None = request.session.get("csrf")
    if token is None:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def sign_in(request: Request, msp: str, user: str) -> None:
    request.session.clear()  # a new session on sign-in: no fixation
    request.session.update({"msp": msp, "user": user, "csrf": secrets.token_urlsafe(32)})


def visitor(request: Request) -> Visitor:
    msp, user = request.session.get("msp"), request.session.get("user")
    if not msp or not user:
        raise SignInRequired
    return Visitor(msp, user, csrf_token(request))


def checked_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """A form POST without the session's token is refused (403), whatever else it says."""
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        raise HTTPException(403, "the form's CSRF token is missing or stale: reload the page")


SignedIn = Annotated[Visitor, Depends(visitor)]
CsrfChecked = Depends(checked_csrf)
