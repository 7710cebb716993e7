"""The PyVRP engine: its routes pass the independent checker; problems it cannot model give None."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from dispatch.check import check_plan
from dispatch.construct import plan_from_routes
from dispatch.hgs import hgs_routes, unsupported
from dispatch.jsonio import parse_problem
from dispatch.plan import PlanStatus
from dispatch.problem import DispatchProblem

PLACES = 8
FAST: dict[str, Any] = {"time_limit": 5.0, "seed": 1, "max_iterations": 200}


def street(concierges: list[dict[str, Any]], visits: list[dict[str, Any]]) -> DispatchProblem:
    """Places 0..7 on a straight street, 10 minutes per km."""
    sec = [[600 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    met = [[1000 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    for c in concierges:
        c.setdefault("start", {"index": 0})
    for v in visits:
        v.setdefault("duration_minutes", 30)
        v.setdefault("urgency", "normal")
    travel = {"matrix": {"seconds": sec, "meters": met}}
    return parse_problem({"schema": "concierge-dispatch/1", "travel": travel, "concierges": concierges, "visits": visits})


def visit(vid: str, place: int, **extra: Any) -> dict[str, Any]:
    return {"id": vid, "location": {"index": place}, **extra}


def day() -> DispatchProblem:
    """Two concierges (one starting at the far end), windows, loads and capacities, one optional visit."""
    return street(
        [
            {"id": "a", "capacity": 3},
            {"id": "b", "start": {"index": 7}, "end": {"index": 7}, "capacity": 3, "shift": {"start": "08:00", "end": "17:00"}},
        ],
        [
            visit("v1", 1, windows=[{"start": "09:00", "end": "09:30"}], required=True, load=1),
            visit("v2", 2, required=True, load=1),
            visit("v3", 3, windows=[{"start": "13:00", "end": "14:00"}], required=True, load=1),
            visit("v4", 6, windows=[{"start": "08:00", "end": "08:30"}, {"start": "08:30", "end": "10:00"}], required=True, load=2),
            visit("v5", 5, load=1),
            visit("v6", 4, required=True),
        ],
    )


def checked(problem: DispatchProblem, routes: list[list[int]]) -> None:
    plan = plan_from_routes(problem, routes, PlanStatus.FEASIBLE, 0.0)
    assert check_plan(problem, plan) == []


def test_routes_pass_the_checker() -> None:
    """Every visit is served, each once, by routes the independent checker accepts (windows, capacity, ends)."""
    problem = day()
    assert unsupported(problem) is None
    routes = hgs_routes(problem, **FAST)
    assert routes is not None and len(routes) == 2
    assert sorted(k for r in routes for k in r) == list(range(len(problem.visits)))
    checked(problem, routes)
    assert routes[1] and 3 in routes[1]  # the visit at place 6 (window from 08:00) goes to b, who starts at 7


def test_optional_visit_out_of_reach_is_left_out() -> None:
    """An optional visit whose window nobody can reach is left out; the rest still comes back."""
    problem = street([{"id": "a"}], [visit("v1", 2, required=True), visit("v2", 7, windows=[{"start": "09:00", "end": "09:10"}])])
    routes = hgs_routes(problem, **FAST)
    assert routes == [[0]]


def test_required_visit_out_of_reach_gives_none() -> None:
    """No feasible solution (a required visit cannot be served): None, and the caller's path decides."""
    problem = street([{"id": "a"}], [visit("v1", 7, windows=[{"start": "09:00", "end": "09:10"}], required=True)])
    assert hgs_routes(problem, **FAST) is None


def test_deterministic_for_a_seed_and_iteration_cap() -> None:
    problem = day()
    assert hgs_routes(problem, **FAST) == hgs_routes(problem, **FAST)


def test_cancellation_stops_early() -> None:
    """should_stop is polled: a cancelled search returns at once (with whatever it has, or None)."""
    problem = day()
    t = time.monotonic()
    routes = hgs_routes(problem, time_limit=30.0, seed=0, should_stop=lambda: True)
    assert time.monotonic() - t < 5.0
    if routes is not None:
        checked(problem, routes)


