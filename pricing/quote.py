"""A monthly quote for a seat-plan client: offices → clusters → plans → recommended totals.

`quote(offices, options, tariff)` prices the per-cluster plan (one concierge per office cluster, each
with its own minimum) and, for widely dispersed clients, the two-tier plan (one base unit for the whole
contract + a spot fee per visit), and recommends the cheaper for the client at the expected number of
visits. Tax is computed once on each plan's net total and rounded down. Every yen of a net total is on
a line. `plan_lines` gives one variant's monthly lines to billing. Rules: docs/pricing.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from pricing.clusters import cluster_points
from pricing.conditions import (
    SERVICE_HOURS,
    VISITING,
    first_line_line,
    literacy_line,
    old_device_line,
    response_line,
    service_hours_line,
    team_line,
    visiting_line,
)
from pricing.contract_terms import ContractTerms, contract_terms
from pricing.errors import PricingError
from pricing.lines import Line, total_net
from pricing.money import as_json_number, format_yen, gross_for_display, tax_on, to_decimal
from pricing.seats import SeatUnits, describe_units, seat_units, volume_lines
from pricing.tariff import ROUNDINGS, Tariff

PER_CLUSTER = "per_cluster"
TWO_TIER = "two_tier"
VARIANTS: tuple[str, ...] = (PER_CLUSTER, TWO_TIER)
COMPARE: tuple[str, ...] = ("auto", "always", "never")
"""When to price the two-tier plan: from `two_tier.min_clusters` clusters (auto), always, or never."""


def _count(value: object, name: str, where: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PricingError(f"{name}: must be a whole number, got {value!r}{where}")
    if value < 0:
        raise PricingError(f"{name}: must not be negative, got {value}{where}")
    return value


@dataclass(frozen=True)
class OfficeInput:
    """One office of the client as the quote sees it."""

    name: str
    lat: float
    """Degrees north, -90..90."""
    lon: float
    """Degrees east, -180..180."""
    pcs: int
    """Windows client PCs (in scope)."""
    servers: int = 0
    """Windows servers (in scope)."""
    other_seats: int = 0
    """PCs/servers on other operating systems: outside the service, flagged, not priced."""
    old_devices: int = 0
    """In-scope devices at least the tariff's `old_device_age_years` old."""
    user_programs: int = 0
    """User-written programs (Excel macros, Access...) the client asked about: outside the service, flagged."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise PricingError(f"name: an office needs a name, got {self.name!r}")
        where = f" (office {self.name!r})"
        for name, limit in (("lat", 90.0), ("lon", 180.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or not math.isfinite(float(value)):
                raise PricingError(f"{name}: must be a number of degrees, got {value!r}{where}")
            if not -limit <= float(value) <= limit:
                raise PricingError(f"{name}: must be between -{limit:g} and {limit:g}, got {value}{where}")
        for name in ("pcs", "servers", "other_seats", "old_devices", "user_programs"):
            _count(getattr(self, name), name, where)
        if self.old_devices > self.pcs + self.servers:
            raise PricingError(f"old_devices: {self.old_devices} is more than the office's {self.pcs + self.servers} PCs and servers{where}")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lat": float(self.lat),
            "lon": float(self.lon),
            "pcs": self.pcs,
            "servers": self.servers,
            "other_seats": self.other_seats,
            "old_devices": self.old_devices,
            "user_programs": self.user_programs,
        }


@dataclass(frozen=True)
class QuoteOptions:
    """How to quote. `None` means "the tariff's default"."""

    rounding: str | None = None
    """Unit rounding: "half" or "whole_after" (default: tariff `seat_plan.rounding`)."""
    tolerance_pcs: int | None = None
    """`whole_after` tolerance in PCs (default: tariff `seat_plan.whole_after_tolerance_pcs`)."""
    visits_per_month: int | None = None
    """Expected visits a month for the two-tier plan (None: estimated from seats and device age)."""
    cluster_km: Decimal | None = None
    """Offices within this distance share a concierge (default: tariff `seat_plan.cluster_km`)."""
    service_hours: tuple[str, ...] = ()
    """Coverage beyond weekdays 9:00-18:00: any of "evening", "saturday", "sunday_holiday"."""
    response_hours: int = 24
    """Guaranteed response time; below the standard 24 h aim costs a surcharge."""
    team_size: int = 1
    """Concierges responding together (team response above 1)."""
    visiting: str = "on_site"
    """"on_site" (standard), "trouble_only" or "remote_only"."""
    first_line_support: bool = False
    """The client has its own first-line support person."""
    low_it_literacy: bool = False
    compare_two_tier: str = "auto"
    """"auto" (from the tariff's `two_tier.min_clusters` clusters, or 2 when `visits_per_month` is given), "always" or "never"."""
    start: dt.date | None = None
    """Contract start for the contract terms (None: the terms carry no dates)."""

    def __post_init__(self) -> None:
        if self.rounding is not None and self.rounding not in ROUNDINGS:
            raise PricingError(f"rounding: must be one of {', '.join(ROUNDINGS)}, got {self.rounding!r}")
        if self.tolerance_pcs is not None:
            _count(self.tolerance_pcs, "tolerance_pcs")
        if self.visits_per_month is not None:
            _count(self.visits_per_month, "visits_per_month")
        if self.cluster_km is not None:
            km = to_decimal(self.cluster_km, "cluster_km")
            if km < 0:
                raise PricingError(f"cluster_km: must not be negative, got {self.cluster_km}")
            object.__setattr__(self, "cluster_km", km)
        unknown = [hour for hour in self.service_hours if hour not in SERVICE_HOURS]
        if unknown:
            raise PricingError(f"service_hours: {unknown[0]!r} is not one of {', '.join(SERVICE_HOURS)}")
        object.__setattr__(self, "service_hours", tuple(dict.fromkeys(self.service_hours)))
        if _count(self.response_hours, "response_hours") < 1:
            raise PricingError(f"response_hours: must be at least 1, got {self.response_hours}")
        if _count(self.team_size, "team_size") < 1:
            raise PricingError(f"team_size: must be at least 1, got {self.team_size}")
        if self.visiting not in VISITING:
            raise PricingError(f"visiting: must be one of {', '.join(VISITING)}, got {self.visiting!r}")
        if self.compare_two_tier not in COMPARE:
            raise PricingError(f"compare_two_tier: must be one of {', '.join(COMPARE)}, got {self.compare_two_tier!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "rounding": self.rounding,
            "tolerance_pcs": self.tolerance_pcs,
            "visits_per_month": self.visits_per_month,
            "cluster_km": None if self.cluster_km is None else as_json_number(self.cluster_km),
            "service_hours": list(self.service_hours),
            "response_hours": self.response_hours,
            "team_size": self.team_size,
            "visiting": self.visiting,
            "first_line_support": self.first_line_support,
            "low_it_literacy": self.low_it_literacy,
            "compare_two_tier": self.compare_two_tier,
            "start": None if self.start is None else self.start.isoformat(),
        }


@dataclass(frozen=True)
class QuoteCluster:
    """Offices sharing one concierge, with the units their seats need."""

    number: int
    """1-based, in order of the first office."""
    office_names: tuple[str, ...]
    span_km: Decimal
    seats: SeatUnits
    old_devices: int
    priced: bool
    """False when the cluster has no in-scope PCs or servers (no concierge needed)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "offices": list(self.office_names),
            "span_km": float(self.span_km),
            "pcs": self.seats.pcs,
            "servers": self.seats.servers,
            "pc_equivalents": as_json_number(self.seats.pc_equivalents),
            "units": as_json_number(self.seats.units) if self.priced else 0,
            "priced": self.priced,
        }


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


@dataclass(frozen=True)
class _Setup:
    rounding: str
    tolerance: int
    km: Decimal
    clusters: tuple[QuoteCluster, ...]


def _setup(offices: Sequence[OfficeInput], options: QuoteOptions, tariff: Tariff) -> _Setup:
    if not offices:
        raise PricingError("offices: at least one office is needed")
    for office in offices:
        if not isinstance(office, OfficeInput):
            raise PricingError(f"offices: expected OfficeInput, got {type(office).__name__}")
    if sum(office.pcs + office.servers for office in offices) == 0:
        raise PricingError("pcs: the offices have no Windows PCs or servers to quote (other seats are outside the service)")
    plan = tariff.seat_plan
    rounding = options.rounding or plan.rounding
    tolerance = plan.whole_after_tolerance_pcs if options.tolerance_pcs is None else options.tolerance_pcs
    km = plan.cluster_km if options.cluster_km is None else options.cluster_km
    groups = cluster_points([(float(o.lat), float(o.lon)) for o in offices], km=km)
    clusters: list[QuoteCluster] = []
    for number, group in enumerate(groups, start=1):
        members = [offices[i] for i in group.members]
        pcs = sum(o.pcs for o in members)
        servers = sum(o.servers for o in members)
        priced = pcs + servers > 0
        seats = (
            seat_units(pcs, servers, plan=plan, rounding=rounding, tolerance_pcs=tolerance)
            if priced
            else SeatUnits(pcs=0, servers=0, units=Decimal(0), servers_included=0, extra_servers=0, pc_equivalents=Decimal(0))
        )
        clusters.append(
            QuoteCluster(
                number=number,
                office_names=tuple(o.name for o in members),
                span_km=group.span_km,
                seats=seats,
                old_devices=sum(o.old_devices for o in members),
                priced=priced,
            )
        )
    return _Setup(rounding=rounding, tolerance=tolerance, km=km, clusters=tuple(clusters))


def _names(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} +{len(names) - limit} more"


def _per_cluster_seat_lines(setup: _Setup, tariff: Tariff) -> list[Line]:
    """Per-cluster plan: each cluster's units at the volume tiers, each with its own minimum."""
    lines: list[Line] = []
    priced = [cluster for cluster in setup.clusters if cluster.priced]
    for cluster in priced:
        label = "Concierge units" if len(priced) == 1 else f"Cluster {cluster.number} ({_names(cluster.office_names)}): concierge units"
        basis = describe_units(cluster.seats, plan=tariff.seat_plan, rounding=setup.rounding, tolerance_pcs=setup.tolerance)
        lines.extend(volume_lines(cluster.seats.units, plan=tariff.seat_plan, label=label, basis=basis))
    return lines


def _two_tier_base_lines(setup: _Setup, tariff: Tariff) -> list[Line]:
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


def _variant_lines(setup: _Setup, options: QuoteOptions, tariff: Tariff, variant: str) -> list[Line]:
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
    return _variant_lines(_setup(offices, options, tariff), options, tariff, variant)


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


def _plan(name: str, lines: list[Line], tariff: Tariff, *, visits: int, estimated: bool) -> PlanQuote:
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
    setup = _setup(offices, options, tariff)
    priced_clusters = sum(1 for cluster in setup.clusters if cluster.priced)
    flagged, warnings = _out_of_scope(offices)
    notes: list[str] = []
    for cluster in setup.clusters:
        if not cluster.priced:
            warnings.append(f"Cluster {cluster.number} ({_names(cluster.office_names)}) has no Windows PCs or servers: no concierge priced")
    estimated = options.visits_per_month is None
    visits = estimate_visits(offices, options, tariff) if options.visits_per_month is None else options.visits_per_month
    plans = {PER_CLUSTER: _plan(PER_CLUSTER, _variant_lines(setup, options, tariff, PER_CLUSTER), tariff, visits=visits, estimated=estimated)}
    compare = options.compare_two_tier
    dispersed = priced_clusters >= tariff.two_tier.min_clusters or (priced_clusters >= 2 and not estimated)
    if compare == "always" or (compare == "auto" and dispersed):
        plans[TWO_TIER] = _plan(TWO_TIER, _variant_lines(setup, options, tariff, TWO_TIER), tariff, visits=visits, estimated=estimated)
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
