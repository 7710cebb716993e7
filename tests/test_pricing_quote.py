"""Seat-plan quotes: the figures of the e-concierge FAQ (seed 001, 料金について) and the rules around them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.contract_terms import contract_terms
from pricing.errors import PricingError
from pricing.quote import PER_CLUSTER, TWO_TIER, OfficeInput, QuoteOptions, estimate_visits, plan_lines, quote
from pricing.seats import round_units, seat_units
from pricing.tariff import ContractRules, Tariff, load_tariff

TARIFF = load_tariff()
TOKYO = (35.6812, 139.7671)
OSAKA = (34.7025, 135.4959)


def one_office(pcs: int, servers: int = 1) -> OfficeInput:
    return OfficeInput("HQ", TOKYO[0], TOKYO[1], pcs, servers)


def gross(offices: list[OfficeInput], tariff: Tariff = TARIFF, **options: object) -> int:
    return int(quote(offices, QuoteOptions(**options), tariff).gross_total)  # type: ignore[arg-type]


# --- the seed's figures -------------------------------------------------------------------------


def test_unit_is_28000_net_30800_gross() -> None:
    """One unit (10 PCs + 1 server) costs ¥28,000 net, ¥2,800 tax, ¥30,800 a month."""
    result = quote([one_office(10, 1)], QuoteOptions(), TARIFF)
    assert (result.net_total, result.tax, result.gross_total) == (Decimal(28000), Decimal(2800), Decimal(30800))


def test_thirty_pcs_cost_three_units_half_rounding() -> None:
    """30 PCs → 3 units → ¥92,400 with the default (half) rounding: exactly linear up to 30 PCs."""
    assert gross([one_office(30)]) == 92400
    assert [gross([one_office(pcs)]) for pcs in (10, 20, 30)] == [30800, 61600, 92400]


def test_thirty_pcs_whole_after_waits_for_the_next_multiple() -> None:
    """whole_after counts 30 PCs as 2 units (a third only past 30), like 15 PCs stay at 1 until past 20."""
    assert gross([one_office(30)], rounding="whole_after") == 61600
    assert gross([one_office(31)], rounding="whole_after") == 92400


@pytest.mark.parametrize("pcs", [1, 2, 9, 10])
def test_minimum_one_unit(pcs: int) -> None:
    """2 PCs (or anything up to 10) still pay the one-unit minimum of ¥30,800."""
    assert gross([one_office(pcs)]) == 30800


def test_ten_shops_in_one_city_are_one_cluster() -> None:
    """10 franchise shops in one city with 1 PC each merge into one cluster → ¥30,800."""
    rng = random.Random(3)
    shops = [OfficeInput(f"Shop {i}", TOKYO[0] + rng.uniform(-0.01, 0.01), TOKYO[1] + rng.uniform(-0.01, 0.01), 1, 0) for i in range(10)]
    result = quote(shops, QuoteOptions(), TARIFF)
    assert len(result.clusters) == 1 and len(result.clusters[0].office_names) == 10
    assert result.gross_total == 30800
    assert result.recommended == PER_CLUSTER


def test_two_far_offices_pay_two_units() -> None:
    """Two offices far apart (Tokyo, Osaka) with 5 PCs each → two clusters → 2 × ¥30,800 = ¥61,600."""
    offices = [OfficeInput("Tokyo", *TOKYO, 5, 0), OfficeInput("Osaka", *OSAKA, 5, 0)]
    result = quote(offices, QuoteOptions(), TARIFF)
    assert [c.office_names for c in result.clusters] == [("Tokyo",), ("Osaka",)]
    assert result.clusters[1].span_km == 0
    assert result.gross_total == 61600
    assert result.recommended == PER_CLUSTER


def test_hundred_pcs_one_server_is_30_to_40_percent_of_linear() -> None:
    """100 PCs + 1 server: between 30% and 40% of the linear ¥308,000 (¥92,400–¥123,200)."""
    total = gross([one_office(100, 1)])
    assert 92400 <= total <= 123200
    assert total == 109340  # default tiers: 3 units full price, 2 at 85% off, 5 at 95% off


def test_dispersed_hundred_shops_recommend_two_tier() -> None:
    """100 shops nationwide with 1 PC each → two-tier recommended: ¥30,800 a month + ¥13,200 per visit."""
    rng = random.Random(11)
    shops = [OfficeInput(f"Shop {i}", rng.uniform(31.5, 43.0), rng.uniform(130.5, 145.0), 1, 0) for i in range(100)]
    result = quote(shops, QuoteOptions(), TARIFF)
    body = result.to_json()
    assert body["recommended"] == TWO_TIER
    assert body["gross_total"] == 30800
    two = body["plans"][TWO_TIER]
    assert (two["net_total"], two["tax"], two["gross_total"], two["spot_fee_gross"]) == (28000, 2800, 30800, 13200)
    assert two["expected_gross_total"] == 30800 + 13200 * two["expected_visits_per_month"]
    assert body["plans"][PER_CLUSTER]["gross_total"] == 30800 * len(result.clusters)


def test_visits_given_decide_the_recommendation() -> None:
    """With many visits a month the per-cluster plan (visits included) wins again."""
    offices = [OfficeInput(name, lat, lon, 5, 0) for name, lat, lon in (("Tokyo", *TOKYO), ("Osaka", *OSAKA), ("Sapporo", 43.0687, 141.3508))]
    few = quote(offices, QuoteOptions(visits_per_month=2), TARIFF)
    many = quote(offices, QuoteOptions(visits_per_month=10), TARIFF)
    assert few.recommended == TWO_TIER and few.plans[TWO_TIER].expected_net_total == 28000 + 2 * 12000
    assert many.recommended == PER_CLUSTER and many.gross_total == 3 * 30800


def test_two_tier_not_priced_for_two_clusters_unless_asked() -> None:
    """Two clusters are priced per cluster only; --two-tier always or given visits add the comparison."""
    offices = [OfficeInput("Tokyo", *TOKYO, 5, 0), OfficeInput("Osaka", *OSAKA, 5, 0)]
    assert set(quote(offices, QuoteOptions(), TARIFF).plans) == {PER_CLUSTER}
    assert set(quote(offices, QuoteOptions(compare_two_tier="always"), TARIFF).plans) == {PER_CLUSTER, TWO_TIER}
    given = quote(offices, QuoteOptions(visits_per_month=3), TARIFF)
    assert set(given.plans) == {PER_CLUSTER, TWO_TIER} and given.recommended == PER_CLUSTER  # 28,000 + 3 × 12,000 > 56,000


# --- unit rounding and servers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pcs", "half", "whole_after"),
    [(10, "1", "1"), (11, "1.5", "1"), (15, "1.5", "1"), (16, "2", "1"), (20, "2", "1"), (21, "2.5", "2"), (30, "3", "2"), (31, "3.5", "3")],
)
def test_unit_rounding_half_and_whole_after(pcs: int, half: str, whole_after: str) -> None:
    """half rounds up to the next half unit; whole_after adds a unit only once the count passes the next multiple of 10."""
    plan = TARIFF.seat_plan
    common = {"pcs_per_unit": 10, "tolerance_pcs": 0, "minimum_units": plan.minimum_units}
    assert round_units(Decimal(pcs), rounding="half", **common) == Decimal(half)  # type: ignore[arg-type]
    assert round_units(Decimal(pcs), rounding="whole_after", **common) == Decimal(whole_after)  # type: ignore[arg-type]


def test_fifteen_pcs_half_vs_whole_after() -> None:
    """15 PCs + 1 server: 1.5 units (¥46,200) with half rounding, 1 unit (¥30,800) with whole_after."""
    assert gross([one_office(15)], rounding="half") == 46200
    assert gross([one_office(15)], rounding="whole_after") == 30800
    assert quote([one_office(15)], QuoteOptions(rounding="whole_after"), TARIFF).to_json()["rounding"] == "whole_after"


def test_whole_after_tolerance_moves_the_step() -> None:
    """A tolerance of 5 PCs keeps 25 PCs at 1 unit and counts 26 as 2 (whole_after)."""
    assert gross([one_office(25)], rounding="whole_after", tolerance_pcs=5) == 30800
    assert gross([one_office(26)], rounding="whole_after", tolerance_pcs=5) == 61600


@pytest.mark.parametrize(
    ("pcs", "servers", "units", "included", "extra"),
    [
        (10, 1, "1", 1, 0),
        (10, 2, "1.5", 1, 1),
        (20, 2, "2", 2, 0),
        (15, 2, "2", 2, 0),
        (10, 3, "2", 2, 1),
        (0, 1, "1", 1, 0),
        (30, 6, "4", 4, 2),
        (30, 7, "4.5", 4, 3),
    ],
)
def test_one_server_per_whole_unit_then_five_pc_equivalents(pcs: int, servers: int, units: str, included: int, extra: int) -> None:
    """The first server per whole unit is included; each further server counts as 5 PCs (half rounding)."""
    result = seat_units(pcs, servers, plan=TARIFF.seat_plan, rounding="half", tolerance_pcs=0)
    assert (result.units, result.servers_included, result.extra_servers) == (Decimal(units), included, extra)


def test_breakdown_names_the_server_rule() -> None:
    """The unit line says how many servers were included and how many counted as extra PCs."""
    line = quote([one_office(10, 2)], QuoteOptions(), TARIFF).lines[0]
    assert "1 included, one per whole unit" in line.basis and "1 extra × 5 PC-equivalents" in line.basis


# --- conditions, scope, terms -------------------------------------------------------------------


def test_conditions_each_get_a_named_line() -> None:
    """Evening and Saturday coverage, a 4 h response and a two-person team each add a named line."""
    options = QuoteOptions(service_hours=("evening", "saturday"), response_hours=4, team_size=2)
    result = quote([one_office(10)], options, TARIFF)
    labels = [line.label for line in result.lines]
    assert labels == [
        "Concierge units",
        "Evening coverage (weekdays after 18:00)",
        "Saturday coverage",
        "Guaranteed response within 4 h",
        "Team response (2 concierges)",
    ]
    assert [int(line.net) for line in result.lines] == [28000, 5600, 4200, 16800, 14000]
    assert result.net_total == 68600 and result.tax == 6860


def test_remote_only_goes_below_the_minimum() -> None:
    """Remote-only support halves the one-unit fee: below the ¥30,800 minimum."""
    result = quote([one_office(2)], QuoteOptions(visiting="remote_only"), TARIFF)
    assert result.net_total == 14000 and result.gross_total == 15400


def test_old_devices_and_low_literacy_raise_the_fee_and_the_visit_estimate() -> None:
    """Old devices add ¥700 each and low IT literacy 15% (per-cluster); both raise the expected visits."""
    office = OfficeInput("HQ", *TOKYO, 10, 1, old_devices=4)
    result = quote([office], QuoteOptions(low_it_literacy=True), TARIFF)
    assert [int(line.net) for line in result.lines] == [28000, 4200, 2800]
    plain = OfficeInput("HQ", *TOKYO, 10, 1)
    assert estimate_visits([office], QuoteOptions(low_it_literacy=True), TARIFF) > estimate_visits([plain], QuoteOptions(), TARIFF)


def test_out_of_scope_seats_are_flagged_not_priced() -> None:
    """Mac/Linux seats and user-written programs appear as warnings with their office and count."""
    office = OfficeInput("Design", *TOKYO, 10, 1, other_seats=4, user_programs=2)
    result = quote([office], QuoteOptions(), TARIFF)
    assert result.gross_total == 30800
    assert {"office": "Design", "seats": 4, "reason": "non-Windows OS"} in result.out_of_scope
    assert any("4 seat(s) on a non-Windows OS" in w for w in result.warnings)
    assert any("2 user-written program(s)" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("start", "first", "end", "notice"),
    [
        ("2026-04-01", "2026-04", "2026-06-30", "2026-05-31"),
        ("2026-04-15", "2026-04", "2026-06-30", "2026-05-31"),
        ("2026-09-01", "2026-09", "2026-11-30", "2026-10-31"),
        ("2026-12-10", "2026-12", "2027-02-28", "2027-01-31"),
    ],
)
def test_contract_terms(start: str, first: str, end: str, notice: str) -> None:
    """First billable month is the start's month (charged in full); 3 months minimum; notice a month before the end."""
    terms = contract_terms(dt.date.fromisoformat(start), rules=ContractRules(minimum_months=3, notice_months=1)).to_json()
    assert (terms["first_billable_month"], terms["earliest_end_date"], terms["cancellation_notice_by"]) == (first, end, notice)
    assert terms["mid_month_start"] is (not start.endswith("-01"))


