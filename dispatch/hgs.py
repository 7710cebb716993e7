"""A PyVRP engine for the problems it can model faithfully: a strong seed for the OR-Tools path.

PyVRP (iterated local search with a well-tuned VRPTW neighbourhood) reaches far lower travel than OR-Tools'
guided local search in the same seconds on window-heavy days. `hgs_routes` builds a PyVRP instance from the
same integer travel arrays as `dispatch.model` (`build_travel` over `_node_places`, so location k of the
PyVRP data is node k of the routing model: visits first, then the distinct depots), solves it, and returns
visit positions per concierge, the form `dispatch.solve` restores into OR-Tools (which then extracts,
checks and explains the plan as for any other seed).

Only problems whose whole objective and every hard constraint PyVRP expresses are taken: shifts, one time
window per visit (or windows that join into one), service durations, capacity and load, required visits
and optional visits with their unplanned penalty as prize, per-concierge start and end places and travel
profiles. Anything else (breaks, pins and fixed visits, skills that rule concierges out, dedicated
concierges, max visits, deadlines and the 24 h aim, emergencies' earliness cost, windows with gaps) makes
`hgs_routes` return None, and the caller keeps the OR-Tools-only path.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from dispatch.model import SECONDS_PER_MINUTE, ArcCost, Travel, _allowed_vehicles, _node_places, build_travel, unplanned_penalty
from dispatch.problem import DispatchProblem, Urgency, Visit

#: PyVRP's "no limit" for time windows (its own default is int64 max; keep well clear of overflow).
OPEN = 1 << 50
#: PyVRP passes this cost (int64 max) to the stopping criterion while the best solution is infeasible.
INFEASIBLE_COST = (1 << 63) - 1
#: Share of the time (or iterations) after which a search without any feasible solution gives up.
GIVE_UP_SHARE = 0.25


def unsupported(problem: DispatchProblem) -> str | None:
    """Why PyVRP cannot model `problem` faithfully, or None when it can."""
    n = len(problem.visits)
    if not problem.concierges:
        return "no concierges"
    for c in problem.concierges:
        if c.break_ is not None:
            return f"break of {c.id}"
        if c.max_visits is not None and c.max_visits < n:
            return f"max_visits of {c.id}"
    for v in problem.visits:
        if v.fixed or v.pinned is not None:
            return f"pin on {v.id}"
        if v.urgency is Urgency.EMERGENCY:
            return f"emergency {v.id} (earliness cost)"
        if v.due is not None:
            return f"deadline of {v.id} (lateness cost)"
        if v.dedicated is not None:
            return f"dedicated concierge of {v.id}"
        if _allowed_vehicles(problem, v) is not None:
            return f"skills of {v.id}"
        if _window(v) is None:
            return f"windows of {v.id} leave a gap"
    return None


def _window(v: Visit) -> tuple[int, int] | None:
    """The single service-start interval (seconds) of a visit, or None when its windows leave a gap
    (the routing model treats windows less than a minute apart as joined, as here)."""
    if not v.windows:
        return 0, OPEN
    ws = sorted(v.windows, key=lambda w: w.start)
    reach = ws[0].end
    for w in ws[1:]:
        if w.start > reach + 1:
            return None
        reach = max(reach, w.end)
    return max(0, ws[0].start * SECONDS_PER_MINUTE), max(0, reach * SECONDS_PER_MINUTE)


class _Stop:
    """PyVRP stopping criterion: a wall-clock deadline, an iteration cap, the caller's cancellation, or no
    feasible solution after GIVE_UP_SHARE of the time (a required visit that cannot be served: leave the
    time to the caller's path, which names it)."""

    def __init__(self, t0: float, time_limit: float, max_iterations: int | None, should_stop: Callable[[], bool] | None) -> None:
        self.deadline = t0 + time_limit
        self.give_up = t0 + time_limit * GIVE_UP_SHARE
        self.left = max_iterations
        self.give_up_iterations = None if max_iterations is None else int(max_iterations * GIVE_UP_SHARE)
        self.should_stop = should_stop

    def __call__(self, best_cost: float) -> bool:
        infeasible = best_cost >= INFEASIBLE_COST
        if self.left is not None:
            if self.left <= 0 or (infeasible and self.give_up_iterations is not None and self.left <= self.give_up_iterations):
                return True
            self.left -= 1
        now = time.monotonic()
        if now >= self.deadline or (infeasible and now >= self.give_up):
            return True
        return self.should_stop is not None and self.should_stop()


def _reporter(on_best: Callable[[int, int], None]) -> Any:
    """PyVRP search callbacks that report each new feasible best as (objective, visits planned)."""
    from pyvrp.IteratedLocalSearch import IteratedLocalSearchCallbacks

    class Report(IteratedLocalSearchCallbacks):
        last: int | None = None

        def on_iteration(self, current: Any, candidate: Any, best: Any, cost_evaluator: Any) -> None:
            if not (best.is_feasible() and best.is_complete()):
                return
            cost = int(best.distance_cost() + best.duration_cost() + best.uncollected_prizes())
            if self.last is None or cost < self.last:
                self.last = cost
                on_best(cost, int(best.num_clients()))

    return Report()


def pyvrp_data(problem: DispatchProblem, travel: Travel, arc_cost: ArcCost = "seconds") -> tuple[Any, list[list[int]]]:
    """PyVRP ProblemData for a supported problem, and the concierge positions of each vehicle type."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    places, starts, ends = _node_places(problem)
    n_visits = len(problem.visits)
    locations = [Location(x=0.0, y=0.0) for _ in places]
    depot_nodes = sorted(set(starts) | set(ends))
    depot_of = {node: d for d, node in enumerate(depot_nodes)}
    depots = [Depot(location=node) for node in depot_nodes]
    loads = any(v.load for v in problem.visits) and any(c.capacity is not None for c in problem.concierges)
    day_start = min(c.shift_start for c in problem.concierges)
    clients = []
    for k, v in enumerate(problem.visits):
        w = _window(v)
        assert w is not None
        clients.append(
            Client(
                location=k,
                delivery=[v.load] if loads else [],
                pickup=[0] if loads else [],
                service_duration=v.duration * SECONDS_PER_MINUTE,
                tw_early=w[0],
                tw_late=w[1],
                prize=0 if v.required else unplanned_penalty(v, day_start),
                required=v.required,
                name=v.id,
            )
        )
    profiles = sorted(set(travel.vehicle_profile))
    profile_of = {p: i for i, p in enumerate(profiles)}
    total_load = sum(v.load for v in problem.visits)
    types: dict[tuple[Any, ...], list[int]] = {}
    for k, c in enumerate(problem.concierges):
        cap = c.capacity if c.capacity is not None else total_load
        key = (starts[k], ends[k], c.shift_start, c.shift_end, cap if loads else None, travel.vehicle_profile[k])
        types.setdefault(key, []).append(k)
    vehicle_types = [
        VehicleType(
            num_available=len(members),
            capacity=[cap] if cap is not None else [],
            start_depot=depot_of[s],
            end_depot=depot_of[e],
            tw_early=t0 * SECONDS_PER_MINUTE,
            tw_late=t1 * SECONDS_PER_MINUTE,
            profile=profile_of[prof],
            name=problem.concierges[members[0]].id,
        )
        for (s, e, t0, t1, cap, prof), members in types.items()
    ]
    dist: list[Any] = [np.ascontiguousarray((travel.seconds if arc_cost == "seconds" else travel.meters)[p], dtype=np.int64) for p in profiles]
    dur: list[Any] = [np.ascontiguousarray(travel.seconds[p], dtype=np.int64) for p in profiles]
    assert all(d.shape == (len(places), len(places)) for d in dist + dur) and n_visits <= len(places)
    data = ProblemData(locations, clients, depots, vehicle_types, dist, dur)
    return data, list(types.values())


def hgs_routes(
    problem: DispatchProblem,
    *,
    time_limit: float,
    seed: int,
    should_stop: Callable[[], bool] | None = None,
    arc_cost: ArcCost = "seconds",
    travel: Travel | None = None,
    max_iterations: int | None = None,
    on_best: Callable[[int, int], None] | None = None,
) -> list[list[int]] | None:
    """Visit positions per concierge (problem order) from PyVRP, or None when the problem uses features
    PyVRP does not model here (see `unsupported`), or no feasible solution (every required visit served,
    no time warp, no excess load) was found. Stops at `time_limit` seconds, on `should_stop()`, or after
    `max_iterations` iterations when given (then the result depends only on `seed`, unless the time runs
    out first). `on_best(objective, planned)` is called at each new feasible best; the objective is the
    routing model's (travel cost plus unplanned penalties: the only terms of a supported problem)."""
    if unsupported(problem) is not None:
        return None
    from pyvrp import IteratedLocalSearchParams, SolveParams
    from pyvrp import solve as pyvrp_solve

    t0 = time.monotonic()
    if travel is None:
        travel = build_travel(problem, _node_places(problem)[0])
    data, members = pyvrp_data(problem, travel, arc_cost)
    stop = _Stop(t0, time_limit, max_iterations, should_stop)
    params = SolveParams(ils=IteratedLocalSearchParams(callbacks=_reporter(on_best))) if on_best is not None else SolveParams()
    with warnings.catch_warnings():  # PenaltyBoundWarning on days where a required visit cannot be served
        warnings.simplefilter("ignore")
        result = pyvrp_solve(data, stop=stop, seed=seed, collect_stats=False, display=False, params=params)
    best = result.best
    if not (best.is_feasible() and best.is_complete()):
        return None
    routes: list[list[int]] = [[] for _ in problem.concierges]
    free = [list(m) for m in members]
    for r in best.routes():
        visits = [int(act.idx) for act in r.schedule() if act.is_client()]
        if visits:
            routes[free[r.vehicle_type()].pop(0)] = visits
    return routes
