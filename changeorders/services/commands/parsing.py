"""Commands as published (pydantic) to the domain's value objects."""

from __future__ import annotations

from changeorders.domain.options import Options, PrimaryChoice
from changeorders.schemas.commands import AddToPrimary, SelectNewPrimary, SelectOptions


def to_options(command: SelectOptions) -> Options:
    products: tuple[str, ...] = ()
    if isinstance(command.primary, AddToPrimary):
        products = tuple(command.primary.products)
    elif isinstance(command.primary, SelectNewPrimary):
        products = (command.primary.product,)
    return Options(
        seat_adjustment=command.seat_adjustment,
        implementation_lead=command.implementation_lead,
        primary=PrimaryChoice(command.primary.mode),
        products=products,
        add_ons=tuple(command.add_ons),
    )
