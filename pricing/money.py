"""Yen helpers: Decimal conversion, the one rounding step of a line, and consumption tax.

Amounts are `Decimal` yen built from `int` or `str`, never from a float's binary value. A fee line
is rounded to whole yen once, by `round_line` (towards minus infinity, so a surcharge is rounded down
and a discount rounded up: either way in the client's favour). Tax is computed once per quote on the
net total and rounded down (the Japanese invoice rule: one rounding per tax rate per document).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from pricing.errors import PricingError

YEN = Decimal("1")
"""Quantum of a yen amount."""

MAX_MAGNITUDE = Decimal(10) ** 12
"""No number read from input (a tariff price, a percentage, a count) is larger than this (¥1,000,000,000,000):
`1e999999` is a finite Decimal, but every sum and rounding of it fails."""

LINE_ROUNDING = ROUND_FLOOR
"""Rounding mode of `round_line`: towards minus infinity (surcharges down, discounts up)."""

TAX_ROUNDING = ROUND_FLOOR
"""Rounding mode of consumption tax: down to the yen, once per document."""


def to_decimal(value: object, field: str) -> Decimal:
    """`value` (int, str, Decimal; a float through its shortest repr) as a finite Decimal; PricingError(field) otherwise."""
    if isinstance(value, bool):
        raise PricingError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise PricingError(f"{field}: expected a number, got {_shown(value)}") from None
    else:
        raise PricingError(f"{field}: expected a number, got {value!r}")
    if not result.is_finite():
        raise PricingError(f"{field}: expected a finite number, got {_shown(value)}")
    if abs(result) > MAX_MAGNITUDE:
        raise PricingError(f"{field}: {_shown(value)} is larger than {MAX_MAGNITUDE:,}")
    return result


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def round_line(amount: Decimal) -> Decimal:
    """The net of a fee line in whole yen: the only rounding a line gets (mode `LINE_ROUNDING`)."""
    return amount.quantize(YEN, rounding=LINE_ROUNDING)


def tax_on(net_total: Decimal, rate_pct: Decimal) -> Decimal:
    """Consumption tax of a document's net total at `rate_pct` percent, rounded down to the yen."""
    return (net_total * rate_pct / Decimal(100)).quantize(YEN, rounding=TAX_ROUNDING)


def gross_for_display(net: Decimal, rate_pct: Decimal) -> Decimal:
    """A line's tax-inclusive figure for display only (totals use `tax_on` on the net total)."""
    return net + tax_on(net, rate_pct)


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """`value` rounded up to a multiple of `step` (e.g. the next half unit)."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def as_json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when whole, else a float (quantities like 1.5 or 0.2)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def format_yen(value: Decimal) -> str:
    """¥1,234 (negative: -¥1,234); fractions shown only when present."""
    sign = "-" if value < 0 else ""
    magnitude = -value if value < 0 else value
    if magnitude == magnitude.to_integral_value():
        return f"{sign}¥{int(magnitude):,}"
    return f"{sign}¥{magnitude:,}"
