"""`BillingRules` over the `pricing` package: tariff, seat quote, incident levels and fees, invoice totals.

`PricingRules.load(ref)` reads a tariff ("default" = the one shipped with `pricing`, else a TOML file path)
and checks its `[incident_plans]` section once; every method then converts between the plain values of
`data.billing_rules` and the pricing functions. No fee is computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from data.billing_rules import FeeLine, IncidentFacts, Level, OfficeSeats, RateTotal, Totals
from pricing import incident_fees, invoice, quote
from pricing import incidents as levels
from pricing.incident_tariff import IncidentTariff, incident_tariff
from pricing.tariff import Tariff, load_tariff

DEFAULT_REFS = ("", "default")


def tariff_path(tariff_ref: str) -> Path | None:
    """None for the shipped tariff ("default"), else the file the reference names."""
    ref = (tariff_ref or "").strip()
    return None if ref in DEFAULT_REFS else Path(ref).expanduser()


class PricingRules:
    """The fee rules of one tariff, as `data.billing_rules.BillingRules`."""

    def __init__(self, tariff: Tariff, incidents: IncidentTariff | None = None) -> None:
        self.tariff = tariff
        self.incidents = incidents if incidents is not None else incident_tariff(tariff)

    @classmethod
    def load(cls, tariff_ref: str = "default") -> PricingRules:
        """The rules of the named tariff; TariffError (a PricingError) names the file and key at fault."""
        return cls(load_tariff(tariff_path(tariff_ref)))

    # --- tariff facts ---------------------------------------------------------------------------------

    @property
    def tariff_version(self) -> str:
        return self.tariff.version

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.incidents.scopes

    # --- seat plans -----------------------------------------------------------------------------------

    def seat_plan_lines(
        self, offices: Sequence[OfficeSeats], *, variant: str, rounding: str, service_hours: Sequence[str]
    ) -> list[FeeLine]:
        """Monthly base fee lines of a seat plan (per-cluster units, or the two-tier base unit) + surcharges."""
        offices_in = [
            quote.OfficeInput(name=o.name, lat=o.lat, lon=o.lon, pcs=o.pcs, servers=o.servers, other_seats=o.other_seats) for o in offices
        ]
        options = quote.QuoteOptions(rounding=rounding, service_hours=tuple(service_hours))
        rate = self.tax_rate
        return [
            FeeLine(label=line.label, basis=line.basis, quantity=line.quantity, unit_price=line.unit_price, net=line.net, tax_rate=rate)
            for line in quote.plan_lines(offices_in, options, self.tariff, variant=variant)
        ]

    @property
    def tax_rate(self) -> Decimal:
        """The tariff's consumption tax rate as a fraction (10 % → 0.10)."""
        return self.tariff.tax_rate_pct / Decimal(100)

    def spot_fee(self) -> Decimal:
        return self.tariff.spot_fee_net

    def nonroutine_hourly_rate(self) -> Decimal | None:
        """The tariff has no rate for non-routine work: the settings decide (see data/billing.py)."""
        return None

    # --- incident plans -------------------------------------------------------------------------------

    def incident_level(self, facts: IncidentFacts, *, scope: str) -> Level:
        result = levels.incident_level(facts, scope=scope, tariff=self.incidents)
        return Level(result.level, result.reason)

    def annual_base_fee(self, scope: str) -> Decimal:
        return incident_fees.annual_base_fee(self.incidents, scope=scope)

    def monthly_base_fee(self, scope: str, max_incidents: int) -> Decimal:
        return incident_fees.monthly_base_fee(self.incidents, scope=scope, max_incidents=max_incidents)

    def incident_fee(self, level: str, *, billing: str, scope: str, beyond_maximum: bool) -> Decimal:
        return incident_fees.incident_fee(self.incidents, level, plan=billing, scope=scope, beyond_maximum=beyond_maximum)

    def chart_fee(self, *, scope: str) -> Decimal:
        return incident_fees.chart_creation(self.incidents, plan="annual", scope=scope).fee

    def default_fee_limit(self, *, scope: str) -> Decimal:
        return incident_fees.default_fee_limit(self.incidents, scope=scope)

    def cap_fee(self, fee: Decimal, *, limit: Decimal, continuation_approved: bool) -> tuple[Decimal, bool]:
        capped = incident_fees.cap_fee(fee, limit=limit, continuation_approved=continuation_approved)
        return capped.billed, capped.limit_reached

    def support_priority(self, billing: str) -> int:
        """Service priority of an incident plan (higher first): monthly before annual."""
        return incident_fees.support_priority(self.incidents, plan=billing)

    # --- invoices -------------------------------------------------------------------------------------

    def invoice_totals(self, lines: Sequence[FeeLine]) -> Totals:
        totals = invoice.invoice_totals(lines)
        return Totals(
            per_rate=tuple(RateTotal(rate=r.rate, net=r.net, tax=r.tax) for r in totals.per_rate),
            net_total=totals.net_total, tax=totals.tax, gross_total=totals.gross_total,
        )
