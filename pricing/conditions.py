"""Conditions that change the price (seed 001, 料金について/サービス運用について), one rule per function.

Each rule returns a named line (or None when it does not apply): a percentage of the monthly seat fee
(service hours outside weekdays 9:00-18:00, a guaranteed response faster than the 24 h aim, team
response, remote-only or trouble-only visiting, the client's own first-line support, low IT literacy)
or a per-device amount (old devices). Discounts may take the fee below the one-unit minimum.
Travel costs are included in the monthly fee and never get a line.
"""

from __future__ import annotations

from decimal import Decimal

from pricing.lines import Line
from pricing.money import format_yen, round_line
from pricing.tariff import ConditionRates

STANDARD_RESPONSE_HOURS = 24
"""The response aim of the standard service (seed 001: 24時間以内を目指します)."""

SERVICE_HOURS: dict[str, str] = {
    "evening": "Evening coverage (weekdays after 18:00)",
    "saturday": "Saturday coverage",
    "sunday_holiday": "Sunday and holiday coverage",
}
"""Coverage beyond the standard weekdays 9:00-18:00, with their line labels."""

VISITING: dict[str, str] = {
    "on_site": "On-site visits on request (standard)",
    "trouble_only": "Visits only for trouble",
    "remote_only": "Remote support only",
}


def _pct_line(label: str, pct: Decimal, seat_fee: Decimal, what: str) -> Line:
    """A line worth `pct` % of `seat_fee`: quantity = pct/100, unit price = the seat fee."""
    quantity = pct / Decimal(100)
    sign = "+" if pct >= 0 else ""
    return Line(
        label=label,
        basis=f"{sign}{pct.normalize():f}% of the monthly seat fee {format_yen(seat_fee)} ({what})",
        quantity=quantity,
        unit_price=seat_fee,
        net=round_line(quantity * seat_fee),
        kind="condition",
    )


def service_hours_line(key: str, seat_fee: Decimal, *, rates: ConditionRates) -> Line:
    """Service-hours surcharge: coverage outside weekdays 9:00-18:00 costs a percentage more."""
    return _pct_line(SERVICE_HOURS[key], rates.pct(key), seat_fee, "outside weekdays 9:00-18:00")


def response_line(response_hours: int, seat_fee: Decimal, *, rates: ConditionRates) -> Line | None:
    """Response-time surcharge: a guaranteed response faster than the 24 h aim; the first tier covering it applies."""
    if response_hours >= STANDARD_RESPONSE_HOURS:
        return None
    for tier in rates.response_tiers:
        if response_hours <= tier.within_hours:
            label = f"Guaranteed response within {response_hours} h"
            return _pct_line(label, tier.pct, seat_fee, f"tier up to {tier.within_hours} h; standard aim 24 h")
    return None


def team_line(team_size: int, seat_fee: Decimal, *, rates: ConditionRates) -> Line | None:
    """Team response: each concierge beyond the first costs a percentage more."""
    if team_size <= 1:
        return None
    extra = team_size - 1
    pct = rates.team_per_extra_concierge * extra
    return _pct_line(f"Team response ({team_size} concierges)", pct, seat_fee, f"{extra} extra concierge{'s' if extra > 1 else ''}")


def visiting_line(visiting: str, seat_fee: Decimal, *, rates: ConditionRates) -> Line | None:
    """Reduced visiting: remote-only or trouble-only visits lower the fee (may go below the minimum)."""
    if visiting == "on_site":
        return None
    return _pct_line(VISITING[visiting], rates.pct(visiting), seat_fee, "fewer visits; may go below the one-unit minimum")


def first_line_line(first_line_support: bool, seat_fee: Decimal, *, rates: ConditionRates) -> Line | None:
    """Own first-line support: the client's own first responder takes load off the concierge."""
    if not first_line_support:
        return None
    return _pct_line("Client's own first-line support", rates.first_line_support, seat_fee, "first-line triage by the client")


def literacy_line(low_it_literacy: bool, seat_fee: Decimal, *, rates: ConditionRates) -> Line | None:
    """Low IT literacy: more calls and visits are expected."""
    if not low_it_literacy:
        return None
    return _pct_line("Low IT literacy", rates.low_it_literacy, seat_fee, "higher expected visit frequency")


def old_device_line(old_devices: int, *, rates: ConditionRates) -> Line | None:
    """Old devices: each device at least `old_device_age_years` old adds a monthly amount (more trouble)."""
    if old_devices <= 0 or rates.old_device_fee == 0:
        return None
    return Line(
        label=f"Old devices (≥ {rates.old_device_age_years} years)",
        basis=f"{old_devices} old device{'s' if old_devices != 1 else ''} × {format_yen(rates.old_device_fee)}; higher expected visit frequency",
        quantity=Decimal(old_devices),
        unit_price=rates.old_device_fee,
        net=round_line(Decimal(old_devices) * rates.old_device_fee),
        kind="condition",
    )
