"""The evaluator (exact route schedules and costs) and the construction on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from dispatch.check import check_plan
from dispatch.construct import first_solution, insert
from dispatch.evaluate import Evaluator
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
            f"c{k}", Location(index=k), skills=frozenset(skills[: 1 + k % 3]), break_=Break(11 * 60 + 30, 14 * 60, 60),
            max_visits=6, capacity=5 if k % 2 else None,
        )
        for k in range(n_concierges)
    )
    visits = tuple(
        Visit(
            f"v{j}", Location(index=n_concierges + j), int(rng.choice([30, 60, 90])),
            windows=(Window(13 * 60, 17 * 60),) if j % 4 == 0 else (),
            urgency=Urgency.EMERGENCY if j % 17 == 0 else Urgency.NORMAL,
            skills=frozenset([skills[j % 3]]) if j % 2 else frozenset(), load=j % 3,
        )
        for j in range(n_visits)
    )
    return DispatchProblem(concierges, visits, profile=None, matrix=Matrix(seconds, meters))


def test_construction_is_feasible_and_serves_emergencies() -> None:
    """On an over-full day the first solution passes the checker and every emergency is planned."""
    problem = town(8, 120)
    ev = Evaluator(problem)
    plan = ev.plan(first_solution(ev), PlanStatus.FEASIBLE, 0.0)
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
    ev = Evaluator(problem)
    ok = ev.schedule(0, [0, 1])
    assert ok is not None and ok.break_start is not None and 12 * 3600 <= ok.break_start <= 12 * 3600 + 1800
    assert ev.schedule(0, [0, 2, 1]) is None
    plan = ev.plan([[0, 1]], PlanStatus.FEASIBLE, 0.0)
    assert check_plan(problem, plan) == [] and [u.visit for u in plan.unplanned] == ["noon"]


def test_break_latest_bounds_its_start() -> None:
    """A break with latest 14:00 may start at 14:00 (its end may be later), not at 14:01."""
    brk = {"earliest": "14:00", "latest": "14:00", "minutes": 60}
    morning = {"id": "m", "location": {"index": 0}, "duration_minutes": 300, "windows": [{"start": "09:00", "end": "09:00"}]}
    problem = street([{"id": "a", "break": brk}], [morning])
    sch = Evaluator(problem).schedule(0, [0])
    assert sch is not None and sch.break_start == 14 * 3600
    late = street([{"id": "a", "break": brk}], [{**morning, "duration_minutes": 301}])
    assert Evaluator(late).schedule(0, [0]) is None


def test_cost_adds_travel_lateness_and_penalties() -> None:
    """The evaluator's cost of routes is travel + time costs + unplanned penalties, term by term."""
    problem = street(
        [{"id": "a"}],
        [
            {"id": "x", "location": {"index": 2}, "duration_minutes": 30, "urgency": "high", "deadline": "09:00"},
            {"id": "y", "location": {"index": 3}, "duration_minutes": 30, "urgency": "low"},
        ],
    )
    ev = Evaluator(problem)
    cost = ev.cost([[0]])
    assert cost["travel"] == 2 * 1200
    assert cost["lateness"] == 1200  # starts 09:20, 20 minutes after its deadline, 1 per second for high
    assert cost["unplanned"] > 0 and cost["total"] == sum(v for k, v in cost.items() if k != "total")


def test_repair_drops_the_least_important_visit_of_an_infeasible_route() -> None:
    """Routes that break a constraint are made valid by dropping the fewest, least important visits."""
    problem = street(
        [{"id": "a", "max_visits": 2}],
        [{"id": f"v{k}", "location": {"index": k}, "duration_minutes": 30, "urgency": u} for k, u in ((1, "high"), (2, "low"), (3, "normal"))],
    )
    ev = Evaluator(problem)
    assert ev.repair([[0, 1, 2]]) == [[0, 2]]


def test_insert_pushes_out_lower_urgency_for_an_emergency() -> None:
    """Re-planning's insertion: an emergency that fits nowhere pushes a lower-urgency visit out."""
    problem = street(
        [{"id": "a", "max_visits": 2}],
        [
            {"id": "n1", "location": {"index": 1}, "duration_minutes": 30},
            {"id": "n2", "location": {"index": 2}, "duration_minutes": 30, "urgency": "low"},
            {"id": "sos", "location": {"index": 3}, "duration_minutes": 30, "urgency": "emergency"},
        ],
    )
    ev = Evaluator(problem)
    routes, left = insert(ev, [[0, 1]], [2], eject=True)
    assert 2 in routes[0] and left == [1]
