"""Placing whole orders through the service layer, for tests and benchmarks."""

from __future__ import annotations

from uuid import UUID

from changeorders.application.application import ChangeOrdersApplication
from changeorders.domain.options import Options


def submit_order(
    app: ChangeOrdersApplication, msp: str, user: str, customer: str, options: Options
) -> UUID:
    """Create, select, review, confirm (both ticks) and submit one order; return its id."""
    order_id = app.create_order(msp, user, customer)
    app.select_options(msp, user, order_id, options)
    app.review(msp, user, order_id)
    app.confirm(msp, user, order_id, True, True)
    app.submit(msp, user, order_id)
    return order_id
