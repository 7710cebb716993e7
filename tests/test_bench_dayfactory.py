"""The benchmark day generator (bench/dayfactory.py) writes days the app reads, like our users' days."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from dayfactory import SKILLS, make_day

from dispatch.jsonio import parse_problem
from dispatch.problem import Urgency
from dispatch.travel import distance_m, load_profiles, travel_seconds


@pytest.mark.parametrize("city", ["tokyo", "osaka"])
def test_a_generated_day_loads_and_looks_like_a_real_day(city: str) -> None:
    problem = parse_problem(make_day(100, seed=1, city=city))
    assert (len(problem.concierges), len(problem.visits)) == (12, 100)
    assert {v.urgency for v in problem.visits} == set(Urgency)
    assert sum(v.urgency is Urgency.EMERGENCY for v in problem.visits) <= 6
    holders = set().union(*(c.skills for c in problem.concierges))
    assert holders <= set(SKILLS)
    for c in problem.concierges:
        assert c.max_visits is not None and c.max_visits <= 8
        if c.break_ is not None:
            assert (c.break_.earliest, c.break_.latest, c.break_.minutes) == (11 * 60 + 30, 13 * 60, 60)
    for v in problem.visits:
        assert 30 <= v.duration <= 120
        assert any(v.skills <= c.skills for c in problem.concierges), f"{v.id} needs {sorted(v.skills)}: nobody has them"
        if v.dedicated_required:
            assert v.skills <= problem.concierges[problem.concierge_index(v.dedicated or "")].skills


def test_days_are_over_subscribed_by_a_realistic_margin() -> None:
    problem = parse_problem(make_day(1000, seed=1))
    assert len(problem.concierges) == 100
    asked = sum(v.duration for v in problem.visits)
    available = sum(c.shift_end - c.shift_start - (c.break_.minutes if c.break_ else 0) for c in problem.concierges)
    assert 1.1 < asked / available < 1.5  # before travel; the issue-11 day served 58-66%


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    assert make_day(100, seed=3) == make_day(100, seed=3)
    assert make_day(100, seed=3) != make_day(100, seed=4)


def test_the_matrix_variant_has_the_profile_travel() -> None:
    geo, mat = make_day(20, seed=1, concierges=3), parse_problem(make_day(20, seed=1, concierges=3, travel="matrix"))
    assert mat.matrix is not None
    a, b = geo["concierges"][0]["start"], geo["visits"][5]["location"]
    meters = distance_m((a["lat"], a["lon"]), (b["lat"], b["lon"]))
    assert int(mat.matrix.meters[0, 3 + 5]) == meters
    assert int(mat.matrix.seconds[0, 3 + 5]) == travel_seconds(meters, load_profiles()["tokyo_rail"])
