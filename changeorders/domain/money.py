"""Money is ``Decimal``, never float, and is rounded in exactly one place.

The rounding point: a priced line's monthly amount (seats x unit price) is rounded half-up
to the cent by :func:`to_cents`. Totals and differences are sums of rounded lines, so they
need no further rounding and always equal the sum of the lines a person reads.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent: the single rounding point of the system."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_price(text: str | int | Decimal) -> Decimal:
    """Parse a unit price from reference data; strings only, never floats."""
    if isinstance(text, float):
        raise ValueError("prices must be given as strings, never as floats")
    try:
        price = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(f"not a price: {text!r}") from None
    if not price.is_finite() or price < 0:
        raise ValueError(f"a price must be a finite amount of zero or more: {text!r}")
    return price


def format_money(amount: Decimal, places: int = 2) -> str:
    """Dollars with thousands separators, to the cent. With ``places`` > 2 a unit price keeps
    its contracted decimals (up to ``places``) rather than being shown rounded."""
    exponent = amount.as_tuple().exponent
    decimals = (
        2 if places == 2 else min(places, max(2, -exponent if isinstance(exponent, int) else 2))
    )
    return f"${amount:,.{decimals}f}"
