"""A tariff: the prices and parameters of the seat plan, read from TOML into frozen dataclasses.

`load_tariff(None)` reads the tariff shipped with the package (`pricing/tariffs/default.toml`);
`load_tariff(path)` reads a file of the same shape. Every key is checked: a missing or unknown key,
a wrong type, a negative price or a discount over 100% raises `TariffError` naming the key and file.
The top-level `incident_plans` table belongs to `pricing.incident_tariff` and is kept unread in
`Tariff.raw`. The file format is described in docs/pricing.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pricing.errors import PricingError, TariffError
from pricing.money import MAX_MAGNITUDE, to_decimal

ROUNDINGS: tuple[str, ...] = ("half", "whole_after")
"""Unit rounding rules: round up to the next half unit, or count a whole unit only past a tolerance."""

CONDITION_KEYS: tuple[str, ...] = (
    "evening",
    "saturday",
    "sunday_holiday",
    "team_per_extra_concierge",
    "first_line_support",
    "trouble_only",
    "remote_only",
    "low_it_literacy",
)
"""Percentage conditions of `[conditions.pct]`, each a named line of the quote."""

OTHER_SECTIONS: tuple[str, ...] = ("incident_plans",)
"""Top-level tables other modules validate themselves."""

DEFAULT_TARIFF = "default.toml"


@dataclass(frozen=True)
class VolumeTier:
    """Marginal volume discount: units up to `up_to_units` (None = no upper end) cost `discount_pct` % less."""

    up_to_units: Decimal | None
    discount_pct: Decimal


@dataclass(frozen=True)
class SeatPlan:
    """The per-concierge seat plan (seed 001, 料金について)."""

    pcs_per_unit: int
    """Client PCs one concierge unit covers (10)."""
    unit_price: Decimal
    """Net monthly yen of one unit before volume discount (28,000)."""
    minimum_units: Decimal
    """Least units billed per concierge, i.e. per office cluster (1)."""
    server_pc_equivalents: Decimal
    """PCs each server beyond the one included per whole unit counts as (5)."""
    rounding: str
    """Default unit rounding: "half" or "whole_after"."""
    whole_after_tolerance_pcs: int
    """`whole_after`: PCs past the next multiple of `pcs_per_unit` tolerated before a unit is added (0)."""
    cluster_km: Decimal
    """Offices within this geodesic distance (single linkage) share one concierge (5 km)."""
    volume_tiers: tuple[VolumeTier, ...]
    """Marginal tiers in ascending order; the last one is open-ended."""


@dataclass(frozen=True)
class VisitEstimate:
    """Expected visits per month when none is given: rate × PC-equivalents + rate × old devices, × literacy."""

    per_pc_equivalent: Decimal
    per_old_device: Decimal
    low_literacy_factor: Decimal
    minimum: int


@dataclass(frozen=True)
class TwoTier:
    """Base + spot plan for widely dispersed clients (seed 001, 2階建て方式)."""

    base_units: Decimal
    """Units of the monthly base fee for the whole contract (1)."""
    spot_fee: Decimal
    """Net yen per visit to any site (12,000 = 13,200 incl. tax)."""
    min_clusters: int
    """The plan is priced and compared when the offices form at least this many clusters."""
    visit_estimate: VisitEstimate


@dataclass(frozen=True)
class ResponseTier:
    """A guaranteed response within `within_hours` costs `pct` % more (the first tier that covers the request)."""

    within_hours: int
    pct: Decimal


@dataclass(frozen=True)
class ConditionRates:
    """Surcharges (+) and discounts (-) in percent of the monthly seat fee, and per-device surcharges."""

    evening: Decimal
    saturday: Decimal
    sunday_holiday: Decimal
    team_per_extra_concierge: Decimal
    first_line_support: Decimal
    trouble_only: Decimal
    remote_only: Decimal
    low_it_literacy: Decimal
    response_tiers: tuple[ResponseTier, ...]
    """Ascending `within_hours`; a request at or beyond the standard 24 h aim costs nothing extra."""
    old_device_age_years: int
    """A device is old when at least this many years have passed since its purchase year."""
    old_device_fee: Decimal
    """Net monthly yen per old device (per-cluster plan)."""

    def pct(self, key: str) -> Decimal:
        """The percentage of condition `key` (one of CONDITION_KEYS)."""
        if key not in CONDITION_KEYS:
            raise PricingError(f"condition: unknown condition {key!r}")
        value: Decimal = getattr(self, key)
        return value


@dataclass(frozen=True)
class ContractRules:
    """Contract terms (seed 001, 契約と解約について)."""

    minimum_months: int
    """Billable months before the contract may end (3)."""
    notice_months: int
    """Cancellation notice before a month end (1)."""


@dataclass(frozen=True)
class Tariff:
    """A checked tariff. `raw` is the parsed TOML (other sections are read from it by their own modules)."""

    version: str
    source: str
    """Where it was read from (file name), for messages."""
    raw: Mapping[str, Any]
    tax_rate_pct: Decimal
    seat_plan: SeatPlan
    two_tier: TwoTier
    conditions: ConditionRates
    contract: ContractRules

    @property
    def spot_fee_net(self) -> Decimal:
        """Net yen of one two-tier spot visit."""
        return self.two_tier.spot_fee


class _Table:
    """One TOML table being read: remembers its dotted key and which keys were used."""

    def __init__(self, data: object, key: str, source: str) -> None:
        if not isinstance(data, Mapping):
            raise TariffError(f"tariff {source}: {key or 'file'}: expected a table")
        self.data: Mapping[str, Any] = data
        self.key = key
        self.source = source
        self.seen: set[str] = set()

    def path(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def error(self, name: str, message: str) -> TariffError:
        return TariffError(f"tariff {self.source}: {self.path(name)}: {message}")

    def get(self, name: str) -> Any:
        self.seen.add(name)
        if name not in self.data:
            raise self.error(name, "missing key")
        return self.data[name]

    def has(self, name: str) -> bool:
        return name in self.data

    def table(self, name: str) -> _Table:
        return _Table(self.get(name), self.path(name), self.source)

    def tables(self, name: str) -> list[_Table]:
        value = self.get(name)
        if not isinstance(value, list) or not value:
            raise self.error(name, "expected a non-empty array of tables")
        return [_Table(item, f"{self.path(name)}[{i}]", self.source) for i, item in enumerate(value)]

    def decimal(self, name: str, *, minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None) -> Decimal:
        value = self.get(name)
        try:
            number = to_decimal(value, self.path(name))
        except PricingError as exc:
            raise self.error(name, str(exc).split(": ", 1)[-1]) from None
        if minimum is not None and number < minimum:
            raise self.error(name, f"must be at least {minimum}, got {value!r}")
        if maximum is not None and number > maximum:
            raise self.error(name, f"must be at most {maximum}, got {value!r}")
        return number

    def integer(self, name: str, *, minimum: int = 0) -> int:
        value = self.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"expected a whole number, got {value!r}")
        if value < minimum:
            raise self.error(name, f"must be at least {minimum}, got {value!r}")
        if value > MAX_MAGNITUDE:
            raise self.error(name, f"must be at most {MAX_MAGNITUDE:,}, got {value!r}")
        return value

    def string(self, name: str, *, options: tuple[str, ...] | None = None) -> str:
        value = self.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"expected a non-empty string, got {value!r}")
        if options is not None and value not in options:
            raise self.error(name, f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def done(self, *, ignore: tuple[str, ...] = ()) -> None:
        """Raise for the first key that was not read (an unknown key)."""
        for name in self.data:
            if name not in self.seen and name not in ignore:
                raise self.error(name, "unknown key")


def _volume_tiers(root: _Table) -> tuple[VolumeTier, ...]:
    tiers: list[VolumeTier] = []
    previous = Decimal(0)
    tables = root.tables("volume_tiers")
    for index, table in enumerate(tables):
        last = index == len(tables) - 1
        up_to: Decimal | None = None
        if table.has("up_to_units"):
            up_to = table.decimal("up_to_units")
            if up_to <= previous:
                raise table.error("up_to_units", f"must be greater than the previous tier's ({previous})")
            previous = up_to
        elif not last:
            raise table.error("up_to_units", "missing key (only the last tier is open-ended)")
        discount = table.decimal("discount_pct", maximum=Decimal(100))
        table.done()
        tiers.append(VolumeTier(up_to_units=up_to, discount_pct=discount))
    if tiers[-1].up_to_units is not None:
        raise root.error("volume_tiers", "the last tier must have no up_to_units (open-ended)")
    return tuple(tiers)


def _seat_plan(root: _Table) -> SeatPlan:
    table = root.table("seat_plan")
    plan = SeatPlan(
        pcs_per_unit=table.integer("pcs_per_unit", minimum=1),
        unit_price=table.decimal("unit_price"),
        minimum_units=table.decimal("minimum_units"),
        server_pc_equivalents=table.decimal("server_pc_equivalents"),
        rounding=table.string("rounding", options=ROUNDINGS),
        whole_after_tolerance_pcs=table.integer("whole_after_tolerance_pcs"),
        cluster_km=table.decimal("cluster_km"),
        volume_tiers=_volume_tiers(table),
    )
    table.done()
    return plan


def _two_tier(root: _Table) -> TwoTier:
    table = root.table("two_tier")
    estimate_table = table.table("visit_estimate")
    estimate = VisitEstimate(
        per_pc_equivalent=estimate_table.decimal("per_pc_equivalent"),
        per_old_device=estimate_table.decimal("per_old_device"),
        low_literacy_factor=estimate_table.decimal("low_literacy_factor"),
        minimum=estimate_table.integer("minimum"),
    )
    estimate_table.done()
    plan = TwoTier(
        base_units=table.decimal("base_units"),
        spot_fee=table.decimal("spot_fee"),
        min_clusters=table.integer("min_clusters", minimum=1),
        visit_estimate=estimate,
    )
    table.done()
    return plan


def _conditions(root: _Table) -> ConditionRates:
    table = root.table("conditions")
    pct_table = table.table("pct")
    pcts = {key: pct_table.decimal(key, minimum=Decimal(-100)) for key in CONDITION_KEYS}
    pct_table.done()
    tiers: list[ResponseTier] = []
    previous = 0
    for tier_table in table.tables("response_tiers"):
        hours = tier_table.integer("within_hours", minimum=1)
        if hours <= previous:
            raise tier_table.error("within_hours", f"must be greater than the previous tier's ({previous})")
        previous = hours
        tiers.append(ResponseTier(within_hours=hours, pct=tier_table.decimal("pct", minimum=Decimal(-100))))
        tier_table.done()
    device_table = table.table("per_device")
    old_device_fee = device_table.decimal("old_device")
    device_table.done()
    rates = ConditionRates(
        **pcts,
        response_tiers=tuple(tiers),
        old_device_age_years=table.integer("old_device_age_years", minimum=1),
        old_device_fee=old_device_fee,
    )
    table.done()
    return rates


def _contract(root: _Table) -> ContractRules:
    table = root.table("contract")
    rules = ContractRules(minimum_months=table.integer("minimum_months", minimum=1), notice_months=table.integer("notice_months"))
    table.done()
    return rules


def tariff_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Tariff:
    """Check a parsed tariff mapping key by key and build the `Tariff`; TariffError names the first bad key."""
    root = _Table(data, "", source)
    version = root.get("version")
    if not isinstance(version, str | int | float) or isinstance(version, bool) or not str(version).strip():
        raise root.error("version", f"expected a version string, got {version!r}")
    tax_table = root.table("tax")
    tax_rate = tax_table.decimal("rate_pct", maximum=Decimal(100))
    tax_table.done()
    tariff = Tariff(
        version=str(version),
        source=source,
        raw=MappingProxyType(dict(data)),
        tax_rate_pct=tax_rate,
        seat_plan=_seat_plan(root),
        two_tier=_two_tier(root),
        conditions=_conditions(root),
        contract=_contract(root),
    )
    root.done(ignore=OTHER_SECTIONS)
    return tariff


def load_tariff(path: str | Path | None = None) -> Tariff:
    """The tariff at `path`, or the default tariff shipped with the package when `path` is None."""
    if path is None:
        resource = resources.files("pricing").joinpath("tariffs", DEFAULT_TARIFF)
        text = resource.read_text(encoding="utf-8")
        source = DEFAULT_TARIFF
    else:
        file = Path(path)
        source = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise TariffError(f"tariff {source}: cannot read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise TariffError(f"tariff {source}: not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TariffError(f"tariff {source}: not valid TOML ({exc})") from None
    return tariff_from_mapping(data, source)
