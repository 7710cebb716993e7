"""The OR-Tools engine: guided local search on the routing model (`ortools_model`), from a start.

The start (the construction, or another engine's routes) is restored with a solution limit of 1 and a
long `lns_time_limit` (restoring a 100-concierge day with breaks is itself a search: OR-Tools' default
100 ms per LNS neighbour fails on it), then searched on with the job's time limit. With an iteration
budget the search stops after that many solutions instead (deterministic). Each improving solution is
reported; the routes of the last one are returned and scored by the caller's evaluator.
"""

from __future__ import annotations

import time
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # type: ignore[import-untyped]

from dispatch.engines.base import Job, Routes
from dispatch.engines.ortools_model import Model, build_model

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
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GREEDY_DESCENT", "GENERIC_TABU_SEARCH", "AUTOMATIC")
DEFAULT_FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"
DEFAULT_METAHEURISTIC = "GUIDED_LOCAL_SEARCH"
#: GLS lambda (Solomon, 3,000 solutions: 0.1 from a construction measured best).
GLS_LAMBDA = 0.1
#: Above this many visits, neighbourhoods look at the nearest candidates only (time, memory).
LARGE_PROBLEM_VISITS = 300
LARGE_NEIGHBORS_RATIO = 0.05
LARGE_MIN_NEIGHBORS = 20
#: LNS neighbour time limit while restoring a start and searching (OR-Tools' default is 100 ms).
RESTORE_LNS_SECONDS = 3.0
#: Above this many visits the routing model is not built at all (its transit matrices are Python lists:
#: ~3 GB at 5,000 visits); the other engines run instead.
MAX_VISITS = 2500


def search_parameters(job: Job, time_limit: float) -> Any:
    """OR-Tools search parameters for a job (`options`: first_solution, metaheuristic, gls_lambda)."""
    fs = str(job.options.get("first_solution") or DEFAULT_FIRST_SOLUTION)
    mh = str(job.options.get("metaheuristic") or DEFAULT_METAHEURISTIC)
    lam = job.options.get("gls_lambda")
    sp = pywrapcp.DefaultRoutingSearchParameters()
    sp.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, fs)
    sp.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, mh)
    sp.guided_local_search_lambda_coefficient = float(lam) if isinstance(lam, int | float) else GLS_LAMBDA
    sp.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    sp.lns_time_limit.FromMilliseconds(int(RESTORE_LNS_SECONDS * 1000))
    if job.iterations is not None:
        sp.solution_limit = job.iterations
    n_visits = len(job.evaluator.problem.visits)
    if n_visits > LARGE_PROBLEM_VISITS:
        gci = sp.global_cheapest_insertion_first_solution_parameters
        gci.neighbors_ratio = LARGE_NEIGHBORS_RATIO
        gci.min_neighbors = LARGE_MIN_NEIGHBORS
        sp.ls_operator_neighbors_ratio = LARGE_NEIGHBORS_RATIO
        sp.ls_operator_min_neighbors = LARGE_MIN_NEIGHBORS
        sp.savings_parameters.neighbors_ratio = LARGE_NEIGHBORS_RATIO
    return sp


def search(job: Job) -> Routes | None:
    """Search from `job.start` (or from OR-Tools' own first solution when it is empty and
    `options["own_start"]` is set); None when the model cannot be built or finds nothing."""
    ev = job.evaluator
    problem = ev.problem
    if not problem.concierges or len(problem.visits) > MAX_VISITS:
        return None
    t0 = time.monotonic()
    start = [list(r) for r in job.start]
    served = {k for r in start for k in r}
    relax = any((v.required or v.fixed) and k not in served for k, v in enumerate(problem.visits))
    previous = job.options.get("previous")
    model = build_model(
        problem, arc_cost=ev.arc_cost, relax_required=relax, travel=ev.travel, nodes=ev.nodes,
        previous=previous if isinstance(previous, dict) else None,
    )
    left = job.time_limit - (time.monotonic() - t0)
    if left <= 0 or job.stopped():
        return None
    assignment = _run(model, job, left, None if job.options.get("own_start") else start)
    return model.routes_of(assignment) if assignment is not None else None


def _run(model: Model, job: Job, time_limit: float, start: Routes | None) -> Any:
    """One search on a built model; the best assignment or None."""
    routing = model.routing
    best: list[int] = []

    def at_solution() -> None:
        cost = int(routing.CostVar().Max())
        if not best or cost < best[0]:
            best[:] = [cost]
            if job.on_best is not None:
                job.report(_current_routes(model))
        if job.stopped():
            routing.solver().FinishCurrentSearch()

    routing.AddAtSolutionCallback(at_solution)
    t0 = time.monotonic()
    sp = search_parameters(job, time_limit)
    if start is None:
        return routing.SolveWithParameters(sp)
    first = search_parameters(job, time_limit)
    first.solution_limit = 1
    routing.CloseModelWithParameters(first)
    hint = routing.ReadAssignmentFromRoutes(model.routes_to_indices(start), True)
    if hint is None:
        return routing.SolveWithParameters(sp)
    sp.time_limit.FromMilliseconds(max(1, int((time_limit - (time.monotonic() - t0)) * 1000)))
    assignment = routing.SolveFromAssignmentWithParameters(hint, sp)
    return assignment if assignment is not None else hint


def _current_routes(model: Model) -> Routes:
    """Routes of the solution being reported (inside the solution callback)."""
    routing = model.routing
    out = []
    for v in range(len(model.problem.concierges)):
        seq = []
        idx = routing.NextVar(routing.Start(v)).Value()
        while not routing.IsEnd(idx):
            k = model.visit_of(idx)
            assert k is not None
            seq.append(k)
            idx = routing.NextVar(idx).Value()
        out.append(seq)
    return out
