"""A monthly quote for a seat-plan client: offices → clusters → plans → recommended totals.

`quote(offices, options, tariff)` prices the per-cluster plan (one concierge per office cluster, each
with its own minimum) and, for widely dispersed clients, the two-tier plan (one base unit for the whole
contract + a spot fee per visit), and recommends the cheaper for the client at the expected number of
visits. Tax is computed once on each plan's net total and rounded down. Every yen of a net total is on
a line. `plan_lines` gives one variant's monthly lines to billing. Rules: docs/pricing.md.

This module holds the `Quote` and the recommendation; the parts live beside it:
`quote_inputs` (offices and options), `quote_clusters` (offices → clusters → seat units),
`quote_plans` (each plan's lines, expected visits and totals with tax). Callers import from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pricing.contract_terms import ContractTerms, contract_terms
from pricing.lines import Line
from pricing.money import as_json_number, format_yen
from pricing.quote_clusters import QuoteCluster, quote_setup, short_names
from pricing.quote_inputs import COMPARE, PER_CLUSTER, TWO_TIER, VARIANTS, OfficeInput, QuoteOptions
from pricing.quote_plans import PlanQuote, estimate_visits, plan_lines, price_plan, variant_lines
from pricing.tariff import Tariff

__all__ = [
    "COMPARE",
    "PER_CLUSTER",
    "TWO_TIER",
    "VARIANTS",
    "OfficeInput",
    "PlanQuote",
    "Quote",
    "QuoteCluster",
    "QuoteOptions",
    "estimate_visits",
    "plan_lines",
    "quote",
]


@dataclass(frozen=True)
class Quote:
    """A monthly quote: inputs echoed, clusters, priced plans, the recommendation and its totals."""

    tariff_version: str
    tax_rate_pct: Decimal
    rounding: str
    tolerance_pcs: int
    cluster_km: Decimal
    offices: tuple[OfficeInput, ...]
    options: QuoteOptions
    clusters: tuple[QuoteCluster, ...]
    plans: dict[str, PlanQuote]
    recommended: str
    warnings: tuple[str, ...]
    out_of_scope: tuple[dict[str, Any], ...]
    terms: ContractTerms | None
    notes: tuple[str, ...] = field(default=())

    @property
    def plan(self) -> PlanQuote:
        """The recommended plan."""
        return self.plans[self.recommended]

    @property
    def net_total(self) -> Decimal:
        return self.plan.net_total

    @property
    def tax(self) -> Decimal:
        return self.plan.tax

    @property
    def gross_total(self) -> Decimal:
        return self.plan.gross_total

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.plan.lines

    def to_json(self) -> dict[str, Any]:
        """The quote as JSON-ready values; yen figures are integers."""
        terms: dict[str, Any] = self.terms.to_json() if self.terms else {"start": None}
        terms["annual_prepayment_gross"] = int(self.gross_total * 12)
        spot: dict[str, Any] = {}
        if self.recommended == TWO_TIER:
            spot = {"spot_fee_net": int(self.plan.spot_fee_net), "spot_fee_gross": int(self.plan.spot_fee_gross)}
        return {
            "tariff_version": self.tariff_version,
            "recommended": self.recommended,
            "net_total": int(self.net_total),
            "tax": int(self.tax),
            "gross_total": int(self.gross_total),
            **spot,
            "tax_rate_pct": as_json_number(self.tax_rate_pct),
            "tax_rule": "consumption tax once on the net total, rounded down to the yen",
            "rounding": self.rounding,
            "rounding_tolerance_pcs": self.tolerance_pcs,
            "rounding_rule": _rounding_rule(self.rounding, self.tolerance_pcs),
            "cluster_km": as_json_number(self.cluster_km),
            "clusters": [cluster.to_json() for cluster in self.clusters],
            "lines": [line.to_json(self.tax_rate_pct) for line in self.lines],
            "plans": {name: plan.to_json(self.tax_rate_pct) for name, plan in self.plans.items()},
            "warnings": list(self.warnings),
            "out_of_scope": list(self.out_of_scope),
            "notes": list(self.notes),
            "contract_terms": terms,
            "inputs": {"offices": [office.to_json() for office in self.offices], "options": self.options.to_json()},
        }


def _rounding_rule(rounding: str, tolerance: int) -> str:
    if rounding == "half":
        return "units rounded up to the next half unit (15 PCs = 1.5 units)"
    return f"a new whole unit only once the count exceeds the next multiple of 10 by more than {tolerance} PCs (15 or 20 PCs = 1 unit, 21 = 2)"


def _out_of_scope(offices: Sequence[OfficeInput]) -> tuple[list[dict[str, Any]], list[str]]:
    flagged: list[dict[str, Any]] = []
    warnings: list[str] = []
    for office in offices:
        if office.other_seats:
            flagged.append({"office": office.name, "seats": office.other_seats, "reason": "non-Windows OS"})
            warnings.append(f"{office.name}: {office.other_seats} seat(s) on a non-Windows OS are outside the service and not priced")
        if office.user_programs:
            flagged.append({"office": office.name, "seats": office.user_programs, "reason": "user-written programs"})
            warnings.append(f"{office.name}: {office.user_programs} user-written program(s) (Excel macros, Access...) are outside the service")
    return flagged, warnings


def quote(offices: Sequence[OfficeInput], options: QuoteOptions, tariff: Tariff) -> Quote:
    """Price the per-cluster plan and, for dispersed clients, the two-tier plan; recommend the cheaper."""
    setup = quote_setup(offices, options, tariff)
    priced_clusters = sum(1 for cluster in setup.clusters if cluster.priced)
    flagged, warnings = _out_of_scope(offices)
    notes: list[str] = []
    for cluster in setup.clusters:
        if not cluster.priced:
            warnings.append(f"Cluster {cluster.number} ({short_names(cluster.office_names)}) has no Windows PCs or servers: no concierge priced")
    estimated = options.visits_per_month is None
    visits = estimate_visits(offices, options, tariff) if options.visits_per_month is None else options.visits_per_month
    plans = {PER_CLUSTER: price_plan(PER_CLUSTER, variant_lines(setup, options, tariff, PER_CLUSTER), tariff, visits=visits, estimated=estimated)}
    compare = options.compare_two_tier
    dispersed = priced_clusters >= tariff.two_tier.min_clusters or (priced_clusters >= 2 and not estimated)
    if compare == "always" or (compare == "auto" and dispersed):
        plans[TWO_TIER] = price_plan(TWO_TIER, variant_lines(setup, options, tariff, TWO_TIER), tariff, visits=visits, estimated=estimated)
    elif compare == "auto":
        notes.append(
            f"two-tier plan not priced: {priced_clusters} cluster(s); offered from {tariff.two_tier.min_clusters} clusters, "
            "or from 2 when the expected visits per month are given"
        )
    recommended = PER_CLUSTER
    if TWO_TIER in plans and plans[TWO_TIER].expected_net_total < plans[PER_CLUSTER].expected_net_total:
        recommended = TWO_TIER
    if TWO_TIER in plans:
        two = plans[TWO_TIER]
        notes.append(
            f"two-tier: {format_yen(two.gross_total)} a month + {format_yen(two.spot_fee_gross)} per visit; "
            f"{two.expected_visits} visit(s) a month {'estimated' if estimated else 'given'} → {format_yen(two.expected_gross_total)} "
            f"vs per-cluster {format_yen(plans[PER_CLUSTER].gross_total)} (visits included)"
        )
    if options.tolerance_pcs is not None and setup.rounding == "half":
        warnings.append("tolerance applies only to whole_after rounding; ignored")
    return Quote(
        tariff_version=tariff.version,
        tax_rate_pct=tariff.tax_rate_pct,
        rounding=setup.rounding,
        tolerance_pcs=setup.tolerance,
        cluster_km=setup.km,
        offices=tuple(offices),
        options=options,
        clusters=setup.clusters,
        plans=plans,
        recommended=recommended,
        warnings=tuple(warnings),
        out_of_scope=tuple(flagged),
        terms=None if options.start is None else contract_terms(options.start, rules=tariff.contract),
        notes=tuple(notes),
    )