@pytest.mark.parametrize(
    ("concierge", "extra"),
    [
        ({"break": {"earliest": "11:30", "latest": "14:00", "minutes": 60}}, {}),
        ({"max_visits": 1}, {}),
        ({"skills": ["network"]}, {"skills": ["network"]}),
        ({}, {"skills": ["network"]}),
        ({}, {"pinned": {"concierge": "a"}}),
        ({}, {"pinned": {"start": "10:00"}}),
        ({}, {"dedicated": "a"}),
        ({}, {"dedicated": "a", "dedicated_required": True}),
        ({}, {"urgency": "emergency"}),
        ({}, {"deadline": "12:00"}),
        ({}, {"windows": [{"start": "09:00", "end": "10:00"}, {"start": "14:00", "end": "15:00"}]}),
    ],
)
def test_unsupported_features_give_none(concierge: dict[str, Any], extra: dict[str, Any]) -> None:
    problem = street([{"id": "a", **concierge}, {"id": "b"}], [visit("v1", 2, **extra), visit("v2", 3)])
    assert unsupported(problem) is not None
    assert hgs_routes(problem, **FAST) is None


def test_reports_feasible_bests_with_the_model_objective() -> None:
    """on_best gets falling objectives (travel seconds + unplanned penalties) and the visits planned."""
    problem = day()
    seen: list[tuple[int, int]] = []
    routes = hgs_routes(problem, **FAST, on_best=lambda cost, planned: seen.append((cost, planned)))
    assert routes is not None and seen
    assert all(b[0] < a[0] for a, b in itertools.pairwise(seen))
    plan = plan_from_routes(problem, routes, PlanStatus.FEASIBLE, 0.0)
    assert seen[-1] == (plan.cost["total"], plan.planned)


def test_gives_up_early_without_a_feasible_solution() -> None:
    """A required visit nobody can serve: the search stops after a quarter of its time, not at the limit."""
    problem = street([{"id": "a"}], [visit("v1", 7, windows=[{"start": "09:00", "end": "09:10"}], required=True), visit("v2", 1)])
    t = time.monotonic()
    assert hgs_routes(problem, time_limit=8.0, seed=0) is None
    assert time.monotonic() - t < 6.0


def test_solve_restores_pyvrp_routes_in_the_routing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A supported day is seeded from PyVRP; with a solution limit of 1 the plan is exactly its routes,
    extracted (times, costs) and checked like any other plan."""
    import dispatch.solve as solve_mod

    calls: list[list[list[int]] | None] = []

    def spy(*args: Any, **kw: Any) -> list[list[int]] | None:
        calls.append(hgs_routes(*args, **kw))
        return calls[-1]

    monkeypatch.setattr("dispatch.solve.hgs_routes", spy)
    problem = day()
    plan = solve_mod.solve(problem, solve_mod.SolveParams(time_limit=5, solution_limit=1))
    assert check_plan(problem, plan) == [] and plan.status is PlanStatus.FEASIBLE
    assert len(calls) == 1 and calls[0] is not None
    ids = [v.id for v in problem.visits]
    assert [[ids[k] for k in r] for r in calls[0]] == [[s.visit for s in r.stops] for r in plan.routes]


def test_solve_keeps_the_routing_path_for_unsupported_days(monkeypatch: pytest.MonkeyPatch) -> None:
    import dispatch.solve as solve_mod

    called: list[bool] = []
    monkeypatch.setattr("dispatch.solve.hgs_routes", lambda *a, **kw: called.append(True))
    problem = street([{"id": "a", "break": {"earliest": "11:30", "latest": "14:00", "minutes": 60}}], [visit("v1", 2), visit("v2", 3)])
    plan = solve_mod.solve(problem, solve_mod.SolveParams(time_limit=2, solution_limit=50))
    assert check_plan(problem, plan) == [] and plan.planned == 2 and not called
    assert solve_mod.solve(day(), solve_mod.SolveParams(time_limit=2, solution_limit=50, hgs=False)).planned == 6 and not called


def test_solve_with_pyvrp_is_deterministic_for_a_solution_limit() -> None:
    from dispatch.solve import SolveParams, solve

    problem = day()
    first, second = (solve(problem, SolveParams(time_limit=5, solution_limit=100, seed=3)) for _ in range(2))
    assert first.routes == second.routes and check_plan(problem, first) == []
