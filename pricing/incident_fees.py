"""Fees of the incident support plans, one rule per function (seed 000: 契約と料金, 料金表).

- Base fees: annual plan per scope and year; monthly plan per scope and maximum incidents a month.
- Incident fees: annual plans pay every level from 1 (年額契約方式の場合、レベル1から料金が発生);
  monthly plans include levels up to 3 and pay the extra fee from level 4; an incident beyond the monthly
  maximum costs the increased base incident fee on top; feather incidents cost nothing and do not count;
  unused incidents are not carried over (each month counts from zero).
- Fee limit (インシデント料金リミット): the incident's own limit, else the contract's, else the consulting fee;
  over the limit the client is asked "limit reached: stop or continue?" and nothing beyond it is billed
  unless the continuation is recorded.
- カルテ creation: one level-3 incident; a monthly plan may instead pay the annual level-3 price.
- Absorption: an incident converted into a development/tutoring job costs 0; the job's price stands.
- Priority: monthly plans are served before annual plans.

All amounts are whole net yen (Decimal); nothing here rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pricing.errors import PricingError
from pricing.incident_tariff import IncidentTariff, Term, level_name, level_rank

LIMIT_NOTICE = "limit reached: stop or continue?"
ZERO = Decimal(0)


def _whole_yen(value: Decimal, name: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PricingError(f"{name}: {value!r} is not an amount (Decimal yen)")
    if value < 0:
        raise PricingError(f"{name}: {value} is negative")
    return value


# --- base fees and terms -------------------------------------------------------------------------------


def annual_base_fee(tariff: IncidentTariff, *, scope: str) -> Decimal:
    """サポート基本料金表(年額契約方式): the yearly base fee of the scope."""
    return tariff.annual_fee[tariff.check_scope(scope)]


def monthly_base_fee(tariff: IncidentTariff, *, scope: str, max_incidents: int) -> Decimal:
    """サポート基本料金表(月額契約方式): the monthly fee of the scope and maximum incidents a month."""
    fees = tariff.monthly_fee[tariff.check_scope(scope)]
    if isinstance(max_incidents, bool) or not isinstance(max_incidents, int) or not 1 <= max_incidents <= len(fees):
        raise PricingError(f"max_incidents: {max_incidents!r} is not offered for scope {scope} (1..{len(fees)} incidents a month)")
    return fees[max_incidents - 1]


def contract_term(tariff: IncidentTariff, *, plan: str, scope: str) -> Term:
    """契約単位 and 最低契約期間 of a plan and scope (months)."""
    return tariff.terms[tariff.check_plan(plan)][tariff.check_scope(scope)]


def check_contract_months(tariff: IncidentTariff, months: int, *, plan: str, scope: str) -> int:
    """A contract length must reach the minimum term and be a whole number of contract units."""
    term = contract_term(tariff, plan=plan, scope=scope)
    if isinstance(months, bool) or not isinstance(months, int) or months < term.minimum_months:
        raise PricingError(f"months: {plan} {scope} contracts run at least {term.minimum_months} months, got {months!r}")
    if months % term.unit_months:
        raise PricingError(f"months: {plan} {scope} contracts run in units of {term.unit_months} months, got {months}")
    return months


# --- incident fees ---------------------------------------------------------------------------------------


def level_fee(tariff: IncidentTariff, level: str, *, plan: str) -> Decimal:
    """サポート追加料金表: the annual-plan fee of a level, or the monthly-plan extra fee (0 up to level 3)."""
    return tariff.level_fees[tariff.check_plan(plan)][level_rank(level)]


def is_included(tariff: IncidentTariff, level: str) -> bool:
    """Monthly plans include incidents up to `included_levels` (feather included)."""
    return level_rank(level) <= tariff.included_levels


def over_maximum_fee(tariff: IncidentTariff, *, scope: str) -> Decimal:
    """The increased base incident fee of one incident beyond the monthly maximum."""
    return tariff.over_maximum_fee[tariff.check_scope(scope)]


def incident_fee(tariff: IncidentTariff, level: str, *, plan: str, scope: str, beyond_maximum: bool = False) -> Decimal:
    """Fee of one incident: feather 0; annual = the level's annual fee; monthly = the level's extra fee,
    plus the increased base incident fee when it is beyond the month's maximum."""
    rank = level_rank(level)
    tariff.check_scope(scope)
    if tariff.check_plan(plan) == "annual" and beyond_maximum:
        raise PricingError("beyond_maximum: annual plans have no monthly maximum")
    if rank == 0:
        return ZERO
    fee = level_fee(tariff, level, plan=plan)
    if beyond_maximum:
        fee += over_maximum_fee(tariff, scope=scope)
    return fee


@dataclass(frozen=True)
class MonthlyUse:
    """How one incident of a month counts against a monthly plan's maximum."""

    counted: bool
    """Consumes one of the month's incidents (every level but feather)."""
    number: int
    """Its number among the counted incidents of the month (0 for feather)."""
    beyond_maximum: bool


