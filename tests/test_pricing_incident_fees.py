"""Incident plan fees: every row of the seed's fee tables, monthly counting, limits, カルテ, absorption, priority."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pricing.errors import PricingError
from pricing.incident_fees import (
    LIMIT_NOTICE,
    absorb,
    annual_base_fee,
    cap_fee,
    chart_creation,
    check_contract_months,
    contract_term,
    count_month,
    default_fee_limit,
    fee_limit,
    incident_fee,
    is_included,
    level_fee,
    monthly_base_fee,
    support_priority,
)
from pricing.incident_tariff import IncidentTariff, Term, load_incident_tariff

DEFAULT = Path(__file__).resolve().parents[1] / "pricing" / "tariffs" / "default.toml"


@pytest.fixture(scope="module")
def tariff() -> IncidentTariff:
    return load_incident_tariff(DEFAULT)


# サポート基本料金表(年額契約方式): scope, yearly fee, contract unit, minimum term (months)
ANNUAL_TABLE = [
    ("normal", 25000, 12, 12),
    ("technical", 40000, 12, 12),
    ("highly_technical", 80000, 12, 12),
    ("mission_critical", 240000, 12, 36),
]

# サポート基本料金表(月額契約方式): max incidents, scope, monthly fee, contract unit, minimum term (months)
MONTHLY_TABLE = [
    (1, "normal", 5000, 6, 12),
    (2, "normal", 15000, 6, 12),
    (3, "normal", 25000, 6, 12),
    (4, "normal", 30000, 6, 12),
    (5, "normal", 35000, 6, 12),
    (1, "technical", 10000, 6, 12),
    (2, "technical", 20000, 6, 12),
    (3, "technical", 30000, 6, 12),
    (4, "technical", 35000, 6, 12),
    (5, "technical", 40000, 6, 12),
    (1, "highly_technical", 40000, 6, 12),
    (2, "highly_technical", 50000, 6, 12),
    (3, "highly_technical", 60000, 6, 12),
    (4, "highly_technical", 70000, 6, 12),
    (5, "highly_technical", 80000, 6, 12),
    (1, "mission_critical", 60000, 3, 36),
    (2, "mission_critical", 90000, 3, 36),
    (3, "mission_critical", 120000, 3, 36),
]

# サポート追加料金表: level, monthly plan, annual plan
LEVEL_TABLE = [
    ("feather", 0, 0),
    ("1", 0, 1000),
    ("2", 0, 2000),
    ("3", 0, 4000),
    ("4", 2000, 6000),
    ("5", 4000, 10000),
    ("6", 8000, 20000),
    ("7", 20000, 40000),
    ("8", 40000, 80000),
    ("9", 80000, 160000),
    ("10", 160000, 320000),
]


@pytest.mark.parametrize(("scope", "fee", "unit", "minimum"), ANNUAL_TABLE)
def test_annual_plan_base_fee_table(tariff: IncidentTariff, scope: str, fee: int, unit: int, minimum: int) -> None:
    """Annual plan: the yearly base fee, 1-year unit, 1-year minimum (3 years for mission-critical)."""
    assert annual_base_fee(tariff, scope=scope) == Decimal(fee)
    assert contract_term(tariff, plan="annual", scope=scope) == Term(unit_months=unit, minimum_months=minimum)


@pytest.mark.parametrize(("maximum", "scope", "fee", "unit", "minimum"), MONTHLY_TABLE)
def test_monthly_plan_fee_table(tariff: IncidentTariff, maximum: int, scope: str, fee: int, unit: int, minimum: int) -> None:
    """Monthly plan: fee by scope and maximum incidents; 6-month unit (3 for mission-critical), 1-year minimum (3 years)."""
    assert monthly_base_fee(tariff, scope=scope, max_incidents=maximum) == Decimal(fee)
    assert contract_term(tariff, plan="monthly", scope=scope) == Term(unit_months=unit, minimum_months=minimum)


def test_monthly_table_has_exactly_the_seed_rows(tariff: IncidentTariff) -> None:
    """No extra row: normal/technical/highly technical offer 1-5 incidents, mission-critical 1-3."""
    assert {(n + 1, scope) for scope, fees in tariff.monthly_fee.items() for n in range(len(fees))} == {
        (n, scope) for n, scope, *_ in MONTHLY_TABLE
    }


@pytest.mark.parametrize(("scope", "maximum"), [("mission_critical", 4), ("normal", 6), ("normal", 0), ("technical", -1)])
def test_monthly_maximum_not_offered_is_refused(tariff: IncidentTariff, scope: str, maximum: int) -> None:
    """Mission-critical has no 4-incident plan; nobody has 0 or 6."""
    with pytest.raises(PricingError, match=f"max_incidents: {maximum} is not offered for scope {scope}"):
        monthly_base_fee(tariff, scope=scope, max_incidents=maximum)


@pytest.mark.parametrize(("level", "monthly", "annual"), LEVEL_TABLE)
@pytest.mark.parametrize("scope", ["normal", "mission_critical"])
def test_incident_fee_table(tariff: IncidentTariff, level: str, monthly: int, annual: int, scope: str) -> None:
    """Per-incident fee by level: annual plans pay from level 1, monthly plans pay the extra fee from level 4."""
    assert level_fee(tariff, level, plan="annual") == annual
    assert level_fee(tariff, level, plan="monthly") == monthly
    assert incident_fee(tariff, level, plan="annual", scope=scope) == Decimal(annual)
    assert incident_fee(tariff, level, plan="monthly", scope=scope) == Decimal(monthly)
    assert is_included(tariff, level) == (level in ("feather", "1", "2", "3"))


@pytest.mark.parametrize(("scope", "level", "fee"), [
    ("normal", "1", 7500),          # increased base incident fee only (level 1 is included)
    ("normal", "3", 7500),
    ("normal", "4", 9500),          # 7,500 + level-4 extra 2,000
    ("normal", "7", 27500),         # 7,500 + 20,000
    ("technical", "2", 15000),
    ("highly_technical", "5", 64000),
    ("mission_critical", "10", 250000),
    ("normal", "feather", 0),       # feather never counts, so never costs
])
def test_incident_beyond_the_monthly_maximum_costs_the_increased_fee(tariff: IncidentTariff, scope: str, level: str, fee: int) -> None:
    """Beyond the monthly maximum: the configured increased base fee plus the level's extra fee."""
    assert incident_fee(tariff, level, plan="monthly", scope=scope, beyond_maximum=True) == Decimal(fee)


