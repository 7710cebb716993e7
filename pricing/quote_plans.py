"""One plan variant of a quote: its monthly fixed-fee lines, the expected visits, and its totals with tax.

The per-cluster plan prices each cluster's units at the volume tiers, each with its own minimum; the
two-tier plan prices one base unit for the whole contract plus a spot fee per visit. Both add the named
condition lines (surcharges and discounts, `pricing.conditions`). Tax is computed once on each plan's
net total and rounded down (`pricing.money.tax_on`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from pricing.conditions import (
    SERVICE_HOURS,
    first_line_line,
    literacy_line,
    old_device_line,
    response_line,
    service_hours_line,
    team_line,
    visiting_line,
)
from pricing.errors import PricingError
from pricing.lines import Line, total_net
from pricing.money import gross_for_display, tax_on
from pricing.quote_clusters import QuoteSetup, quote_setup, short_names
from pricing.quote_inputs import PER_CLUSTER, TWO_TIER, VARIANTS, OfficeInput, QuoteOptions
from pricing.seats import describe_units, volume_lines
from pricing.tariff import Tariff


@dataclass(frozen=True)
class PlanQuote:
    """One plan's monthly fixed fee (lines, net, tax, gross) and, for two-tier, its spot fee and expected total."""

    name: str
    lines: tuple[Line, ...]
    net_total: Decimal
    tax: Decimal
    gross_total: Decimal
    expected_visits: int
    visits_estimated: bool
    spot_fee_net: Decimal
    """0 for the per-cluster plan (visits included, without limit)."""
    spot_fee_gross: Decimal
    expected_net_total: Decimal
    """Fixed fee + expected visits × spot fee: what the recommendation compares."""
    expected_tax: Decimal
    expected_gross_total: Decimal

    def to_json(self, tax_rate_pct: Decimal) -> dict[str, Any]:
        body: dict[str, Any] = {
            "net_total": int(self.net_total),
            "tax": int(self.tax),
            "gross_total": int(self.gross_total),
            "lines": [line.to_json(tax_rate_pct) for line in self.lines],
            "expected_visits_per_month": self.expected_visits,
            "visits_estimated": self.visits_estimated,
            "expected_net_total": int(self.expected_net_total),
            "expected_tax": int(self.expected_tax),
            "expected_gross_total": int(self.expected_gross_total),
        }
        if self.name == TWO_TIER:
            body["spot_fee_net"] = int(self.spot_fee_net)
            body["spot_fee_gross"] = int(self.spot_fee_gross)
        return body


def _per_cluster_seat_lines(setup: QuoteSetup, tariff: Tariff) -> list[Line]:
    """Per-cluster plan: each cluster's units at the volume tiers, each with its own minimum."""
    lines: list[Line] = []
    priced = [cluster for cluster in setup.clusters if cluster.priced]
    for cluster in priced:
        label = "Concierge units" if len(priced) == 1 else f"Cluster {cluster.number} ({short_names(cluster.office_names)}): concierge units"
        basis = describe_units(cluster.seats, plan=tariff.seat_plan, rounding=setup.rounding, tolerance_pcs=setup.tolerance)
        lines.extend(volume_lines(cluster.seats.units, plan=tariff.seat_plan, label=label, basis=basis))
    return lines


def _two_tier_base_lines(setup: QuoteSetup, tariff: Tariff) -> list[Line]:
    """Two-tier plan: the base units for the whole contract, whatever the number of sites."""
    count = sum(1 for cluster in setup.clusters if cluster.priced)
    basis = f"base fee for the whole contract ({count} clusters); each visit to any site is charged as a spot fee"
    return volume_lines(tariff.two_tier.base_units, plan=tariff.seat_plan, label="Base concierge unit (two-tier)", basis=basis, kind="base")


def _condition_lines(seat_fee: Decimal, options: QuoteOptions, tariff: Tariff, *, variant: str, old_devices: int) -> list[Line]:
    """Named surcharge/discount lines on the monthly fee; visit-frequency ones only where visits are included."""
    rates = tariff.conditions
    found: list[Line | None] = [service_hours_line(key, seat_fee, rates=rates) for key in SERVICE_HOURS if key in options.service_hours]
    found.append(response_line(options.response_hours, seat_fee, rates=rates))
    found.append(team_line(options.team_size, seat_fee, rates=rates))
    found.append(visiting_line(options.visiting, seat_fee, rates=rates))
    found.append(first_line_line(options.first_line_support, seat_fee, rates=rates))
    if variant == PER_CLUSTER:  # in the two-tier plan these raise the expected visits instead
        found.append(literacy_line(options.low_it_literacy, seat_fee, rates=rates))
        found.append(old_device_line(old_devices, rates=rates))
    return [line for line in found if line is not None]


def variant_lines(setup: QuoteSetup, options: QuoteOptions, tariff: Tariff, variant: str) -> list[Line]:
    if variant == PER_CLUSTER:
        seat = _per_cluster_seat_lines(setup, tariff)
    elif variant == TWO_TIER:
        seat = _two_tier_base_lines(setup, tariff)
    else:
        raise PricingError(f"variant: must be one of {', '.join(VARIANTS)}, got {variant!r}")
    old_devices = sum(cluster.old_devices for cluster in setup.clusters if cluster.priced)
    lines = seat + _condition_lines(total_net(seat), options, tariff, variant=variant, old_devices=old_devices)
    if total_net(lines) < 0:
        raise PricingError("conditions: the discounts add up to more than the whole monthly fee")
    return lines


def plan_lines(offices: Sequence[OfficeInput], options: QuoteOptions, tariff: Tariff, *, variant: str) -> list[Line]:
    """The monthly fixed-fee lines of one plan variant ("per_cluster" or "two_tier"): units and condition lines.

    The two-tier spot fee is not among them: it is billed per visit (`tariff.spot_fee_net`).
    """
    return variant_lines(quote_setup(offices, options, tariff), options, tariff, variant)


def estimate_visits(offices: Sequence[OfficeInput], options: QuoteOptions, tariff: Tariff) -> int:
    """Visit-frequency rule: expected visits a month from PC-equivalents, old devices and IT literacy."""
    estimate = tariff.two_tier.visit_estimate
    weight = tariff.seat_plan.server_pc_equivalents
    pc_equivalents = sum((Decimal(o.pcs) + weight * o.servers for o in offices), Decimal(0))
    old = sum(o.old_devices for o in offices)
    visits = estimate.per_pc_equivalent * pc_equivalents + estimate.per_old_device * old
    if options.low_it_literacy:
        visits *= estimate.low_literacy_factor
    return max(estimate.minimum, int(visits.to_integral_value(rounding=ROUND_CEILING)))


def price_plan(name: str, lines: list[Line], tariff: Tariff, *, visits: int, estimated: bool) -> PlanQuote:
    rate = tariff.tax_rate_pct
    net = total_net(lines)
    spot = tariff.spot_fee_net if name == TWO_TIER else Decimal(0)
    expected_net = net + spot * visits
    return PlanQuote(
        name=name,
        lines=tuple(lines),
        net_total=net,
        tax=tax_on(net, rate),
        gross_total=net + tax_on(net, rate),
        expected_visits=visits,
        visits_estimated=estimated,
        spot_fee_net=spot,
        spot_fee_gross=gross_for_display(spot, rate),
        expected_net_total=expected_net,
        expected_tax=tax_on(expected_net, rate),
        expected_gross_total=expected_net + tax_on(expected_net, rate),
    )