def test_quote_json_shape() -> None:
    """The JSON has the totals, recommendation, clusters with office names, lines, plans, tariff version and terms."""
    body = quote([one_office(30)], QuoteOptions(start=dt.date(2026, 5, 1)), TARIFF).to_json()
    for key in ("net_total", "tax", "gross_total", "recommended", "clusters", "lines", "plans", "warnings", "rounding", "tariff_version"):
        assert key in body
    assert body["clusters"][0]["offices"] == ["HQ"]
    assert body["contract_terms"]["first_billable_month"] == "2026-05"
    assert body["contract_terms"]["annual_prepayment_gross"] == 12 * 92400
    assert {"label", "basis", "quantity", "unit_price", "net"} <= set(body["lines"][0])


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pcs": -1}, "pcs"),
        ({"pcs": 1.5}, "pcs"),
        ({"servers": -2}, "servers"),
        ({"lat": 91.0}, "lat"),
        ({"lon": -181.0}, "lon"),
        ({"other_seats": True}, "other_seats"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_office_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    """Negative or fractional counts and out-of-range coordinates raise PricingError naming the field."""
    values: dict[str, object] = {"name": "HQ", "lat": TOKYO[0], "lon": TOKYO[1], "pcs": 10, "servers": 1, **kwargs}
    with pytest.raises(PricingError, match=f"^{field}:"):
        OfficeInput(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rounding": "quarter"}, "rounding"),
        ({"visiting": "never"}, "visiting"),
        ({"service_hours": ("night",)}, "service_hours"),
        ({"team_size": 0}, "team_size"),
    ],
)
def test_bad_options_name_the_field(kwargs: dict[str, object], field: str) -> None:
    """Unknown option values raise PricingError naming the option."""
    with pytest.raises(PricingError, match=f"^{field}:"):
        QuoteOptions(**kwargs)  # type: ignore[arg-type]