def test_annual_plans_have_no_maximum(tariff: IncidentTariff) -> None:
    """Asking for a beyond-maximum fee on an annual plan is a mistake, not a silent guess."""
    with pytest.raises(PricingError, match="beyond_maximum: annual plans have no monthly maximum"):
        incident_fee(tariff, "3", plan="annual", scope="normal", beyond_maximum=True)


def test_month_counting_skips_feather_and_starts_from_zero() -> None:
    """Max 2: feather incidents are free and not counted; the 3rd and 4th counted incidents are beyond the maximum."""
    uses = count_month(["2", "feather", "4", "1", "feather", "7"], max_incidents=2)
    assert [(u.counted, u.number, u.beyond_maximum) for u in uses] == [
        (True, 1, False), (False, 0, False), (True, 2, False), (True, 3, True), (False, 0, False), (True, 4, True),
    ]
    # a month with one incident used of five: nothing carried into the next month
    assert [u.beyond_maximum for u in count_month(["1", "1"], max_incidents=1)] == [False, True]


@pytest.mark.parametrize(("fee", "limit", "approved", "billed", "reached"), [
    (Decimal(10000), Decimal(30000), False, Decimal(10000), False),
    (Decimal(30000), Decimal(30000), False, Decimal(30000), False),   # at the limit: no question yet
    (Decimal(30001), Decimal(30000), False, Decimal(30000), True),
    (Decimal(40000), Decimal(30000), True, Decimal(40000), False),    # continuation recorded: billed in full
    (Decimal(1000), Decimal(0), False, Decimal(0), True),             # feather as the limit
    (Decimal(0), Decimal(0), False, Decimal(0), False),
])
def test_fee_limit_stops_billing_until_continuation(
    fee: Decimal, limit: Decimal, approved: bool, billed: Decimal, reached: bool
) -> None:
    """Over the limit: billed at the limit and the client is asked "limit reached: stop or continue?"."""
    capped = cap_fee(fee, limit=limit, continuation_approved=approved)
    assert (capped.billed, capped.limit_reached) == (billed, reached)
    assert capped.notice == (LIMIT_NOTICE if reached else None)
    assert LIMIT_NOTICE == "limit reached: stop or continue?"


