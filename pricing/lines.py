"""A fee line: the unit of explanation of a quote (every yen of a net total is on one line)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pricing.money import as_json_number, gross_for_display


@dataclass(frozen=True)
class Line:
    """One priced line before tax. `net` is `quantity * unit_price` rounded once (pricing.money.round_line)."""

    label: str
    basis: str
    """Why this quantity and price, in words (the rule and the figures it used)."""
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    kind: str = "seat"
    """"seat" (units), "condition" (surcharge/discount), "base" (two-tier base unit)."""

    def to_json(self, tax_rate_pct: Decimal) -> dict[str, Any]:
        return {
            "label": self.label,
            "basis": self.basis,
            "kind": self.kind,
            "quantity": as_json_number(self.quantity),
            "unit_price": as_json_number(self.unit_price),
            "net": int(self.net),
            "gross_display": int(gross_for_display(self.net, tax_rate_pct)),
        }


def total_net(lines: Sequence[Line]) -> Decimal:
    """The net total of some lines (already whole yen)."""
    return sum((line.net for line in lines), Decimal(0))
