"""The insertion construction: feasible first solutions in about a second, emergencies first."""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.check import check_plan
from dispatch.construct import Scheduler, construct, plan_from_routes
from dispatch.jsonio import parse_problem
from dispatch.plan import PlanStatus
from dispatch.problem import Break, Concierge, DispatchProblem, Location, Matrix, Urgency, Visit, Window

PLACES = 8


def street(concierges: list[dict[str, Any]], visits: list[dict[str, Any]]) -> DispatchProblem:
    """Places 0..7 on a straight street, 10 minutes per km."""
    sec = [[600 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    met = [[1000 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    for c in concierges:
        c.setdefault("start", {"index": 0})
    travel = {"matrix": {"seconds": sec, "meters": met}}
    return parse_problem({"schema": "concierge-dispatch/1", "travel": travel, "concierges": concierges, "visits": visits})


def town(n_concierges: int, n_visits: int, seed: int = 7) -> DispatchProblem:
    """A random town day: skills, windows, breaks, capacities, a few emergencies."""
    rng = np.random.default_rng(seed)
    n = n_concierges + n_visits
    xy = rng.random((n, 2)) * 20_000
    meters = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    seconds = (meters // 7 + 300).astype(np.int64)
    np.fill_diagonal(seconds, 0)
    skills = ["network", "printer", "server"]
    concierges = tuple(
        Concierge(
            f"c{k}",
            Location(index=k),
            skills=frozenset(skills[: 1 + k % 3]),
            break_=Break(11 * 60 + 30, 14 * 60, 60),
            max_visits=6,
            capacity=5 if k % 2 else None,
        )
        for k in range(n_concierges)
    )
    visits = tuple(
        Visit(
            f"v{j}",
            Location(index=n_concierges + j),
            int(rng.choice([30, 60, 90])),
            windows=(Window(13 * 60, 17 * 60),) if j % 4 == 0 else (),
            urgency=Urgency.EMERGENCY if j % 17 == 0 else Urgency.NORMAL,
            skills=frozenset([skills[j % 3]]) if j % 2 else frozenset(),
            load=j % 3,
        )
        for j in range(n_visits)
    )
    return DispatchProblem(concierges, visits, profile=None, matrix=Matrix(seconds, meters))


def test_construction_is_feasible_and_serves_emergencies() -> None:
    """On an over-full day the first solution passes the checker and every emergency is planned."""
    problem = town(8, 120)
    sch = Scheduler.of(problem)
    built = construct(problem, scheduler=sch)
    plan = plan_from_routes(problem, built.routes, PlanStatus.FEASIBLE, built.seconds, scheduler=sch)
    assert check_plan(problem, plan) == []
    assert plan.unplanned, "the day should be over-full"
    lost = {u.visit for u in plan.unplanned}
    assert not [v.id for v in problem.visits if v.urgency is Urgency.EMERGENCY and v.id in lost]


def test_scheduler_places_the_break_between_visits() -> None:
    """Two visits around lunch: the break fits in the gap; a third filling the gap makes it infeasible."""
    brk = {"earliest": "12:00", "latest": "12:30", "minutes": 60}
    visits = [
        {"id": "am", "location": {"index": 1}, "duration_minutes": 60, "windows": [{"start": "10:50", "end": "11:00"}]},
        {"id": "pm", "location": {"index": 1}, "duration_minutes": 60, "windows": [{"start": "13:30", "end": "13:30"}]},
        {"id": "noon", "location": {"index": 1}, "duration_minutes": 60, "windows": [{"start": "12:00", "end": "12:30"}]},
    ]
    problem = street([{"id": "a", "break": brk}], visits)
    sch = Scheduler.of(problem)
    ok = sch.schedule(0, [0, 1])
    assert ok is not None and ok[2] is not None and 12 * 3600 <= ok[2] <= 12 * 3600 + 1800
    assert sch.schedule(0, [0, 2, 1]) is None
    plan = plan_from_routes(problem, [[0, 1]], PlanStatus.FEASIBLE, 0.0, scheduler=sch)
    assert check_plan(problem, plan) == [] and [u.visit for u in plan.unplanned] == ["noon"]


def test_large_day_is_improved_group_by_group_and_stays_feasible() -> None:
    """A day above DECOMPOSE_VISITS is constructed, then searched per group of concierges: the plan passes
    the checker, keeps every emergency and costs no more than the construction."""
    from dispatch.solve import DECOMPOSE_VISITS, GROUP_CONCIERGES, SolveParams, solve

    problem = town(2 * GROUP_CONCIERGES + 5, DECOMPOSE_VISITS + 20)
    sch = Scheduler.of(problem)
    built = construct(problem, scheduler=sch)
    first = plan_from_routes(problem, built.routes, PlanStatus.FEASIBLE, 0.0, scheduler=sch)
    plan = solve(problem, SolveParams(time_limit=4, explain=False))
    assert check_plan(problem, plan) == []
    lost = {u.visit for u in plan.unplanned}
    assert not [v.id for v in problem.visits if v.urgency is Urgency.EMERGENCY and v.id in lost]
    assert plan.cost["total"] <= first.cost["total"]
