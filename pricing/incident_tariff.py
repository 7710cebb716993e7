"""The `[incident_plans]` section of a tariff as frozen dataclasses, checked key by key.

The incident support plans of the Aki SIE seed (000_de71e10344ea06c0.txt, 契約と料金 and 料金表): the annual
base fee per scope, the monthly fee per scope and maximum incidents, contract units and minimum terms,
the per-incident fee by level for both plans, and the level table (サポートレベルの参考) as thresholds.

`incident_tariff(tariff_or_raw)` takes a `pricing.tariff.Tariff` (anything with a `.raw` mapping) or the
parsed TOML mapping itself. Every missing or unknown key, wrong type or negative amount raises
`TariffError` naming the key, e.g. `incident_plans.monthly.normal[3]`.

Levels are strings as the records store them: "feather", "1" .. "10"; their rank is 0 .. 10.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pricing.errors import PricingError, TariffError
from pricing.money import MAX_MAGNITUDE

SECTION = "incident_plans"
FEATHER = "feather"
LEVELS: tuple[str, ...] = (FEATHER, *(str(n) for n in range(1, 11)))
"""Incident levels, lowest first; the index of a level is its rank (feather = 0)."""
PLANS: tuple[str, ...] = ("annual", "monthly")
CONSULTING_KINDS: tuple[str, ...] = ("specific", "general")


def level_rank(level: str | int) -> int:
    """0 for feather, 1..10 for the numbered levels; PricingError(level) for anything else."""
    text = str(level).strip().lower()
    if text in LEVELS:
        return LEVELS.index(text)
    raise PricingError(f"level: {level!r} is not one of feather, 1..10")


def level_name(rank: int) -> str:
    """The level of a rank (0 → "feather"), capped at level 10."""
    return LEVELS[max(0, min(rank, len(LEVELS) - 1))]


@dataclass(frozen=True)
class Term:
    """Contract period rules of one plan and scope, in months."""

    unit_months: int
    """Contracts run (and renew) in blocks of this many months."""
    minimum_months: int
    """The shortest contract allowed."""


@dataclass(frozen=True)
class Step:
    """One row of a threshold list: a value above `threshold` (at least it, for on-site visits) gives `level`."""

    threshold: int
    level: int


@dataclass(frozen=True)
class LevelRules:
    """The level table (normal scope) with the configurable scope multipliers and urgent step.

    Lists are "more than threshold → level", ascending; a value at or under the first threshold of every
    list (and no other criterion) is a feather incident. Minutes thresholds are multiplied by the scope's
    time multiplier; round trips and visits are not.
    """

    mail_round_trips: tuple[Step, ...]
    """Mail or DM round trips (メールまたはTwitterのDM)."""
    mail_long_open: Step
    """Level 6: more than `threshold` mail round trips *and* open at least `mail_long_open_days` days."""
    mail_long_open_days: int
    reply_round_trips: tuple[Step, ...]
    """Public replies (Twitterのリプライ)."""
    call_minutes: tuple[Step, ...]
    """Voice calls (お電話/Skype通話), total minutes of the incident's calls."""
    chat_minutes: tuple[Step, ...]
    """Text chat (Skype Chat) minutes."""
    session_minutes: tuple[Step, ...]
    """Calls and chat in two or more sessions (or one longer than the continuous maximum): total minutes."""
    continuous_max_minutes: int
    """Longest continuous session the table knows (6 h); a longer one counts like several sessions."""
    onsite_visits: tuple[Step, ...]
    """On-site visits (出張サポート): at least `threshold` visits → level."""
    investigation: int
    """Troubleshooting that needs investigation (調査が必要なトラブルシューティング)."""
    consulting: Mapping[str, int]
    """Consulting requests: specific → 5, general → 7."""
    urgent_step: int
    """Levels added to an urgent request (留守番電話, handled before a full investigation)."""
    scope_time_multiplier: Mapping[str, Decimal]
    """Per scope: how much more time each level allows (normal = 1)."""


