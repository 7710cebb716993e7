"""The quote's clusters: offices within `cluster_km` share one concierge, and each cluster's seats need units.

`quote_setup` checks the offices, settles the rounding, tolerance and distance (option or tariff default)
and groups the offices into `QuoteCluster`s, each with its seat units (`pricing.seats`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pricing.clusters import cluster_points
from pricing.errors import PricingError
from pricing.money import as_json_number
from pricing.quote_inputs import OfficeInput, QuoteOptions
from pricing.seats import SeatUnits, seat_units
from pricing.tariff import Tariff


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
class QuoteSetup:
    rounding: str
    tolerance: int
    km: Decimal
    clusters: tuple[QuoteCluster, ...]


def quote_setup(offices: Sequence[OfficeInput], options: QuoteOptions, tariff: Tariff) -> QuoteSetup:
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
    return QuoteSetup(rounding=rounding, tolerance=tolerance, km=km, clusters=tuple(clusters))


def short_names(names: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} +{len(names) - limit} more"
