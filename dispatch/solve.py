"""The one entry point: `solve(problem, params, *, should_stop, on_progress) -> Plan`.

With `workers > 1` the search runs as a portfolio in child processes (different first-solution strategies
on each core; the best plan wins). OR-Tools holds the GIL while it searches, so the portfolio also keeps
the calling thread (e.g. a UI worker) responsive; with `workers == 1` it runs in the calling thread and
`should_stop` is only consulted at each new solution.

Worker 0 starts from PyVRP's routes (`dispatch.hgs`, for most of the time limit) when PyVRP models the
problem faithfully, else from `dispatch.construct` (a feasible insertion solution in about a second), the
others from OR-Tools' own first-solution strategies. Seeds are restored in the routing model, which then
searches on and extracts, checks and explains the plan. Days over DECOMPOSE_VISITS visits are constructed whole and
then improved group by group of nearby concierges, because OR-Tools' local search does not restart from
a day of that size with breaks; the construction is the fallback whenever a search finds nothing.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import queue
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # type: ignore[import-untyped]

from dispatch.construct import Scheduler, construct, plan_from_routes
from dispatch.errors import DispatchError
from dispatch.hgs import hgs_routes
from dispatch.hgs import unsupported as hgs_unsupported
from dispatch.model import ArcCost, Model, _node_places, build_model, build_travel
from dispatch.plan import Plan, PlanStatus, empty_plan, extract_plan
from dispatch.problem import DispatchProblem

FIRST_SOLUTION_STRATEGIES = (
    "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION",
    "SAVINGS",
    "PATH_CHEAPEST_ARC",
    "GLOBAL_CHEAPEST_ARC",
    "LOCAL_CHEAPEST_COST_INSERTION",
    "SEQUENTIAL_CHEAPEST_INSERTION",
    "CHRISTOFIDES",
    "AUTOMATIC",
)
METAHEURISTICS = (
    "GUIDED_LOCAL_SEARCH",
    "SIMULATED_ANNEALING",
    "TABU_SEARCH",
    "GREEDY_DESCENT",
    "GENERIC_TABU_SEARCH",
    "AUTOMATIC",
)
#: Strategies the portfolio hands to worker w (rotated by the seed).
#: Worker 0 starts from the construction (PCI only if that leaves a required visit out); SAVINGS on worker 1
#: measured best next to it (Solomon, 3,000 GLS solutions: best-of mean 1.97% with SAVINGS, 2.47% with LCI).
PORTFOLIO: tuple[tuple[str, str], ...] = (
    ("PARALLEL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH"),
    ("SAVINGS", "GUIDED_LOCAL_SEARCH"),
    ("LOCAL_CHEAPEST_INSERTION", "GUIDED_LOCAL_SEARCH"),
    ("PATH_CHEAPEST_ARC", "GUIDED_LOCAL_SEARCH"),
)
#: GLS lambda per worker when the params leave it open (SAVINGS + GLS measured better at 0.2 than 0.1:
#: four hard Solomon instances, 3,000 solutions, mean 2.47% vs 4.07%; the construction start ~equal).
PORTFOLIO_LAMBDA = (0.1, 0.2)
#: Above this many visits, neighbourhoods are restricted to the nearest candidates.
LARGE_PROBLEM_VISITS = 300
LARGE_NEIGHBORS_RATIO = 0.05
LARGE_MIN_NEIGHBORS = 20
#: Above this many visits (and twice GROUP_CONCIERGES concierges) the day is improved group by group.
DECOMPOSE_VISITS = 400
GROUP_CONCIERGES = 20
MIN_GROUP_SECONDS = 0.5
#: PyVRP seed (dispatch.hgs): its share of the time left, the iterations per solution of a solution limit
#: (deterministic runs), and the largest day it is tried on.
HGS_SHARE = 0.9
HGS_ITERATIONS_PER_SOLUTION = 20
HGS_MAX_VISITS = DECOMPOSE_VISITS
#: Time a child process may take beyond the limit (start-up, extraction) before it is abandoned.
WORKER_GRACE_SECONDS = 10.0
#: After a cancel, how long the other workers may take to hand in their best plan once one has.
CANCEL_GRACE_SECONDS = 1.0
#: Share of the time limit spent on the relaxed re-solve that names unservable required visits.
RELAXED_SHARE = 0.3


@dataclass(frozen=True)
class SolveParams:
    """How to search. `time_limit` in seconds; `solution_limit` None means no limit (set it, with
    workers=1, for a deterministic result); `first_solution`/`metaheuristic` are OR-Tools enum names
    (None: the portfolio entry picked by `seed`); `arc_cost` says whether travel is priced per second or
    per metre; `explain` re-solves relaxed problems to word reasons for unplanned visits; `gls_lambda` None
    means the portfolio's value for the worker; `construct` starts the search from `dispatch.construct`
    (None: on worker 0, and on every worker for large days); `hgs` seeds the search from PyVRP
    (`dispatch.hgs`) when it models the problem (None: on worker 0; False: never; True: every worker)."""

    time_limit: float = 10.0
    solution_limit: int | None = None
    seed: int = 0
    workers: int = 1
    first_solution: str | None = None
    metaheuristic: str | None = None
    arc_cost: ArcCost = "seconds"
    gls_lambda: float | None = None
    explain: bool = True
    construct: bool | None = None
    hgs: bool | None = None

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise DispatchError(f"time_limit: must be > 0, got {self.time_limit}")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise DispatchError(f"solution_limit: must be >= 1, got {self.solution_limit}")
        if self.workers < 1:
            raise DispatchError(f"workers: must be >= 1, got {self.workers}")
        if self.first_solution is not None and self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise DispatchError(f"first_solution: unknown strategy {self.first_solution!r}")
        if self.metaheuristic is not None and self.metaheuristic not in METAHEURISTICS:
            raise DispatchError(f"metaheuristic: unknown metaheuristic {self.metaheuristic!r}")
        if self.arc_cost not in ("seconds", "meters"):
            raise DispatchError(f"arc_cost: must be 'seconds' or 'meters', got {self.arc_cost!r}")

    def strategy(self, worker: int = 0) -> tuple[str, str]:
        """(first solution, metaheuristic) for a worker."""
        fs, mh = PORTFOLIO[(self.seed + worker) % len(PORTFOLIO)]
        return (self.first_solution or fs, self.metaheuristic or mh)


@dataclass(frozen=True)
class Progress:
    """Reported at each improving solution: objective value, seconds since the start, visits planned."""

    best_cost: int
    elapsed: float
    planned: int
    worker: int = 0


StopFn = Callable[[], bool]
ProgressFn = Callable[[Progress], None]


def search_parameters(params: SolveParams, worker: int, time_limit: float, n_visits: int = 0) -> Any:
    """OR-Tools search parameters for one worker."""
    fs, mh = params.strategy(worker)
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, fs)
    sp.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, mh)
    lam = params.gls_lambda if params.gls_lambda is not None else PORTFOLIO_LAMBDA[worker % len(PORTFOLIO_LAMBDA)]
    sp.guided_local_search_lambda_coefficient = lam
    sp.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    if params.solution_limit is not None:
        sp.solution_limit = params.solution_limit
    if n_visits > LARGE_PROBLEM_VISITS:
        # large days: insertion heuristics and operators look at the nearest candidates only (time, memory)
        gci = sp.global_cheapest_insertion_first_solution_parameters
        gci.neighbors_ratio = LARGE_NEIGHBORS_RATIO
        gci.min_neighbors = LARGE_MIN_NEIGHBORS
        sp.ls_operator_neighbors_ratio = LARGE_NEIGHBORS_RATIO
        sp.ls_operator_min_neighbors = LARGE_MIN_NEIGHBORS
        sp.savings_parameters.neighbors_ratio = LARGE_NEIGHBORS_RATIO
    return sp


STATUS = {
    routing_enums_pb2.RoutingSearchStatus.ROUTING_OPTIMAL: PlanStatus.OPTIMAL,
}


def _run(
    model: Model,
    params: SolveParams,
    worker: int,
    time_limit: float,
    should_stop: StopFn | None,
    on_progress: ProgressFn | None,
    initial_routes: Sequence[Sequence[int]] | None,
    t0: float,
    reported: int | None = None,
) -> Any:
    """One search on a built model; returns the assignment (or None) and whether it was cancelled.
    `reported` is the best cost already reported to `on_progress` (by the construction)."""
    routing = model.routing
    state: dict[str, Any] = {"cancelled": False, "best": reported}

    def at_solution() -> None:
        cost = int(routing.CostVar().Max())
        if on_progress is not None and (state["best"] is None or cost < state["best"]):
            state["best"] = cost
            planned = sum(1 for k in range(model.n_visits) if routing.NextVar(model.visit_index(k)).Value() != model.visit_index(k))
            on_progress(Progress(cost, time.monotonic() - t0, planned, worker))
        if should_stop is not None and should_stop():
            state["cancelled"] = True
            routing.solver().FinishCurrentSearch()

    routing.AddAtSolutionCallback(at_solution)
    started = time.monotonic()
    sp = search_parameters(params, worker, time_limit, model.n_visits)
    if initial_routes is not None:
        # close with a solution limit of 1: restoring the routes is itself a search, which would otherwise
        # keep improving the finalizer's choices for seconds on large days; the real limits apply below
        first = search_parameters(params, worker, time_limit, model.n_visits)
        first.solution_limit = 1
        routing.CloseModelWithParameters(first)
        hint = routing.ReadAssignmentFromRoutes(model.routes_to_indices(initial_routes), True)
        if hint is None:
            assignment = routing.SolveWithParameters(sp)
        else:
            sp.time_limit.FromMilliseconds(max(1, int((time_limit - (time.monotonic() - started)) * 1000)))
            assignment = routing.SolveFromAssignmentWithParameters(hint, sp)
            if assignment is None and not state["cancelled"]:
                assignment = hint  # the search found nothing better in time (or failed): keep the routes
    else:
        assignment = routing.SolveWithParameters(sp)
    return assignment, state["cancelled"]


def _solve_single(
    problem: DispatchProblem,
    params: SolveParams,
    worker: int,
    should_stop: StopFn | None,
    on_progress: ProgressFn | None,
    initial_routes: Sequence[Sequence[int]] | None,
    previous: Mapping[str, tuple[int, int]] | None,
    t0: float,
) -> Plan:
    """Build, search and extract in this process; fall back to the relaxed model when required visits block."""
    if initial_routes is None and previous is None and _use_decomposition(problem, params):
        return _solve_decomposed(problem, params, worker, should_stop, on_progress, t0)
    model = build_model(problem, arc_cost=params.arc_cost, previous=dict(previous) if previous else None)
    fallback: Plan | None = None
    if initial_routes is None and previous is None and _use_hgs(params, worker, problem):
        initial_routes, fallback = _hgs_seed(problem, params, worker, model, should_stop, on_progress, t0)
    if initial_routes is None and _use_construction(params, worker, model.n_visits):
        sch = Scheduler.of(problem, model.travel)
        built = construct(problem, scheduler=sch)
        if not any(problem.visits[k].required or problem.visits[k].fixed for k in built.unplanned):
            initial_routes = built.routes
            fallback = plan_from_routes(problem, built.routes, PlanStatus.FEASIBLE, time.monotonic() - t0, scheduler=sch, arc_cost=params.arc_cost)
            if on_progress is not None:
                on_progress(Progress(int(fallback.cost["total"]), time.monotonic() - t0, fallback.planned, worker))
    remaining = params.time_limit - (time.monotonic() - t0)
    reported = int(fallback.cost["total"]) if fallback is not None else None
    assignment, cancelled = _run(model, params, worker, max(0.05, remaining), should_stop, on_progress, initial_routes, t0, reported)
    if assignment is None and fallback is not None:
        status = PlanStatus.CANCELLED if cancelled else PlanStatus.FEASIBLE
        return dataclasses.replace(fallback, status=status, solve_seconds=time.monotonic() - t0)
    if assignment is None:
        if any(v.required for v in problem.visits) and not (should_stop is not None and should_stop()):
            relaxed = build_model(problem, arc_cost=params.arc_cost, relax_required=True, travel=model.travel)
            limit = max(0.5, params.time_limit * RELAXED_SHARE)
            assignment, _ = _run(relaxed, params, worker, limit, should_stop, None, None, t0)
            if assignment is not None:
                plan = extract_plan(relaxed, assignment, PlanStatus.INFEASIBLE, time.monotonic() - t0, arc_cost=params.arc_cost)
                return dataclasses.replace(plan, status=PlanStatus.INFEASIBLE)
        status = PlanStatus.CANCELLED if cancelled else PlanStatus.INFEASIBLE
        return empty_plan(problem, status, time.monotonic() - t0)
    status = PlanStatus.CANCELLED if cancelled else STATUS.get(model.routing.status(), PlanStatus.FEASIBLE)
    return extract_plan(model, assignment, status, time.monotonic() - t0, arc_cost=params.arc_cost)


def _use_hgs(params: SolveParams, worker: int, problem: DispatchProblem) -> bool:
    """Seed from PyVRP? On worker 0 when the params allow it and PyVRP models the problem faithfully."""
    if params.hgs is not None and not params.hgs:
        return False
    return (params.hgs or worker == 0) and len(problem.visits) <= HGS_MAX_VISITS and hgs_unsupported(problem) is None


def _hgs_seed(
    problem: DispatchProblem,
    params: SolveParams,
    worker: int,
    model: Model,
    should_stop: StopFn | None,
    on_progress: ProgressFn | None,
    t0: float,
) -> tuple[list[list[int]] | None, Plan | None]:
    """PyVRP's routes for most of the time left (None if it found no feasible solution) and their plan, the
    fallback should restoring them in OR-Tools fail. With a solution limit the search is capped by
    iterations instead, so a fixed seed gives a fixed result."""

    def report(cost: int, planned: int) -> None:
        if on_progress is not None:
            on_progress(Progress(cost, time.monotonic() - t0, planned, worker))

    remaining = params.time_limit - (time.monotonic() - t0)
    iterations = None if params.solution_limit is None else params.solution_limit * HGS_ITERATIONS_PER_SOLUTION
    routes = hgs_routes(
        problem,
        time_limit=max(0.0, remaining * HGS_SHARE),
        seed=params.seed + worker,
        should_stop=should_stop,
        arc_cost=params.arc_cost,
        travel=model.travel,
        max_iterations=iterations,
        on_best=report,
    )
    if routes is None:
        return None, None
    try:
        sch = Scheduler.of(problem, model.travel)
        plan = plan_from_routes(problem, routes, PlanStatus.FEASIBLE, time.monotonic() - t0, scheduler=sch, arc_cost=params.arc_cost)
    except ValueError:  # the scheduler disagrees with PyVRP's times: do not trust the routes
        return None, None
    return routes, plan


def _use_decomposition(problem: DispatchProblem, params: SolveParams) -> bool:
    """Large days are searched group by group (OR-Tools' local search stalls on 100 concierges with breaks)."""
    return params.construct is not False and len(problem.visits) > DECOMPOSE_VISITS and len(problem.concierges) > 2 * GROUP_CONCIERGES


def _vehicle_groups(sch: Scheduler, n: int, size: int, worker: int) -> list[list[int]]:
    """Concierges in groups of about `size` whose starts are close (travel seconds); the worker picks the
    seeds in a different order, so portfolio workers search different groupings."""
    starts = sch.starts
    left = list(range(n)) if worker % 2 == 0 else list(range(n - 1, -1, -1))
    n_groups = max(1, round(n / size))
    size = -(-n // n_groups)
    groups = []
    while left:
        seed = left[0]
        sec = sch.sec[seed]
        left.sort(key=lambda v: (int(sec[starts[seed], starts[v]]) + int(sec[starts[v], starts[seed]]), v))
        groups.append(sorted(left[:size]))
        left = left[size:]
        left.sort(reverse=worker % 2 == 1)
    return groups


def _solve_decomposed(
    problem: DispatchProblem,
    params: SolveParams,
    worker: int,
    should_stop: StopFn | None,
    on_progress: ProgressFn | None,
    t0: float,
) -> Plan:
    """Construct the whole day, then improve it group by group of nearby concierges (with the visits
    they serve and the left-out visits closest to them), each group a small OR-Tools search."""
    places, _starts, _ends = _node_places(problem)
    sch = Scheduler.of(problem, build_travel(problem, places))
    built = construct(problem, scheduler=sch)
    visits, concierges = problem.visits, problem.concierges
    routes: list[list[int]] = [list(r) for r in built.routes]
    best = plan_from_routes(problem, routes, PlanStatus.FEASIBLE, time.monotonic() - t0, scheduler=sch, arc_cost=params.arc_cost)
    if on_progress is not None:
        on_progress(Progress(int(best.cost["total"]), time.monotonic() - t0, best.planned, worker))
    groups = _vehicle_groups(sch, len(concierges), GROUP_CONCIERGES, worker)
    group_of = {v: g for g, vs in enumerate(groups) for v in vs}
    extra: list[list[int]] = [[] for _ in groups]
    ids = {c.id: v for v, c in enumerate(concierges)}
    for k in built.unplanned:
        allowed = [v for v, c in enumerate(concierges) if visits[k].skills <= c.skills]
        pin = visits[k].pinned
        for who in (visits[k].dedicated if visits[k].dedicated_required else None, pin.concierge if pin is not None else None):
            if who is not None:
                allowed = [ids[who]]
        if allowed:
            v = min(allowed, key=lambda v: (int(sch.sec[v][sch.starts[v], k]), v))
            extra[group_of[v]].append(k)
    cancelled = False
    for g, vs in enumerate(groups):
        if should_stop is not None and should_stop():
            cancelled = True
            break
        ks = [k for v in vs for k in routes[v]] + extra[g]
        inside = {concierges[v].id for v in vs}
        sub_visits = tuple(
            dataclasses.replace(visits[k], dedicated=None) if visits[k].dedicated is not None and visits[k].dedicated not in inside else visits[k]
            for k in ks
        )
        sub = dataclasses.replace(problem, concierges=tuple(concierges[v] for v in vs), visits=sub_visits)
        local = {k: j for j, k in enumerate(ks)}
        limit = (params.time_limit - (time.monotonic() - t0)) / (len(groups) - g)
        if limit < MIN_GROUP_SECONDS:
            break
        sub_params = dataclasses.replace(params, time_limit=limit, explain=False, construct=False, workers=1)
        sub_plan = _solve_single(sub, sub_params, worker, should_stop, None, [[local[k] for k in routes[v]] for v in vs], None, time.monotonic())
        if sub_plan.status is PlanStatus.INFEASIBLE or not sub_plan.routes:
            continue
        pos = {v.id: k for v, k in zip(sub_visits, ks, strict=True)}
        trial = [list(r) for r in routes]
        for v, r in zip(vs, sub_plan.routes, strict=True):
            trial[v] = [pos[st.visit] for st in r.stops]
        try:
            plan = plan_from_routes(problem, trial, PlanStatus.FEASIBLE, time.monotonic() - t0, scheduler=sch, arc_cost=params.arc_cost)
        except ValueError:  # the search's times disagree with the scheduler's: keep the previous routes
            continue
        if plan.cost["total"] <= best.cost["total"]:
            routes, best = trial, plan
            if on_progress is not None:
                on_progress(Progress(int(best.cost["total"]), time.monotonic() - t0, best.planned, worker))
    status = PlanStatus.CANCELLED if cancelled else PlanStatus.FEASIBLE
    return dataclasses.replace(best, status=status if best.status is not PlanStatus.INFEASIBLE else best.status, solve_seconds=time.monotonic() - t0)


def _use_construction(params: SolveParams, worker: int, n_visits: int) -> bool:
    """Start from the insertion construction? Always on large days (OR-Tools' own first solutions are too
    slow there), else on worker 0 unless the params say otherwise."""
    if params.construct is not None:
        return params.construct
    return worker == 0 or n_visits > LARGE_PROBLEM_VISITS


def _child(
    problem: DispatchProblem,
    params: SolveParams,
    worker: int,
    stop: Any,
    out: Any,
    initial_routes: Sequence[Sequence[int]] | None,
    previous: Mapping[str, tuple[int, int]] | None,
) -> None:
    """Portfolio worker: solve and send the plan (and progress) through `out`."""
    t0 = time.monotonic()

    def progress(p: Progress) -> None:
        out.put(("progress", p))

    try:
        plan = _solve_single(problem, params, worker, stop.is_set, progress, initial_routes, previous, t0)
        out.put(("plan", worker, plan))
    except BaseException as exc:  # reported to the parent, which re-raises DispatchError or reports it
        out.put(("error", worker, exc if isinstance(exc, DispatchError) else RuntimeError(repr(exc))))


def _rank(plan: Plan) -> tuple[int, int, int]:
    """Lower is better: feasible before infeasible, fewer unplanned, lower cost."""
    return (1 if plan.status is PlanStatus.INFEASIBLE else 0, len(plan.unplanned) if plan.status is PlanStatus.INFEASIBLE else 0, plan.cost["total"])


def _solve_portfolio(
    problem: DispatchProblem,
    params: SolveParams,
    should_stop: StopFn | None,
    on_progress: ProgressFn | None,
    initial_routes: Sequence[Sequence[int]] | None,
    previous: Mapping[str, tuple[int, int]] | None,
    t0: float,
) -> Plan:
    """Run `params.workers` searches in child processes and keep the best plan."""
    ctx: Any = multiprocessing.get_context("fork" if _fork_safe() else "spawn")
    stop = ctx.Event()
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_child, args=(problem, params, w, stop, out, initial_routes, previous), daemon=True) for w in range(params.workers)
    ]
    for p in procs:
        p.start()
    plans: list[Plan] = []
    errors: list[BaseException] = []
    best: int | None = None
    deadline = t0 + params.time_limit + WORKER_GRACE_SECONDS
    after_cancel = deadline
    cancelled = False
    try:
        while len(plans) + len(errors) < len(procs) and time.monotonic() < (after_cancel if plans else deadline):
            if should_stop is not None and not cancelled and should_stop():
                cancelled = True
                stop.set()
                # A worker sees the stop only at its next solution: once one plan is in, wait only briefly for the rest.
                after_cancel = min(deadline, time.monotonic() + CANCEL_GRACE_SECONDS)
            try:
                msg = out.get(timeout=0.05)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and out.empty():
                    break
                continue
            if msg[0] == "progress":
                prog: Progress = msg[1]
                if on_progress is not None and (best is None or prog.best_cost < best):
                    best = prog.best_cost
                    on_progress(dataclasses.replace(prog, elapsed=time.monotonic() - t0))
            elif msg[0] == "plan":
                plans.append(msg[2])
            else:
                errors.append(msg[2])
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=1.0)
            if p.is_alive():
                p.kill()
                p.join()
    if not plans:
        if errors and isinstance(errors[0], DispatchError):
            raise errors[0]
        if errors:
            raise RuntimeError(f"all solver workers failed: {errors[0]}")
        return empty_plan(problem, PlanStatus.CANCELLED if cancelled else PlanStatus.INFEASIBLE, time.monotonic() - t0)
    plan = min(plans, key=_rank)
    status = PlanStatus.CANCELLED if cancelled and plan.status is not PlanStatus.INFEASIBLE else plan.status
    return dataclasses.replace(plan, status=status, solve_seconds=time.monotonic() - t0)


def _fork_safe() -> bool:
    """Fork is fast and fine from a single-threaded process; spawn otherwise (e.g. inside a UI worker)."""
    import threading

    return multiprocessing.get_start_method(allow_none=True) in (None, "fork") and threading.active_count() == 1


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
    routes_k: list[list[int]] | None = None
    if initial_routes is not None:
        if len(initial_routes) != len(problem.concierges):
            raise DispatchError("initial_routes: needs one route per concierge")
        routes_k = [[pos[i] for i in r if i in pos] for r in initial_routes]
    prev_k = None
    if previous is not None:
        prev_k = {vid: (problem.concierge_index(c), start) for vid, (c, start) in previous.items() if vid in pos}
    if params.workers > 1:
        plan = _solve_portfolio(problem, params, should_stop, on_progress, routes_k, prev_k, t0)
    else:
        plan = _solve_single(problem, params, 0, should_stop, on_progress, routes_k, prev_k, t0)
    if params.explain and plan.unplanned and plan.status is not PlanStatus.CANCELLED:
        from dispatch.explain import explain_unplanned

        plan = explain_unplanned(problem, plan)
    return plan
