"""Invoice totals for a Japanese qualified invoice (適格請求書): net per tax rate, consumption tax per rate
rounded down once per invoice, gross.

Lines are anything with a `net` and a `tax_rate` (Decimal), e.g. `data.billing_rules.FeeLine`; this module
does not know where they come from. The only rounding is `consumption_tax`: whole yen, rounded down,
applied to each rate's net subtotal (never per line).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from pricing.errors import PricingError
from pricing.money import TAX_ROUNDING, YEN


class TaxableLine(Protocol):
    @property
    def net(self) -> Decimal: ...

    @property
    def tax_rate(self) -> Decimal: ...


@dataclass(frozen=True)
class RateTotal:
    """Net subtotal and consumption tax of one tax rate (e.g. 0.10 standard, 0.08 reduced)."""

    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class InvoiceTotals:
    per_rate: tuple[RateTotal, ...]
    """One entry per tax rate present, lowest rate first."""
    net_total: Decimal
    tax: Decimal
    gross_total: Decimal


def consumption_tax(net: Decimal, rate: Decimal) -> Decimal:
    """Tax on one rate's net subtotal: net × rate, rounded down to the yen (`pricing.money.TAX_ROUNDING`, the one step)."""
    return (net * rate).quantize(YEN, rounding=TAX_ROUNDING)


def _checked(line: TaxableLine, index: int) -> tuple[Decimal, Decimal]:
    net, rate = getattr(line, "net", None), getattr(line, "tax_rate", None)
    if not isinstance(net, Decimal) or not net.is_finite() or net != net.to_integral_value():
        raise PricingError(f"lines[{index}].net: {net!r} is not whole yen (Decimal)")
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate < 1:
        raise PricingError(f"lines[{index}].tax_rate: {rate!r} is not a tax rate between 0 and 1 (Decimal, e.g. 0.10)")
    return net, rate


def invoice_totals(lines: Iterable[TaxableLine]) -> InvoiceTotals:
    """Net per tax rate, tax per rate rounded down once, and the totals (gross = net + tax)."""
    nets: dict[Decimal, Decimal] = {}
    for index, line in enumerate(lines):
        net, rate = _checked(line, index)
        key = rate.normalize()
        nets[key] = nets.get(key, Decimal(0)) + net
    per_rate = tuple(RateTotal(rate=rate, net=net, tax=consumption_tax(net, rate)) for rate, net in sorted(nets.items()))
    net_total = sum((r.net for r in per_rate), Decimal(0))
    tax = sum((r.tax for r in per_rate), Decimal(0))
    return InvoiceTotals(per_rate=per_rate, net_total=net_total, tax=tax, gross_total=net_total + tax)