def test_which_limit_applies(tariff: IncidentTariff) -> None:
    """The incident's own limit, else the contract default, else the consulting fee (50,000)."""
    assert fee_limit(tariff, scope="normal", incident_limit=Decimal(0), contract_limit=Decimal(30000)).amount == 0
    assert fee_limit(tariff, scope="normal", contract_limit=Decimal(30000)).source == "contract"
    assert fee_limit(tariff, scope="normal") == fee_limit(tariff, scope="normal", incident_limit=None)
    assert fee_limit(tariff, scope="normal").amount == default_fee_limit(tariff, scope="normal") == Decimal(50000)
    with pytest.raises(PricingError, match="incident_limit: -1 is negative"):
        fee_limit(tariff, scope="normal", incident_limit=Decimal(-1))


@pytest.mark.parametrize(("plan", "pay_annual", "beyond", "fee", "consumes"), [
    ("annual", False, False, 4000, False),     # a level-3 incident at the annual price
    ("monthly", False, False, 0, True),        # consumes one incident, level 3 is included
    ("monthly", False, True, 7500, True),      # ... beyond the maximum: the increased fee
    ("monthly", True, False, 4000, False),     # pays the annual level-3 price, keeps the incident
])
def test_chart_creation(tariff: IncidentTariff, plan: str, pay_annual: bool, beyond: bool, fee: int, consumes: bool) -> None:
    """カルテ creation costs a level-3 incident, or on monthly plans the annual level-3 price without consuming one."""
    chart = chart_creation(tariff, plan=plan, scope="normal", pay_annual_price=pay_annual, beyond_maximum=beyond)
    assert (chart.fee, chart.consumes_incident, chart.level) == (Decimal(fee), consumes, "3")


def test_absorbed_incident_costs_nothing_and_the_job_price_stands() -> None:
    """Seed: a ¥50,000 incident turned into ¥100,000 of tutoring → incident ¥0, tutoring ¥100,000."""
    result = absorb(Decimal(50000), job_price=Decimal(100000))
    assert (result.incident_fee, result.absorbed, result.job_price) == (Decimal(0), Decimal(50000), Decimal(100000))


def test_monthly_plans_are_served_first(tariff: IncidentTariff) -> None:
    """The priority value (higher first) puts monthly-plan clients before annual-plan clients."""
    assert support_priority(tariff, plan="monthly") > support_priority(tariff, plan="annual") > 0


@pytest.mark.parametrize(("plan", "scope", "months", "message"), [
    ("annual", "mission_critical", 24, "at least 36 months"),
    ("monthly", "normal", 6, "at least 12 months"),
    ("monthly", "normal", 15, "units of 6 months"),
    ("monthly", "mission_critical", 40, "units of 3 months"),
])
def test_contract_length_rules(tariff: IncidentTariff, plan: str, scope: str, months: int, message: str) -> None:
    """Contracts shorter than the minimum term or not a whole number of units are refused."""
    with pytest.raises(PricingError, match=message):
        check_contract_months(tariff, months, plan=plan, scope=scope)
    term = contract_term(tariff, plan=plan, scope=scope)
    assert check_contract_months(tariff, term.minimum_months, plan=plan, scope=scope) == term.minimum_months


@pytest.mark.parametrize(("call", "match"), [
    (lambda t: incident_fee(t, "11", plan="annual", scope="normal"), "level: '11' is not one of feather, 1..10"),
    (lambda t: incident_fee(t, "3", plan="weekly", scope="normal"), "plan: 'weekly' is not one of annual, monthly"),
    (lambda t: annual_base_fee(t, scope="gold"), "scope: 'gold'"),
    (lambda t: cap_fee(Decimal(-5), limit=Decimal(0), continuation_approved=False), "fee: -5 is negative"),
])
def test_bad_input_names_the_field(tariff: IncidentTariff, call: object, match: str) -> None:
    """Unknown level, plan or scope, or a negative fee: an error naming it."""
    with pytest.raises(PricingError, match=match):
        call(tariff)  # type: ignore[operator]
