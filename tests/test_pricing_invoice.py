"""Invoice totals: net per tax rate, consumption tax rounded down once per rate per invoice, gross."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from pricing.errors import PricingError
from pricing.invoice import consumption_tax, invoice_totals


def yen(*amounts: int) -> tuple[Decimal, ...]:
    return tuple(Decimal(a) for a in amounts)


@dataclass(frozen=True)
class Line:
    net: Decimal
    tax_rate: Decimal = Decimal("0.10")


def test_seed_unit_price_28000_plus_10_percent_is_30800() -> None:
    """One concierge unit: 28,000 net + 10% = 30,800 (seed 001)."""
    totals = invoice_totals([Line(Decimal(28000))])
    assert (totals.net_total, totals.tax, totals.gross_total) == yen(28000, 2800, 30800)


def test_tax_rounded_down_once_per_invoice_not_per_line() -> None:
    """Three lines of 1,005 yen: tax on 3,015 is 301 (rounded down once), not 3 x 100 = 300."""
    totals = invoice_totals([Line(Decimal(1005))] * 3)
    assert (totals.net_total, totals.tax, totals.gross_total) == yen(3015, 301, 3316)


def test_round_down_never_up() -> None:
    """10% of 99 yen is 9 yen (9.9 rounded down)."""
    assert consumption_tax(Decimal(99), Decimal("0.10")) == 9
    assert consumption_tax(Decimal(99), Decimal("0.08")) == 7


def test_each_tax_rate_has_its_own_subtotal_and_rounding() -> None:
    """Standard 10% and reduced 8% lines: net and tax per rate, each rounded down once."""
    totals = invoice_totals([
        Line(Decimal(1999)), Line(Decimal(1001), Decimal("0.08")), Line(Decimal(1)), Line(Decimal(12), Decimal("0.08")),
    ])
    assert [(r.rate, r.net, r.tax) for r in totals.per_rate] == [
        (Decimal("0.08"), Decimal(1013), Decimal(81)),
        (Decimal("0.1"), Decimal(2000), Decimal(200)),
    ]
    assert (totals.net_total, totals.tax, totals.gross_total) == yen(3013, 281, 3294)


def test_zero_lines_count() -> None:
    """Feather and absorbed incidents are ¥0 lines: they add nothing."""
    totals = invoice_totals([Line(Decimal(25000)), Line(Decimal(0)), Line(Decimal(10000))])
    assert (totals.net_total, totals.tax, totals.gross_total) == yen(35000, 3500, 38500)


def test_empty_invoice_is_zero() -> None:
    """No lines: no rates, all totals zero."""
    totals = invoice_totals([])
    assert (totals.per_rate, totals.net_total, totals.tax, totals.gross_total) == ((), *yen(0, 0, 0))


@pytest.mark.parametrize(("line", "match"), [
    (Line(Decimal("10.5")), r"lines\[1\]\.net: Decimal\('10.5'\) is not whole yen"),
    (Line(1000.0), r"lines\[1\]\.net: 1000.0 is not whole yen"),  # type: ignore[arg-type]
    (Line(Decimal(100), Decimal("1.10")), r"lines\[1\]\.tax_rate"),
    (Line(Decimal(100), 0.1), r"lines\[1\]\.tax_rate"),  # type: ignore[arg-type]
])
def test_bad_lines_are_refused(line: Line, match: str) -> None:
    """Fractions of a yen, floats or a rate of 110% are errors naming the line, not rounded silently."""
    with pytest.raises(PricingError, match=match):
        invoice_totals([Line(Decimal(1)), line])
