"""A stand-in for the `pricing` fee rules with the seed's tables, for data-layer billing tests.

Only what the billing tests exercise; the real rules (and their own table tests) live in `pricing/`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from data.billing_rules import FeeLine, IncidentFacts, Level, OfficeSeats, RateTotal, Totals

UNIT = Decimal(28000)
ANNUAL = {"normal": 25000, "technical": 40000, "highly_technical": 80000, "mission_critical": 240000}
MONTHLY = {
    "normal": (5000, 15000, 25000, 30000, 35000),
    "technical": (10000, 20000, 30000, 35000, 40000),
    "highly_technical": (40000, 50000, 60000, 70000, 80000),
    "mission_critical": (60000, 90000, 120000),
}
ANNUAL_LEVEL = (1000, 2000, 4000, 6000, 10000, 20000, 40000, 80000, 160000, 320000)
MONTHLY_LEVEL = (0, 0, 0, 2000, 4000, 8000, 20000, 40000, 80000, 160000)
BEYOND_FACTOR = Decimal("1.5")


class FakeRules:
    tariff_version = "fake-1"
    scopes = ("normal", "technical", "highly_technical", "mission_critical")

    def seat_plan_lines(
        self, offices: Sequence[OfficeSeats], *, variant: str, rounding: str, service_hours: Sequence[str]
    ) -> list[FeeLine]:
        pcs = sum(o.pcs for o in offices)
        units = Decimal(1) if variant == "two_tier" else max(Decimal(1), Decimal(math.ceil(pcs / 5)) / 2)
        base = UNIT * units
        lines = [FeeLine("基本料金", f"{pcs} PCs", units, UNIT, base)]
        if "evening" in service_hours:
            lines.append(FeeLine("夜間対応", "20%", Decimal(1), base / 5, base / 5))
        return lines

    def spot_fee(self) -> Decimal:
        return Decimal(12000)

    def nonroutine_hourly_rate(self) -> Decimal | None:
        return None

    def incident_level(self, facts: IncidentFacts, *, scope: str) -> Level:
        if facts.onsite_visits:
            return Level("7", "on-site visit → level 7")
        if facts.investigation:
            return Level("5", "investigation → level 5")
        calls = sum(facts.call_minutes)
        for minutes, level in ((60, 5), (45, 4), (30, 3), (15, 2)):
            if calls > minutes:
                return Level(str(level), f"call {calls} min > {minutes} → level {level}")
        if calls > 5 or facts.mail_round_trips > 2 or facts.chat_minutes > 10:
            return Level("1", "above feather → level 1")
        return Level("feather", "within feather limits")

    def annual_base_fee(self, scope: str) -> Decimal:
        return Decimal(ANNUAL[scope])

    def monthly_base_fee(self, scope: str, max_incidents: int) -> Decimal:
        return Decimal(MONTHLY[scope][max_incidents - 1])

    def incident_fee(self, level: str, *, billing: str, scope: str, beyond_maximum: bool) -> Decimal:
        if level == "feather":
            return Decimal(0)
        n = int(level)
        if billing == "annual":
            return Decimal(ANNUAL_LEVEL[n - 1])
        fee = Decimal(MONTHLY_LEVEL[n - 1])
        if beyond_maximum:
            fee += Decimal(MONTHLY[scope][0]) * BEYOND_FACTOR
        return fee

    def chart_fee(self, *, scope: str) -> Decimal:
        return Decimal(ANNUAL_LEVEL[2])

    def default_fee_limit(self, *, scope: str) -> Decimal:
        return Decimal(50000)

    def cap_fee(self, fee: Decimal, *, limit: Decimal, continuation_approved: bool) -> tuple[Decimal, bool]:
        if fee > limit and not continuation_approved:
            return limit, True
        return fee, False

    def invoice_totals(self, lines: Sequence[FeeLine]) -> Totals:
        rates: dict[Decimal, Decimal] = {}
        for line in lines:
            rates[line.tax_rate] = rates.get(line.tax_rate, Decimal(0)) + line.net
        per_rate = tuple(
            RateTotal(rate, net, (net * rate).quantize(Decimal(1), rounding=ROUND_DOWN)) for rate, net in sorted(rates.items())
        )
        net = sum((r.net for r in per_rate), Decimal(0))
        tax = sum((r.tax for r in per_rate), Decimal(0))
        return Totals(per_rate, net, tax, net + tax)
