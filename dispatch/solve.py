"""The one entry point: `solve(problem, params, *, should_stop, on_progress) -> Plan`.

The pipeline: the parent builds the evaluator (`dispatch.evaluate`: travel, the instance arrays) and the
neighbour lists once, constructs a first solution (`dispatch.construct`), then hands it to the engines
(`dispatch.portfolio`: one recipe per worker, in child processes when `workers > 1`). The best routes by
the evaluator become the `Plan`, and `dispatch.explain` words a reason for each unplanned visit in the
time kept back for it, so the whole solve ends within the time limit.

Recipes (measured in bench/README.md): days PyVRP models faithfully (Solomon-like) run PyVRP on every
worker with different seeds; rich days run the LNS on worker 0 and the LNS with another seed on worker 1
(on small days followed by OR-Tools' guided local search from its best plan), further workers OR-Tools;
PyVRP's relaxed seed (`hgs=True`) did not pay on generated Tokyo days and is not the default; a re-planning
search (`previous` given) runs OR-Tools, whose model prices moving committed visits.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

from dispatch.construct import first_solution, insertion_order
from dispatch.engines import pyvrp as pyvrp_engine
from dispatch.engines.base import Routes
from dispatch.engines.lns.loop import Lns
from dispatch.errors import DispatchError
from dispatch.evaluate import Evaluator
from dispatch.params import NO_SOLUTION_YET, PREPARING, Progress, ProgressFn, SolveParams, StopFn
from dispatch.plan import Plan, PlanStatus, empty_plan
from dispatch.portfolio import Context, run_portfolio, run_worker
from dispatch.problem import DispatchProblem
from dispatch.warmup import kernels_ready, warm_up

__all__ = ["Progress", "ProgressFn", "SolveParams", "StopFn", "recipes", "solve"]

#: Time kept back for building the plan and explaining it: this share of the limit (less on days under
#: RESERVE_FULL_VISITS visits, which explain in a blink), within these bounds.
RESERVE_SHARE = 0.05
RESERVE_FULL_VISITS = 500
RESERVE_MIN, RESERVE_MAX = 0.2, 1.5
#: Days up to this many visits end worker 1's LNS with an OR-Tools guided local search from its best plan.
POLISH_MAX_VISITS = 300


def recipes(ev: Evaluator, params: SolveParams, replanning: bool = False) -> list[str]:
    """The engines each worker runs for this day (see the module docstring)."""
    n = params.workers
    if params.engines:
        return [params.engines[w % len(params.engines)] for w in range(n)]
    if replanning:
        return ["ortools"] + ["lns"] * (n - 1)
    faithful = pyvrp_engine.unsupported(ev.problem) is None and pyvrp_engine.fits_memory(ev)
    if faithful and params.hgs is not False:
        return ["pyvrp"] * n
    if params.hgs:
        return ["pyvrp+lns"] * n
    small = len(ev.problem.visits) <= POLISH_MAX_VISITS
    rest = ["lns+ortools" if small else "lns", "ortools", "lns"]
    return ["lns"] + [rest[(w - 1) % len(rest)] for w in range(1, n)]


def _reserve(params: SolveParams, n_visits: int) -> float:
    share = RESERVE_SHARE * min(1.0, n_visits / RESERVE_FULL_VISITS)
    return max(RESERVE_MIN, min(RESERVE_MAX, share * params.time_limit)) if params.explain else RESERVE_MIN


def solve(
    problem: DispatchProblem,
    params: SolveParams | None = None,
    *,
    should_stop: StopFn | None = None,
    on_progress: ProgressFn | None = None,
    initial_routes: Sequence[Sequence[str]] | None = None,
    previous: Mapping[str, tuple[str, int]] | None = None,
) -> Plan:
    """Plan the day. Never raises for an unsolvable day: visits are left unplanned with reasons (status
    `infeasible` when a required one is among them). `initial_routes` (visit ids per concierge, in
    problem order) seeds the search; `previous` maps visit id -> (concierge id, start minute) of a
    committed plan so moving a visit costs (used by `replan`). Raises DispatchError for invalid input."""
    params = params or SolveParams()
    t0 = time.monotonic()
    pos = {v.id: k for k, v in enumerate(problem.visits)}
    if initial_routes is not None and len(initial_routes) != len(problem.concierges):
        raise DispatchError("initial_routes: needs one route per concierge")
    if not problem.concierges or not problem.visits:
        return _explained(problem, None, empty_plan(problem, PlanStatus.FEASIBLE, time.monotonic() - t0), params, t0 + params.time_limit)
    if on_progress is not None and not kernels_ready():
        on_progress(Progress(NO_SOLUTION_YET, time.monotonic() - t0, 0, stage=PREPARING))
        warm_up()  # every kernel, even those this day's engines skip: the message is then true ("first run only")
    ev = Evaluator(problem, arc_cost=params.arc_cost)
    lns = Lns.of(ev.inst)
    if initial_routes is not None:
        start = lns.fill(ev.repair([[pos[i] for i in r if i in pos] for r in initial_routes]), insertion_order(ev))
    else:
        start = first_solution(ev, lns)

    def report(total: int, routes: Routes, worker: int = 0) -> None:
        if on_progress is not None:
            elapsed = time.monotonic() - t0
            plan = ev.plan(routes, PlanStatus.FEASIBLE, elapsed)
            on_progress(Progress(total, elapsed, plan.planned, worker, plan))

    report(ev.total(start), start)
    options: dict[str, object] = {}
    if previous is not None:
        options["previous"] = {vid: (problem.concierge_index(c), m) for vid, (c, m) in previous.items() if vid in pos}
    ctx = Context(ev, lns, start, params, options)
    plan_recipes = recipes(ev, params, replanning=previous is not None)
    if params.workers > 1 and any("lns" in r for r in plan_recipes):
        warm_up()  # the LNS kernels compiled (or loaded from the cache) once here, not in every worker
    deadline = t0 + params.time_limit - _reserve(params, len(problem.visits))
    if params.workers == 1:
        routes = run_worker(ctx, 0, plan_recipes[0], deadline, should_stop, report).routes
        cancelled = should_stop is not None and should_stop()
    else:
        routes, cancelled = run_portfolio(ctx, plan_recipes, deadline, should_stop, report)
    status = PlanStatus.CANCELLED if cancelled else PlanStatus.FEASIBLE
    plan = ev.plan(routes, status, time.monotonic() - t0)
    if cancelled:
        return plan
    return _explained(problem, ev, plan, params, t0 + params.time_limit)


def _explained(problem: DispatchProblem, ev: Evaluator | None, plan: Plan, params: SolveParams, deadline: float) -> Plan:
    """The plan with reasons for its unplanned visits (when asked for), its time measured to the end."""
    if params.explain and plan.unplanned and plan.status is not PlanStatus.CANCELLED:
        from dispatch.explain import explain_unplanned

        plan = explain_unplanned(problem, plan, evaluator=ev, deadline=deadline)
    return dataclasses.replace(plan, solve_seconds=plan.solve_seconds)
