"""Constraints and objective of the dispatch optimizer on tiny hand-checkable days.

The travel matrix is a straight street: place k is k km from the office (place 0), 10 minutes per km.
Every plan a test gets goes through the independent checker.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from dispatch_street import street, visit

from dispatch.check import check_plan
from dispatch.plan import Plan, PlanStatus, ReasonCode
from dispatch.problem import DispatchProblem
from dispatch.solve import Progress, SolveParams, solve
from dispatch.warmup import warm_up

# The budget is the solution limit; the 30 s clock only keeps a loaded machine from cutting the explanations short.
FAST = SolveParams(time_limit=30, solution_limit=100)
ENGINES = ("lns", "ortools", "pyvrp")


@pytest.fixture(params=ENGINES)
def alone(request: pytest.FixtureRequest) -> SolveParams:
    """Search parameters running one engine alone (deterministic budget)."""
    return SolveParams(time_limit=2, solution_limit=50, engines=(request.param,))


def run(problem: DispatchProblem, params: SolveParams = FAST, **kw: Any) -> Plan:
    """Solve and insist the checker finds nothing wrong."""
    plan = solve(problem, params, **kw)
    assert check_plan(problem, plan) == []
    return plan


def served(plan: Plan) -> dict[str, tuple[str, int]]:
    """visit -> (concierge, start minute)."""
    return {v: (c, s // 60) for v, (c, s) in plan.assignment().items()}


def reason(plan: Plan, vid: str) -> ReasonCode:
    """The reason code of an unplanned visit."""
    return next(u.reason.code for u in plan.unplanned if u.visit == vid)


def test_window_kept(alone: SolveParams) -> None:
    """A visit with a reachable window starts inside it."""
    plan = run(street([{"id": "a"}], [visit("v", 3, windows=[{"start": "10:00", "end": "10:30"}])]), alone)
    assert 600 <= served(plan)["v"][1] <= 630


def test_window_broken(alone: SolveParams) -> None:
    """A window closed before anyone can arrive leaves the visit unplanned as unreachable."""
    plan = run(street([{"id": "a"}], [visit("v", 3, windows=[{"start": "09:00", "end": "09:10"}])]), alone)
    assert reason(plan, "v") is ReasonCode.WINDOW_UNREACHABLE


def test_multiple_windows_use_the_later_one(alone: SolveParams) -> None:
    """With a morning window out of reach, the afternoon window is used."""
    plan = run(street([{"id": "a"}], [visit("v", 3, windows=[{"start": "09:00", "end": "09:10"}, {"start": "14:00", "end": "15:00"}])]), alone)
    assert 840 <= served(plan)["v"][1] <= 900


def test_shift_kept(alone: SolveParams) -> None:
    """A visit that fits before the shift ends is served."""
    plan = run(street([{"id": "a", "shift": {"start": "09:00", "end": "10:30"}}], [visit("v", 2, duration_minutes=30)]), alone)
    assert "v" in served(plan)


def test_shift_broken(alone: SolveParams) -> None:
    """A visit that cannot be done and driven home before the shift ends stays unplanned."""
    plan = run(street([{"id": "a", "shift": {"start": "09:00", "end": "10:00"}}], [visit("v", 2, duration_minutes=30)]), alone)
    assert reason(plan, "v") is ReasonCode.WINDOW_UNREACHABLE


def test_skill_kept(alone: SolveParams) -> None:
    """A visit needing a skill goes to the concierge who has it."""
    plan = run(street([{"id": "a"}, {"id": "b", "skills": ["mac"]}], [visit("v", 1, skills=["mac"])]), alone)
    assert served(plan)["v"][0] == "b"


def test_skill_broken(alone: SolveParams) -> None:
    """Nobody with the skill: unplanned, and the reason names the skill."""
    plan = run(street([{"id": "a", "skills": ["mac"]}], [visit("v", 1, skills=["linux"])]), alone)
    u = plan.unplanned[0]
    assert u.reason.code is ReasonCode.NO_SKILL and u.reason.detail["skills"] == ["linux"]


def test_break_kept(alone: SolveParams) -> None:
    """A concierge with lunch gets an hour in 11:30-14:00 that overlaps no visit."""
    brk = {"earliest": "11:30", "latest": "14:00", "minutes": 60}
    visits = [visit(f"v{k}", k, duration_minutes=90) for k in range(1, 5)]
    plan = run(street([{"id": "a", "break": brk}], visits), alone)
    r = plan.route_of("a")
    assert r.break_start is not None and 690 * 60 <= r.break_start <= 840 * 60
    assert len(r.stops) == 4


def test_break_broken(alone: SolveParams) -> None:
    """A visit that can only happen during a fixed lunch hour stays unplanned."""
    brk = {"earliest": "12:00", "latest": "12:00", "minutes": 60}
    plan = run(street([{"id": "a", "break": brk}], [visit("v", 1, windows=[{"start": "12:00", "end": "12:20"}])]), alone)
    assert [u.visit for u in plan.unplanned] == ["v"]


def test_capacity_kept(alone: SolveParams) -> None:
    """Loads up to the capacity ride together."""
    plan = run(street([{"id": "a", "capacity": 10}], [visit("x", 1, load=5), visit("y", 2, load=5)]), alone)
    assert len(served(plan)) == 2


def test_capacity_broken(alone: SolveParams) -> None:
    """Loads beyond the capacity leave one visit unplanned; a load no one can carry says so."""
    plan = run(street([{"id": "a", "capacity": 10}], [visit("x", 1, load=6), visit("y", 2, load=6), visit("z", 3, load=11)]), alone)
    assert len(served(plan)) == 1
    assert reason(plan, "z") is ReasonCode.CAPACITY


def test_max_visits(alone: SolveParams) -> None:
    """A concierge never does more than max_visits."""
    plan = run(street([{"id": "a", "max_visits": 2}], [visit(f"v{k}", k) for k in range(1, 5)]), alone)
    assert len(served(plan)) == 2


def test_pin_kept(alone: SolveParams) -> None:
    """A visit pinned to a concierge and a start time is served exactly so."""
    plan = run(street([{"id": "a"}, {"id": "b"}], [visit("v", 2, pinned={"concierge": "b", "start": "15:00"})]), alone)
    assert served(plan)["v"] == ("b", 900)


def test_pin_broken(alone: SolveParams) -> None:
    """Two visits pinned to the same person at the same time: one is a pinned conflict."""
    pin = {"concierge": "a", "start": "10:00"}
    plan = run(street([{"id": "a"}, {"id": "b"}], [visit("x", 2, pinned=pin), visit("y", 3, pinned=pin)]), alone)
    assert len(plan.unplanned) == 1
    assert plan.unplanned[0].reason.code is ReasonCode.PINNED_CONFLICT


def test_dedicated_required_kept(alone: SolveParams) -> None:
    """A contract that requires the dedicated concierge gets them even when another is closer in cost."""
    plan = run(street([{"id": "a"}, {"id": "b", "start": {"index": 5}}], [visit("v", 5, dedicated="a", dedicated_required=True)]), alone)
    assert served(plan)["v"][0] == "a"


def test_dedicated_required_broken(alone: SolveParams) -> None:
    """If the required dedicated concierge lacks the skill, the visit is unplanned naming them."""
    problem = street([{"id": "a"}, {"id": "b", "skills": ["server"]}], [visit("v", 1, skills=["server"], dedicated="a", dedicated_required=True)])
    plan = run(problem, alone)
    u = plan.unplanned[0]
    assert u.reason.code is ReasonCode.NO_CONCIERGE and u.reason.detail["concierge"] == "a"


def test_dedicated_preferred(alone: SolveParams) -> None:
    """A preferred dedicated concierge serves the visit when it costs little extra travel."""
    plan = run(street([{"id": "a", "start": {"index": 2}}, {"id": "b", "start": {"index": 1}}], [visit("v", 1, dedicated="a")]), alone)
    assert served(plan)["v"][0] == "a"


def test_emergencies_first_when_capacity_is_short() -> None:
    """With room for two visits, the emergency is served first and the low-urgency visit is dropped."""
    visits = [visit("low", 1, urgency="low"), visit("n1", 2), visit("sos", 6, urgency="emergency"), visit("n2", 3)]
    plan = run(street([{"id": "a", "max_visits": 2}], visits))
    route = plan.route_of("a")
    assert route.stops[0].visit == "sos"
    assert "low" in {u.visit for u in plan.unplanned}


def test_emergencies_before_everything_else() -> None:
    """Over many seeds of strategies, emergencies are never left out while normal visits are served."""
    visits = [visit(f"n{k}", k, duration_minutes=120) for k in range(1, 6)] + [visit("sos", 7, urgency="emergency", duration_minutes=120)]
    for seed in range(3):
        plan = run(street([{"id": "a"}], visits), SolveParams(time_limit=5, solution_limit=100, seed=seed))
        assert "sos" in served(plan)


def test_full_reason_names_displaced_visits() -> None:
    """A visit left out because the day is full says which lower-urgency visits it would displace."""
    visits = [visit("keep", 1, urgency="high", duration_minutes=480), visit("late", 1, urgency="low", duration_minutes=60)]
    plan = run(street([{"id": "a"}], visits))
    u = plan.unplanned[0]
    assert u.visit == "late" and u.reason.code is ReasonCode.FULL and u.reason.detail["displace"] == ["keep"]


def test_required_impossible_is_infeasible_naming_it() -> None:
    """A required visit that cannot be served makes the plan infeasible and is listed as unplanned."""
    plan = run(street([{"id": "a"}], [visit("ok", 1, required=True), visit("bad", 2, required=True, skills=["linux"])]))
    assert plan.status is PlanStatus.INFEASIBLE
    assert [u.visit for u in plan.unplanned] == ["bad"]
    assert "ok" in served(plan)


def test_lateness_prefers_the_deadline() -> None:
    """Of two visits, the one with a near deadline goes first."""
    visits = [visit("x", 1), visit("y", 2, urgency="high", deadline="09:30")]
    plan = run(street([{"id": "a"}], visits))
    assert plan.route_of("a").stops[0].visit == "y"


def test_cost_breakdown_adds_up() -> None:
    """The cost terms sum to the total and travel matches the routes."""
    plan = run(street([{"id": "a"}], [visit("x", 1), visit("y", 2)]))
    assert plan.cost["total"] == sum(v for k, v in plan.cost.items() if k != "total")
    assert plan.cost["travel"] == plan.travel_seconds == 2 * 1200


def test_deterministic_with_solution_limit() -> None:
    """The same problem, seed and solution limit give the same plan."""
    visits = [visit(f"v{k}", k % 7 + 1, windows=[{"start": 540 + 30 * k, "end": 700 + 30 * k}]) for k in range(8)]
    problem = street([{"id": "a"}, {"id": "b"}], visits)
    first, second = run(problem), run(problem)
    assert first.routes == second.routes


def test_progress_reports_improving_costs() -> None:
    """Progress callbacks arrive with falling best cost and a visit count."""
    seen: list[Progress] = []
    run(street([{"id": "a"}, {"id": "b"}], [visit(f"v{k}", k) for k in range(1, 7)]), on_progress=seen.append)
    assert seen and all(b.best_cost < a.best_cost for a, b in itertools.pairwise(seen))
    assert seen[-1].planned == 6


def test_cancel_returns_best_plan_so_far() -> None:
    """should_stop set after the first solution ends the search with that plan, marked cancelled."""
    stop = threading.Event()
    problem = street([{"id": "a"}, {"id": "b"}], [visit(f"v{k}", k) for k in range(1, 7)])
    plan = run(problem, SolveParams(time_limit=60), should_stop=stop.is_set, on_progress=lambda p: stop.set())
    assert plan.status is PlanStatus.CANCELLED
    assert plan.planned == 6


def test_cancel_from_another_thread_with_portfolio() -> None:
    """A portfolio solve cancelled from another thread returns promptly with a checked plan."""
    warm_up()  # a fresh checkout compiles the kernels first: keep that out of the timed part
    problem = street([{"id": "a"}, {"id": "b"}], [visit(f"v{k}", k % 7 + 1, duration_minutes=20) for k in range(14)])
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    t0 = time.monotonic()
    plan = run(problem, SolveParams(time_limit=60, workers=2), should_stop=stop.is_set)
    timer.cancel()
    assert plan.status is PlanStatus.CANCELLED
    assert plan.planned == 14 and time.monotonic() - t0 < 30


@pytest.mark.parametrize("field", ["time_limit", "workers", "solution_limit"])
def test_bad_params_name_the_field(field: str) -> None:
    """Invalid solve parameters are rejected naming the parameter."""
    from dispatch.errors import DispatchError

    with pytest.raises(DispatchError, match=field):
        SolveParams(**{field: 0})  # type: ignore[arg-type]


def test_each_engine_is_deterministic_with_a_budget(alone: SolveParams) -> None:
    """One engine alone, the same seed and budget: the same plan twice (a busy day, several concierges)."""
    visits = [visit(f"v{k}", k % 7 + 1, duration_minutes=45, windows=[{"start": 540 + 20 * k, "end": 800 + 20 * k}]) for k in range(16)]
    problem = street([{"id": "a", "max_visits": 5}, {"id": "b", "max_visits": 5}, {"id": "c", "start": {"index": 7}}], visits)
    first, second = run(problem, alone), run(problem, alone)
    assert first.routes == second.routes and first.cost == second.cost


def test_cancel_mid_search_returns_within_a_second_or_two() -> None:
    """Cancelling a long portfolio search returns the best plan so far soon after the stop (well under the
    limit), checked and marked cancelled."""
    warm_up()  # a fresh checkout compiles the kernels first: keep that out of the timed part
    problem = street([{"id": "a"}, {"id": "b"}], [visit(f"v{k}", k % 7 + 1, duration_minutes=20) for k in range(14)])
    stop = threading.Event()
    stopped_at: list[float] = []

    def cancel() -> None:
        stopped_at.append(time.monotonic())
        stop.set()

    timer = threading.Timer(2.0, cancel)
    timer.start()
    plan = run(problem, SolveParams(time_limit=60, workers=2), should_stop=stop.is_set)
    timer.cancel()
    assert plan.status is PlanStatus.CANCELLED and plan.planned == 14
    assert time.monotonic() - stopped_at[0] < 3.0  # the parent waits at most CANCEL_GRACE_SECONDS for the workers


def test_empty_day_and_no_visits() -> None:
    """No visits, or no concierges: a clean plan, nothing routed, every visit with a reason."""
    assert run(street([{"id": "a"}], [])).routes[0].stops == ()
    plan = run(street([], [visit("v", 1), visit("w", 2, urgency="emergency")]))
    assert plan.routes == () and {u.reason.code for u in plan.unplanned} == {ReasonCode.NO_CONCIERGE}