@dataclass(frozen=True)
class IncidentTariff:
    """Fees and rules of the incident support plans, all yen amounts net of tax."""

    version: str
    scopes: tuple[str, ...]
    """Support scopes, narrowest first: normal (通常), technical (技術的), highly_technical, mission_critical."""
    annual_fee: Mapping[str, Decimal]
    """Annual plan base fee per year, per scope."""
    monthly_fee: Mapping[str, tuple[Decimal, ...]]
    """Monthly plan fee per scope; index 0 = at most 1 incident a month."""
    terms: Mapping[str, Mapping[str, Term]]
    """plan → scope → contract unit and minimum term."""
    level_fees: Mapping[str, tuple[Decimal, ...]]
    """plan → fee of one incident by level rank (index 0 = feather); monthly = the extra fee."""
    included_levels: int
    """Monthly plans include incidents up to this level (their extra fee is 0)."""
    over_maximum_fee: Mapping[str, Decimal]
    """Monthly plans: the increased base incident fee of an incident beyond the monthly maximum, per scope."""
    consulting_fee: Mapping[str, Decimal]
    """Cap of an incident fee when neither incident nor contract sets a limit, per scope."""
    chart_level: int
    """カルテ creation is handled as one incident of this level."""
    priority: Mapping[str, int]
    """Service priority per plan (higher is served first): monthly before annual."""
    levels: LevelRules

    def check_scope(self, scope: str) -> str:
        if scope not in self.scopes:
            raise PricingError(f"scope: {scope!r} is not one of {', '.join(self.scopes)}")
        return scope

    def check_plan(self, plan: str) -> str:
        if plan not in PLANS:
            raise PricingError(f"plan: {plan!r} is not one of {', '.join(PLANS)}")
        return plan


# --- reading ------------------------------------------------------------------------------------------