def count_month(levels: Sequence[str], *, max_incidents: int) -> tuple[MonthlyUse, ...]:
    """Feather incidents are not counted; the counted incidents after the maximum are beyond it.
    Counting starts from zero each month: unused incidents are not carried over."""
    if isinstance(max_incidents, bool) or not isinstance(max_incidents, int) or max_incidents < 1:
        raise PricingError(f"max_incidents: {max_incidents!r} is not a positive number of incidents")
    used = 0
    uses: list[MonthlyUse] = []
    for level in levels:
        if level_rank(level) == 0:
            uses.append(MonthlyUse(counted=False, number=0, beyond_maximum=False))
            continue
        used += 1
        uses.append(MonthlyUse(counted=True, number=used, beyond_maximum=used > max_incidents))
    return tuple(uses)


# --- fee limits ------------------------------------------------------------------------------------------


def default_fee_limit(tariff: IncidentTariff, *, scope: str) -> Decimal:
    """リミットが設定されない場合、インシデント料金の上限はコンサルティング料金に準じます."""
    return tariff.consulting_fee[tariff.check_scope(scope)]


@dataclass(frozen=True)
class FeeLimit:
    amount: Decimal
    source: str
    """"incident", "contract" or "consulting fee"."""


def fee_limit(
    tariff: IncidentTariff, *, scope: str, incident_limit: Decimal | None = None, contract_limit: Decimal | None = None
) -> FeeLimit:
    """The limit that applies: the incident's own (0 = feather as the limit), else the contract's default,
    else the consulting fee."""
    if incident_limit is not None:
        return FeeLimit(_whole_yen(incident_limit, "incident_limit"), "incident")
    if contract_limit is not None:
        return FeeLimit(_whole_yen(contract_limit, "contract_limit"), "contract")
    return FeeLimit(default_fee_limit(tariff, scope=scope), "consulting fee")


@dataclass(frozen=True)
class CappedFee:
    """What is billed for an incident under its limit."""

    fee: Decimal
    """The incident fee before the limit."""
    billed: Decimal
    limit: Decimal
    limit_reached: bool
    """The fee passes the limit and no continuation is recorded: the client must be asked."""

    @property
    def notice(self) -> str | None:
        """The message for the client, when one is due."""
        return LIMIT_NOTICE if self.limit_reached else None


def cap_fee(fee: Decimal, *, limit: Decimal, continuation_approved: bool) -> CappedFee:
    """No billing beyond the limit unless the client chose to continue; reaching it asks stop or continue."""
    _whole_yen(fee, "fee")
    _whole_yen(limit, "limit")
    if fee > limit and not continuation_approved:
        return CappedFee(fee=fee, billed=limit, limit=limit, limit_reached=True)
    return CappedFee(fee=fee, billed=fee, limit=limit, limit_reached=False)


# --- カルテ creation, absorption, priority ----------------------------------------------------------------


def chart_fee(tariff: IncidentTariff) -> Decimal:
    """カルテ creation paid without consuming an incident: the annual-plan price of a level-3 incident."""
    return level_fee(tariff, level_name(tariff.chart_level), plan="annual")


@dataclass(frozen=True)
class ChartCreation:
    fee: Decimal
    consumes_incident: bool
    """True on a monthly plan paying with one of the month's incidents."""
    level: str


def chart_creation(
    tariff: IncidentTariff, *, plan: str, scope: str, pay_annual_price: bool = False, beyond_maximum: bool = False
) -> ChartCreation:
    """The first personal use of an employee costs a level-3 incident. Annual plans pay its annual price;
    monthly plans consume one incident (free within the maximum) or, when the company prefers, pay the
    annual-plan level-3 price and keep the incident."""
    level = level_name(tariff.chart_level)
    if tariff.check_plan(plan) == "annual" or pay_annual_price:
        if beyond_maximum:
            raise PricingError("beyond_maximum: a カルテ paid at the annual price consumes no incident")
        tariff.check_scope(scope)
        return ChartCreation(fee=chart_fee(tariff), consumes_incident=False, level=level)
    return ChartCreation(
        fee=incident_fee(tariff, level, plan=plan, scope=scope, beyond_maximum=beyond_maximum), consumes_incident=True, level=level
    )


@dataclass(frozen=True)
class Absorption:
    incident_fee: Decimal
    """Always 0: the fee is absorbed into the job."""
    absorbed: Decimal
    """The incident fee that no longer applies."""
    job_price: Decimal


def absorb(fee: Decimal, *, job_price: Decimal) -> Absorption:
    """An incident converted into a development or tutoring job: its fee becomes 0 and the job's price
    stands (seed: a ¥50,000 incident absorbed into a ¥100,000 tutoring job → incident 0, job 100,000)."""
    return Absorption(incident_fee=ZERO, absorbed=_whole_yen(fee, "fee"), job_price=_whole_yen(job_price, "job_price"))


def support_priority(tariff: IncidentTariff, *, plan: str) -> int:
    """Service priority (higher is served first): monthly-plan clients before annual-plan clients."""
    return tariff.priority[tariff.check_plan(plan)]

