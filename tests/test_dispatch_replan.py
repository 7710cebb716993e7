"""Re-planning during the day, and the independent checker catching broken plans."""

from __future__ import annotations

import dataclasses
from typing import Any

from dispatch.check import check_plan
from dispatch.jsonio import parse_problem
from dispatch.plan import Plan, ReasonCode
from dispatch.problem import DispatchProblem
from dispatch.replan import replan
from dispatch.solve import SolveParams, solve

PLACES = 8
PARAMS = SolveParams(time_limit=30, solution_limit=100)  # the budget is the solution limit, not the clock


def street(visits: list[dict[str, Any]], people: tuple[str, ...] = ("a", "b")) -> DispatchProblem:
    """Concierges on a straight street (10 minutes per km between places)."""
    sec = [[600 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    met = [[1000 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    concierges = [{"id": p, "start": {"index": 0}} for p in people]
    travel = {"matrix": {"seconds": sec, "meters": met}}
    return parse_problem({"schema": "concierge-dispatch/1", "travel": travel, "concierges": concierges, "visits": visits})


def day() -> list[dict[str, Any]]:
    """Six one-hour visits spread along the street."""
    return [{"id": f"v{k}", "location": {"index": 1 + k % 7}, "duration_minutes": 60, "urgency": "normal"} for k in range(6)]


def committed(people: tuple[str, ...] = ("a", "b")) -> tuple[DispatchProblem, Plan]:
    """The morning's committed plan."""
    problem = street(day(), people)
    plan = solve(problem, PARAMS)
    assert check_plan(problem, plan) == [] and not plan.unplanned
    return problem, plan


def test_replan_keeps_done_and_in_progress_visits() -> None:
    """Visits started before now keep their concierge and times; the new emergency is planned."""
    _problem, plan = committed()
    now = 11 * 60
    started = {s.visit: (r.concierge, s.start) for r in plan.routes for s in r.stops if s.start < now * 60}
    assert started
    sos = {"id": "sos", "location": {"index": 4}, "duration_minutes": 30, "urgency": "emergency"}
    result = replan(street([*day(), sos]), plan, now)
    assert check_plan(result.subproblem, result.subplan) == []
    after = result.plan.assignment()
    for vid, where in started.items():
        assert after[vid] == where
    assert result.inserted == ("sos",)
    assert after["sos"][1] >= now * 60


def test_replan_reports_moves_with_minutes() -> None:
    """Visits pushed later by the insertion are reported with their concierge and delay in minutes."""
    _problem, plan = committed(("a",))
    sos = {"id": "sos", "location": {"index": 2}, "duration_minutes": 120, "urgency": "emergency"}
    result = replan(street([*day(), sos], ("a",)), plan, 9 * 60)
    assert result.moves
    new = result.plan.assignment()
    for m in result.moves:
        assert m.visit in new or m.to_concierge is None
        if m.to_concierge is not None:
            assert new[m.visit] == (m.to_concierge, m.new_start)
            assert m.minutes == round((new[m.visit][1] - plan.assignment()[m.visit][1]) / 60)
    assert result.changed_routes == ("a",)


def test_replan_without_new_visits_changes_nothing() -> None:
    """Re-planning the same day at the start moves nobody."""
    problem, plan = committed()
    result = replan(problem, plan, 9 * 60)
    assert result.moves == () and result.changed_routes == ()


def test_checker_catches_a_start_outside_the_window() -> None:
    """The checker rejects a plan whose visit starts before it can arrive."""
    problem, plan = committed()
    route = next(r for r in plan.routes if r.stops)
    first = route.stops[0]
    bad_stop = dataclasses.replace(first, start=route.start, end=route.start + 3600)
    bad = dataclasses.replace(plan, routes=tuple(dataclasses.replace(r, stops=(bad_stop, *r.stops[1:])) if r is route else r for r in plan.routes))
    assert any("cannot start" in e for e in check_plan(problem, bad))


def test_checker_catches_a_lost_visit() -> None:
    """The checker rejects a plan that drops a visit without listing it as unplanned."""
    problem, plan = committed()
    route = next(r for r in plan.routes if r.stops)
    bad = dataclasses.replace(plan, routes=tuple(dataclasses.replace(r, stops=r.stops[1:]) if r is route else r for r in plan.routes))
    assert any("appears 0 times" in e for e in check_plan(problem, bad))


def full_day(people: tuple[str, ...] = ("a", "b", "c")) -> list[dict[str, Any]]:
    """Each concierge fully booked: three 140-minute visits at their own place on the street."""
    out = []
    for n, p in enumerate(people):
        for k in range(3):
            out.append({"id": f"{p}{k}", "location": {"index": 2 * n + 1}, "duration_minutes": 140, "urgency": "low" if k == 2 else "normal"})
    return out


def test_replan_insertion_changes_only_the_receiving_route() -> None:
    """An emergency into a fully booked day pushes one low-urgency visit out of one route; the others
    keep their visits and times exactly."""
    people = ("a", "b", "c")
    problem = street(full_day(people), people)
    plan = solve(problem, PARAMS)
    assert check_plan(problem, plan) == [] and plan.planned == 9
    sos = {"id": "sos", "location": {"index": 3}, "duration_minutes": 120, "urgency": "emergency"}
    result = replan(street([*full_day(people), sos], people), plan, 9 * 60)
    assert check_plan(result.subproblem, result.subplan) == []
    assert result.inserted == ("sos",)
    assert len(result.changed_routes) == 1
    (who,) = result.changed_routes
    for r in plan.routes:
        if r.concierge != who:
            assert result.plan.route_of(r.concierge).stops == r.stops
    pushed = [m for m in result.moves if m.to_concierge is None]
    assert len(pushed) == 1 and pushed[0].visit.endswith("2")


def test_replan_finds_room_without_moving_anyone_else() -> None:
    """With a free concierge the emergency goes to them and no committed visit moves."""
    problem = street(day()[:2], ("a", "b", "c"))
    plan = solve(problem, PARAMS)
    sos = {"id": "sos", "location": {"index": 5}, "duration_minutes": 30, "urgency": "emergency"}
    result = replan(street([*day()[:2], sos], ("a", "b", "c")), plan, 9 * 60)
    assert check_plan(result.subproblem, result.subplan) == []
    assert result.moves == () and "sos" in result.plan.assignment()


def test_replan_impossible_emergency_is_explained_without_a_search() -> None:
    """An emergency nobody has the skill for stays unplanned with that reason; the day is unchanged."""
    _problem, plan = committed()
    sos = {"id": "sos", "location": {"index": 4}, "duration_minutes": 30, "urgency": "emergency", "skills": ["cabling"]}
    result = replan(street([*day(), sos], ("a", "b")), plan, 9 * 60)
    assert check_plan(result.subproblem, result.subplan) == []
    assert result.moves == () and result.changed_routes == ()
    assert [u.reason.code for u in result.plan.unplanned if u.visit == "sos"] == [ReasonCode.NO_SKILL]
