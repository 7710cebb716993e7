"""What billing and incident records need from `pricing`, as one small interface.

`data/billing.py` and `data/incidents.py` never compute a fee themselves: they turn rows into the plain
values below and ask a `BillingRules` object. `load_rules(tariff_ref)` binds the interface to the
`pricing` package (tariff, seat quote, incident levels and fees, invoice totals); tests may pass any
object with the same methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from pricing.incidents import IncidentFacts as IncidentFacts  # the level table's input, re-exported

LEVELS: tuple[str, ...] = ("feather", *(str(n) for n in range(1, 11)))
"""Incident levels as stored in `Incident.level`."""

STANDARD_RATE = Decimal("0.10")
"""Japanese standard consumption tax rate; every line of ours is taxed at it."""


@dataclass(frozen=True)
class OfficeSeats:
    """One office of a seat-plan client as the quote sees it (seats on record at the close)."""

    name: str
    lat: float
    lon: float
    pcs: int
    """Windows client PCs."""
    servers: int
    """Windows servers."""
    other_seats: int = 0
    """PCs and servers on other systems (out of the service; flagged by the quote, not priced)."""


@dataclass(frozen=True)
class FeeLine:
    """One priced line before tax: `net == quantity * unit_price` unless the rule says otherwise."""

    label: str
    basis: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    tax_rate: Decimal = STANDARD_RATE


@dataclass(frozen=True)
class Level:
    """A computed incident level ("feather" or "1".."10") and the sentence explaining it."""

    level: str
    reason: str


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    """Invoice totals: net and tax per tax rate (tax rounded down once per rate), grand totals."""

    per_rate: tuple[RateTotal, ...]
    net_total: Decimal
    tax: Decimal
    gross_total: Decimal


class BillingRules(Protocol):
    """The fee rules billing needs; implemented over `pricing` by `PricingRules`."""

    @property
    def tariff_version(self) -> str: ...

    @property
    def scopes(self) -> tuple[str, ...]: ...

    def seat_plan_lines(
        self, offices: Sequence[OfficeSeats], *, variant: str, rounding: str, service_hours: Sequence[str]
    ) -> list[FeeLine]:
        """Monthly base fee lines of a seat plan (per-cluster units, or the two-tier base unit) + surcharges."""
        ...

    def spot_fee(self) -> Decimal:
        """Net fee of one two-tier spot visit."""
        ...

    def nonroutine_hourly_rate(self) -> Decimal | None:
        """Net hourly rate of non-routine work, or None when the tariff has none (settings decide)."""
        ...

    def incident_level(self, facts: IncidentFacts, *, scope: str) -> Level: ...

    def annual_base_fee(self, scope: str) -> Decimal: ...

    def monthly_base_fee(self, scope: str, max_incidents: int) -> Decimal: ...

    def incident_fee(self, level: str, *, billing: str, scope: str, beyond_maximum: bool) -> Decimal:
        """Fee of one incident: annual column, monthly extra column, or the increased fee beyond the maximum."""
        ...

    def chart_fee(self, *, scope: str) -> Decimal:
        """カルテ creation paid without consuming an incident: the annual-plan level-3 price."""
        ...

    def default_fee_limit(self, *, scope: str) -> Decimal:
        """The cap when neither contract nor incident sets a limit (the consulting fee)."""
        ...

    def cap_fee(self, fee: Decimal, *, limit: Decimal, continuation_approved: bool) -> tuple[Decimal, bool]:
        """(fee billed, limit reached): no billing beyond the limit unless the continuation was recorded."""
        ...

    def invoice_totals(self, lines: Sequence[FeeLine]) -> Totals: ...


def load_rules(tariff_ref: str = "default") -> BillingRules:
    """The rules of the named tariff ("default" = the tariff shipped with `pricing`)."""
    from data.pricing_adapter import PricingRules

    return PricingRules.load(tariff_ref)


def days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole days an incident has been open."""
    return max(0, (end - start).days)