class _Reader:
    """Typed access to one TOML table that names the full key in every error."""

    def __init__(self, table: Any, key: str, source: str) -> None:
        if not isinstance(table, Mapping):
            raise TariffError(f"{key}: expected a table{source}")
        self.table = table
        self.key = key
        self.source = source
        self.used: set[str] = set()

    def _get(self, name: str) -> Any:
        if name not in self.table:
            raise TariffError(f"{self.key}.{name}: missing key{self.source}")
        self.used.add(name)
        return self.table[name]

    def sub(self, name: str) -> _Reader:
        return _Reader(self._get(name), f"{self.key}.{name}", self.source)

    def integer(self, name: str, *, minimum: int = 0) -> int:
        return _integer(self._get(name), f"{self.key}.{name}", self.source, minimum=minimum)

    def amount(self, name: str) -> Decimal:
        return _amount(self._get(name), f"{self.key}.{name}", self.source)

    def amounts(self, name: str) -> tuple[Decimal, ...]:
        return tuple(_amount(v, f"{self.key}.{name}[{i}]", self.source) for i, v in enumerate(self._list(name)))

    def strings(self, name: str) -> tuple[str, ...]:
        values = self._list(name)
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v:
                raise TariffError(f"{self.key}.{name}[{i}]: expected a name, got {v!r}{self.source}")
        return tuple(values)

    def steps(self, name: str, *, strict: bool = True) -> tuple[Step, ...]:
        key = f"{self.key}.{name}"
        rows: list[Step] = []
        for i, row in enumerate(self._list(name)):
            if not isinstance(row, list) or len(row) != 2:
                raise TariffError(f"{key}[{i}]: expected [threshold, level], got {row!r}{self.source}")
            step = Step(_integer(row[0], f"{key}[{i}][0]", self.source), _integer(row[1], f"{key}[{i}][1]", self.source, minimum=1))
            if step.level > 10:
                raise TariffError(f"{key}[{i}][1]: level {step.level} is above 10{self.source}")
            if rows and (step.threshold <= rows[-1].threshold or (strict and step.level <= rows[-1].level)):
                raise TariffError(f"{key}[{i}]: thresholds and levels must rise{self.source}")
            rows.append(step)
        if not rows:
            raise TariffError(f"{key}: needs at least one [threshold, level] row{self.source}")
        return tuple(rows)

    def decimal(self, name: str) -> Decimal:
        key = f"{self.key}.{name}"
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, (int, str, float)):
            raise TariffError(f"{key}: expected a number, got {value!r}{self.source}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise TariffError(f"{key}: {value!r} is not a number{self.source}") from None
        if not number.is_finite() or number <= 0 or number > MAX_MAGNITUDE:
            raise TariffError(f"{key}: must be a positive number up to {MAX_MAGNITUDE:,}, got {str(value)[:40]!r}{self.source}")
        return number

    def _list(self, name: str) -> list[Any]:
        value = self._get(name)
        if not isinstance(value, list):
            raise TariffError(f"{self.key}.{name}: expected a list, got {value!r}{self.source}")
        return value

    def keys(self) -> list[str]:
        return list(self.table)

    def done(self) -> None:
        """Unknown keys are mistakes (a typo would silently fall back otherwise)."""
        for name in self.table:
            if name not in self.used:
                raise TariffError(f"{self.key}.{name}: unknown key{self.source}")

    def per_scope(self, scopes: tuple[str, ...], read: Any) -> dict[str, Any]:
        values = {scope: read(self, scope) for scope in scopes}
        self.done()
        return values


def _integer(value: Any, key: str, source: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TariffError(f"{key}: expected a whole number, got {value!r}{source}")
    if value < minimum:
        raise TariffError(f"{key}: must be at least {minimum}, got {value}{source}")
    if value > MAX_MAGNITUDE:
        raise TariffError(f"{key}: must be at most {MAX_MAGNITUDE:,}, got {value}{source}")
    return value


def _amount(value: Any, key: str, source: str) -> Decimal:
    """Yen amounts are whole numbers (int, or a string of digits) and never negative."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TariffError(f"{key}: expected whole yen (an integer), got {value!r}{source}")
    try:
        amount = Decimal(value) if isinstance(value, int) else Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise TariffError(f"{key}: {value!r} is not an amount{source}") from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise TariffError(f"{key}: {value!r} is not whole yen{source}")
    if amount < 0:
        raise TariffError(f"{key}: negative fee {value!r}{source}")
    if amount > MAX_MAGNITUDE:
        raise TariffError(f"{key}: {str(value)[:40]!r} is larger than {MAX_MAGNITUDE:,}{source}")
    return amount


def _raw_of(tariff_or_raw: Any) -> tuple[Mapping[str, Any], str, str]:
    raw = getattr(tariff_or_raw, "raw", tariff_or_raw)
    if not isinstance(raw, Mapping):
        raise TariffError(f"{SECTION}: expected a tariff or its parsed TOML table, got {type(tariff_or_raw).__name__}")
    version = getattr(tariff_or_raw, "version", None) or raw.get("version", "")
    path = getattr(tariff_or_raw, "path", None) or getattr(tariff_or_raw, "source", None)
    source = f" (in {path})" if path else ""
    return raw, str(version), source


def incident_tariff(tariff_or_raw: Any) -> IncidentTariff:
    """The checked `[incident_plans]` section of a tariff (a `Tariff` with `.raw`, or a parsed mapping)."""
    raw, version, source = _raw_of(tariff_or_raw)
    if SECTION not in raw:
        raise TariffError(f"{SECTION}: missing section{source}")
    top = _Reader(raw[SECTION], SECTION, source)
    scopes = top.strings("scopes")
    if len(set(scopes)) != len(scopes):
        raise TariffError(f"{SECTION}.scopes: a scope is listed twice{source}")

    annual_fee = top.sub("annual").per_scope(scopes, lambda r, s: r.amount(s))
    monthly_fee = top.sub("monthly").per_scope(scopes, lambda r, s: r.amounts(s))
    for scope, fees in monthly_fee.items():
        if not fees:
            raise TariffError(f"{SECTION}.monthly.{scope}: needs the fee for at most 1 incident{source}")

    terms_reader = top.sub("terms")
    terms: dict[str, dict[str, Term]] = {}
    for plan in PLANS:
        plan_reader = terms_reader.sub(plan)
        terms[plan] = plan_reader.per_scope(scopes, _term)
    terms_reader.done()

    fees_reader = top.sub("level_fees")
    level_fees = {plan: fees_reader.amounts(plan) for plan in PLANS}
    fees_reader.done()
    for plan, fees in level_fees.items():
        if len(fees) != len(LEVELS):
            raise TariffError(f"{SECTION}.level_fees.{plan}: needs {len(LEVELS)} fees (feather, 1..10), got {len(fees)}{source}")
        if fees[0] != 0:
            raise TariffError(f"{SECTION}.level_fees.{plan}[0]: a feather incident costs nothing, got {fees[0]}{source}")
    included = top.integer("included_levels")
    for rank in range(1, min(included, 10) + 1):
        if level_fees["monthly"][rank] != 0:
            raise TariffError(
                f"{SECTION}.level_fees.monthly[{rank}]: level {rank} is included in monthly plans (included_levels = {included}) "
                f"but costs {level_fees['monthly'][rank]}{source}"
            )
    over_maximum = top.sub("over_maximum").per_scope(scopes, lambda r, s: r.amount(s))
    consulting_fee = top.sub("consulting_fee").per_scope(scopes, lambda r, s: r.amount(s))
    chart_level = top.integer("chart_level", minimum=1)
    priority_reader = top.sub("priority")
    priority = {plan: priority_reader.integer(plan) for plan in PLANS}
    priority_reader.done()
    levels = _level_rules(top.sub("levels"), scopes)
    top.done()
    return IncidentTariff(
        version=version, scopes=scopes, annual_fee=annual_fee, monthly_fee=monthly_fee, terms=terms,
        level_fees=level_fees, included_levels=included, over_maximum_fee=over_maximum, consulting_fee=consulting_fee,
        chart_level=chart_level, priority=priority, levels=levels,
    )


def _term(reader: _Reader, scope: str) -> Term:
    term = reader.sub(scope)
    value = Term(unit_months=term.integer("unit_months", minimum=1), minimum_months=term.integer("minimum_months", minimum=1))
    term.done()
    return value


def _level_rules(reader: _Reader, scopes: tuple[str, ...]) -> LevelRules:
    long_open = reader.sub("mail_long_open")
    mail_long_open = Step(long_open.integer("round_trips"), long_open.integer("level", minimum=1))
    days = long_open.integer("open_days")
    long_open.done()
    consulting_reader = reader.sub("consulting")
    consulting = {kind: consulting_reader.integer(kind, minimum=1) for kind in CONSULTING_KINDS}
    consulting_reader.done()
    rules = LevelRules(
        mail_round_trips=reader.steps("mail_round_trips"),
        mail_long_open=mail_long_open,
        mail_long_open_days=days,
        reply_round_trips=reader.steps("reply_round_trips"),
        call_minutes=reader.steps("call_minutes"),
        chat_minutes=reader.steps("chat_minutes"),
        session_minutes=reader.steps("session_minutes"),
        continuous_max_minutes=reader.integer("continuous_max_minutes", minimum=1),
        onsite_visits=reader.steps("onsite_visits"),
        investigation=reader.integer("investigation", minimum=1),
        consulting=consulting,
        urgent_step=reader.integer("urgent_step"),
        scope_time_multiplier=reader.sub("scope_time_multiplier").per_scope(scopes, lambda r, s: r.decimal(s)),
    )
    reader.done()
    for key, value in (("investigation", rules.investigation), ("mail_long_open.level", rules.mail_long_open.level),
                       *((f"consulting.{k}", v) for k, v in consulting.items())):
        if value > 10:
            raise TariffError(f"{reader.key}.{key}: level {value} is above 10{reader.source}")
    return rules


def load_incident_tariff(path: str | Path) -> IncidentTariff:
    """Read a TOML file and check its `[incident_plans]` section (tests and tools; the app goes through
    `pricing.tariff.load_tariff`)."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise TariffError(f"tariff: cannot read {file}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TariffError(f"tariff: {file} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise TariffError(f"tariff: {file} is not UTF-8 text (byte {exc.start}); TOML files are UTF-8") from None

    class _Loaded:
        def __init__(self) -> None:
            self.raw = raw
            self.version = str(raw.get("version", ""))
            self.path = str(file)

    return incident_tariff(_Loaded())
