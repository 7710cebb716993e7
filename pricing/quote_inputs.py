"""What a monthly quote takes in: the client's offices (`OfficeInput`) and how to quote (`QuoteOptions`).

Each is checked in `__post_init__` with a sentence naming the field. The plan variant names
(`PER_CLUSTER`, `TWO_TIER`) and the two-tier comparison modes (`COMPARE`) live here too.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pricing.conditions import SERVICE_HOURS, VISITING
from pricing.errors import PricingError
from pricing.money import as_json_number, to_decimal
from pricing.tariff import ROUNDINGS

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