def test_zero_offices_is_an_error() -> None:
    """A quote needs at least one office."""
    with pytest.raises(PricingError, match="^offices:"):
        quote([], QuoteOptions(), TARIFF)


def test_plan_lines_for_billing() -> None:
    """Billing gets each variant's monthly lines: per-cluster units vs the two-tier base unit, plus surcharges."""
    offices = [OfficeInput("Tokyo", *TOKYO, 5, 0), OfficeInput("Osaka", *OSAKA, 5, 0)]
    options = QuoteOptions(service_hours=("saturday",))
    per_cluster = plan_lines(offices, options, TARIFF, variant=PER_CLUSTER)
    two_tier = plan_lines(offices, options, TARIFF, variant=TWO_TIER)
    assert [int(line.net) for line in per_cluster] == [28000, 28000, 8400]
    assert [int(line.net) for line in two_tier] == [28000, 4200]
    assert TARIFF.spot_fee_net == 12000


# --- properties ---------------------------------------------------------------------------------

ROUNDING = st.sampled_from(["half", "whole_after"])
TOLERANCE = st.integers(min_value=0, max_value=12)


def _cluster(counts: list[tuple[int, int]]) -> list[OfficeInput]:
    """Offices a few hundred metres apart: always one cluster."""
    return [OfficeInput(f"O{i}", TOKYO[0] + 0.001 * i, TOKYO[1], pcs, servers) for i, (pcs, servers) in enumerate(counts)]


