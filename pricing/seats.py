"""Seat rules of the concierge plan: PCs and servers → concierge units → volume-discounted fee.

Seed 001 (料金について): one unit = 10 client PCs + 1 server = 28,000 yen net a month; at least one
unit per concierge; between whole units the admin rounds up to a half unit or waits until the count
passes the next multiple of 10; large sites get a volume discount because servers and trouble do not
grow with the PC count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from pricing.errors import PricingError
from pricing.lines import Line
from pricing.money import ceil_to, format_yen, round_line
from pricing.tariff import ROUNDINGS, SeatPlan, VolumeTier

HALF = Decimal("0.5")


@dataclass(frozen=True)
class SeatUnits:
    """How many units a group of seats needs, and how the servers were counted."""

    pcs: int
    servers: int
    units: Decimal
    servers_included: int
    """Servers covered by the units (one per whole unit)."""
    extra_servers: int
    pc_equivalents: Decimal
    """PCs plus the extra servers at their PC-equivalent weight."""


def round_units(pc_equivalents: Decimal, *, rounding: str, pcs_per_unit: int, tolerance_pcs: int, minimum_units: Decimal) -> Decimal:
    """Unit rounding rule: PC-equivalents → units, never below the minimum.

    `half`: round up to the next half unit (15 PCs → 1.5 units).
    `whole_after`: a new whole unit only once the count exceeds the next multiple of `pcs_per_unit`
    by more than `tolerance_pcs` (tolerance 0: 11-20 PCs → 1 unit, 21-30 → 2 units, 31-40 → 3).
    """
    if pc_equivalents < 0:
        raise PricingError(f"pcs: must not be negative, got {pc_equivalents}")
    per_unit = Decimal(pcs_per_unit)
    if rounding == "half":
        units = ceil_to(pc_equivalents / per_unit, HALF)
    elif rounding == "whole_after":
        units = ((pc_equivalents - Decimal(tolerance_pcs)) / per_unit).to_integral_value(rounding=ROUND_CEILING) - 1
    else:
        raise PricingError(f"rounding: must be one of {', '.join(ROUNDINGS)}, got {rounding!r}")
    return max(units, minimum_units)


def seat_units(pcs: int, servers: int, *, plan: SeatPlan, rounding: str, tolerance_pcs: int) -> SeatUnits:
    """Server rule: one server per whole unit is included, each further server counts as
    `server_pc_equivalents` PCs. The result is the least unit count U (on the rounding grid) whose
    included servers make the seats fit: round(pcs + weight × max(0, servers − ⌊U⌋)) ≤ U.
    More PCs or servers never give fewer units.
    """
    if pcs < 0:
        raise PricingError(f"pcs: must not be negative, got {pcs}")
    if servers < 0:
        raise PricingError(f"servers: must not be negative, got {servers}")
    weight = plan.server_pc_equivalents

    def rounded(pc_equivalents: Decimal) -> Decimal:
        return round_units(
            pc_equivalents, rounding=rounding, pcs_per_unit=plan.pcs_per_unit, tolerance_pcs=tolerance_pcs, minimum_units=plan.minimum_units
        )

    def extra_at(units: Decimal) -> int:
        return max(0, servers - int(units.to_integral_value(rounding=ROUND_FLOOR)))

    def fits(units: Decimal) -> bool:
        return rounded(Decimal(pcs) + weight * extra_at(units)) <= units

    low = rounded(Decimal(pcs))
    if fits(low):
        units = low
    else:
        step = HALF if rounding == "half" else Decimal(1)
        # fits() is monotone in the unit count; search the grid above `low` up to a count that surely fits
        first = ceil_to(low, step)
        if first == low:
            first += step
        high = max(first, rounded(Decimal(pcs) + weight * max(0, servers - 1)))
        lo_k, hi_k = 0, int((high - first) / step)
        while not fits(first + step * hi_k):  # only when the minimum is below one unit
            hi_k = hi_k * 2 + 1
        while lo_k < hi_k:
            mid = (lo_k + hi_k) // 2
            if fits(first + step * mid):
                hi_k = mid
            else:
                lo_k = mid + 1
        units = first + step * lo_k
    extra = extra_at(units)
    return SeatUnits(
        pcs=pcs,
        servers=servers,
        units=units,
        servers_included=servers - extra,
        extra_servers=extra,
        pc_equivalents=Decimal(pcs) + weight * extra,
    )


def tier_unit_price(unit_price: Decimal, tier: VolumeTier) -> Decimal:
    """Volume discount rule: the net price of one unit inside `tier` (exact, rounded only on the line)."""
    return unit_price * (Decimal(100) - tier.discount_pct) / Decimal(100)


def volume_lines(units: Decimal, *, plan: SeatPlan, label: str, basis: str, kind: str = "seat") -> list[Line]:
    """Marginal volume tiers: the units falling in each tier at that tier's discounted price, one line per tier."""
    slices: list[tuple[Decimal, Decimal, VolumeTier]] = []
    lower = Decimal(0)
    for tier in plan.volume_tiers:
        upper = units if tier.up_to_units is None else min(units, tier.up_to_units)
        if upper > lower:
            slices.append((lower, upper, tier))
        if tier.up_to_units is None or units <= tier.up_to_units:
            break
        lower = tier.up_to_units
    lines: list[Line] = []
    for lower, upper, tier in slices:
        price = tier_unit_price(plan.unit_price, tier)
        quantity = upper - lower
        span = f"; units {_num(lower)}–{_num(upper)}" if len(slices) > 1 else ""
        discount = f", volume discount {_num(tier.discount_pct)}% off {format_yen(plan.unit_price)}" if tier.discount_pct else ""
        lines.append(
            Line(
                label=label if not lines else f"{label} (volume tier)",
                basis=f"{basis}{span}{discount}" if not lines else f"{span.lstrip('; ')}{discount}",
                quantity=quantity,
                unit_price=price,
                net=round_line(quantity * price),
                kind=kind,
            )
        )
    return lines


def _num(value: Decimal) -> str:
    """1, 1.5, 2.25: a Decimal without trailing zeros."""
    text = f"{value.normalize():f}"
    return text


def describe_units(seats: SeatUnits, *, plan: SeatPlan, rounding: str, tolerance_pcs: int) -> str:
    """The seat rule in words: PCs, servers included and extra, PC-equivalents, units and the rounding used."""
    parts = [f"{seats.pcs} PCs"]
    if seats.servers:
        parts.append(
            f"{seats.servers} server{'s' if seats.servers != 1 else ''} ({seats.servers_included} included, one per whole unit"
            + (f"; {seats.extra_servers} extra × {_num(plan.server_pc_equivalents)} PC-equivalents" if seats.extra_servers else "")
            + ")"
        )
    rule = (
        "rounded up to the next half unit"
        if rounding == "half"
        else f"a whole unit added only past the next multiple of {plan.pcs_per_unit} + {tolerance_pcs} PCs"
    )
    return (
        f"{' + '.join(parts)} = {_num(seats.pc_equivalents)} PC-equivalents at {plan.pcs_per_unit} per unit"
        f" → {_num(seats.units)} units ({rule}; minimum {_num(plan.minimum_units)})"
    )