def _net(offices: list[OfficeInput], rounding: str, tolerance: int) -> Decimal:
    return quote(offices, QuoteOptions(rounding=rounding, tolerance_pcs=tolerance), TARIFF).plans[PER_CLUSTER].net_total


@settings(max_examples=150, deadline=None)
@given(pcs=st.integers(0, 400), servers=st.integers(1, 30), more=st.integers(1, 25), rounding=ROUNDING, tolerance=TOLERANCE)
def test_fee_never_decreases_with_more_pcs(pcs: int, servers: int, more: int, rounding: str, tolerance: int) -> None:
    """Adding PCs to a site never lowers the monthly fee (either rounding)."""
    assert _net(_cluster([(pcs + more, servers)]), rounding, tolerance) >= _net(_cluster([(pcs, servers)]), rounding, tolerance)


@settings(max_examples=150, deadline=None)
@given(pcs=st.integers(0, 400), servers=st.integers(0, 30), more=st.integers(1, 10), rounding=ROUNDING, tolerance=TOLERANCE)
def test_fee_never_decreases_with_more_servers(pcs: int, servers: int, more: int, rounding: str, tolerance: int) -> None:
    """Adding servers never lowers the monthly fee."""
    if pcs + servers == 0:
        servers = 1
    assert _net(_cluster([(pcs, servers + more)]), rounding, tolerance) >= _net(_cluster([(pcs, servers)]), rounding, tolerance)


@settings(max_examples=100, deadline=None)
@given(
    counts=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 4)), min_size=1, max_size=6),
    extra=st.tuples(st.integers(0, 60), st.integers(0, 4)),
    rounding=ROUNDING,
)
def test_fee_never_decreases_with_more_offices_in_one_cluster(counts: list[tuple[int, int]], extra: tuple[int, int], rounding: str) -> None:
    """Adding an office to a cluster never lowers the fee."""
    if sum(p + s for p, s in counts) == 0:
        counts = [(1, 0), *counts]
    assert _net(_cluster([*counts, extra]), rounding, 0) >= _net(_cluster(counts), rounding, 0)


@settings(max_examples=40, deadline=None)
@given(
    weight=st.integers(1, 12),
    per_unit=st.integers(3, 25),
    pcs=st.integers(0, 200),
    servers=st.integers(1, 20),
    rounding=ROUNDING,
)
def test_units_monotone_for_any_server_weight(weight: int, per_unit: int, pcs: int, servers: int, rounding: str) -> None:
    """The server rule stays monotone whatever PC-equivalent weight and unit size a tariff sets."""
    import dataclasses

    plan = dataclasses.replace(TARIFF.seat_plan, server_pc_equivalents=Decimal(weight), pcs_per_unit=per_unit)
    base = seat_units(pcs, servers, plan=plan, rounding=rounding, tolerance_pcs=0).units
    assert seat_units(pcs + 1, servers, plan=plan, rounding=rounding, tolerance_pcs=0).units >= base
    assert seat_units(pcs, servers + 1, plan=plan, rounding=rounding, tolerance_pcs=0).units >= base


OFFICE = st.builds(
    OfficeInput,
    name=st.sampled_from(["A", "B", "C", "D"]),
    lat=st.floats(33.0, 36.0),
    lon=st.floats(132.0, 140.0),
    pcs=st.integers(0, 150),
    servers=st.integers(0, 6),
    other_seats=st.integers(0, 3),
)
OPTIONS = st.builds(
    QuoteOptions,
    rounding=st.sampled_from([None, "half", "whole_after"]),
    visits_per_month=st.one_of(st.none(), st.integers(0, 40)),
    service_hours=st.lists(st.sampled_from(["evening", "saturday", "sunday_holiday"]), max_size=3).map(tuple),
    response_hours=st.integers(1, 48),
    team_size=st.integers(1, 3),
    visiting=st.sampled_from(["on_site", "trouble_only", "remote_only"]),
    first_line_support=st.booleans(),
    low_it_literacy=st.booleans(),
    compare_two_tier=st.sampled_from(["auto", "always"]),
)


@settings(max_examples=120, deadline=None)
@given(offices=st.lists(OFFICE, min_size=1, max_size=12), options=OPTIONS)
def test_totals_add_up(offices: list[OfficeInput], options: QuoteOptions) -> None:
    """Every plan: gross = net + tax exactly, tax = ⌊10% of net⌋, and the lines sum to the net total."""
    if sum(o.pcs + o.servers for o in offices) == 0:
        offices = [*offices, OfficeInput("Z", 35.0, 135.0, 1, 0)]
    result = quote(offices, options, TARIFF)
    body = result.to_json()
    assert body["gross_total"] == body["net_total"] + body["tax"]
    assert sum(line["net"] for line in body["lines"]) == body["net_total"]
    for plan in body["plans"].values():
        assert plan["gross_total"] == plan["net_total"] + plan["tax"]
        assert plan["tax"] == plan["net_total"] * 10 // 100
        assert sum(line["net"] for line in plan["lines"]) == plan["net_total"]
        assert all(isinstance(plan[key], int) for key in ("net_total", "tax", "gross_total"))
