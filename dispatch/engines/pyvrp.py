"""The PyVRP engine: its iterated local search on a PyVRP model of the day.

Two models (`pyvrp_data`):
- faithful, for days PyVRP expresses entirely (shifts, one start window per visit, service, capacity,
  required visits and optional ones with their unplanned penalty as prize, per-concierge start and end
  places and travel profiles; no breaks, pins, skills, dedicated concierges, max visits, deadlines,
  emergencies or gapped windows): its routes are as good as they look (Solomon-like days);
- relaxed, a seed for rich days: skills become routing profiles (concierges with the same skills share
  one; when that needs more profiles than memory allows, similar groups merge and keep only the skills
  they share, a restriction), max visits a second load dimension, urgency the prizes, a break a shift
  shorter by its length, several windows their hull; pinned, done and contract-bound visits are left to
  the evaluator's repair and the LNS, which also restore what the relaxation got wrong.
In both, location k is node k of `dispatch.nodes` and travel is the same integer arrays.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from dispatch.costs import SECONDS_PER_MINUTE, UNPLANNED_PENALTY, unplanned_penalty
from dispatch.engines.base import Job, Routes
from dispatch.evaluate import Evaluator
from dispatch.instance import allowed_matrix
from dispatch.problem import DispatchProblem, Urgency, Visit

#: PyVRP's "no limit" for time windows (its own default is int64 max; keep well clear of overflow).
OPEN = 1 << 50
#: PyVRP passes this cost (int64 max) to the stopping criterion while the best solution is infeasible.
INFEASIBLE_COST = (1 << 63) - 1
#: Share of the time (or iterations) after which a search without any feasible solution gives up.
GIVE_UP_SHARE = 0.25
#: Travel into a visit a profile's concierges may not serve (seconds and cost units).
FORBIDDEN = 10**9
#: Memory the relaxed model's profile matrices may take (PyVRP holds a distance and a duration matrix per
#: profile, int64 over all nodes): at 1,100 nodes ~50 profiles fit, at 5,100 nodes 2.
PROFILE_BUDGET_BYTES = 600 << 20
MAX_PROFILES = 8
#: The relaxed model's prizes: the unplanned penalty scaled down to this for a low visit (PyVRP's penalty
#: management struggles with prizes of 10^8 and more: it then finds no feasible solution in seconds).
RELAXED_PRIZE_UNIT = 20_000


def unsupported(problem: DispatchProblem) -> str | None:
    """Why the faithful model cannot express `problem`, or None when it can."""
    n = len(problem.visits)
    if not problem.concierges:
        return "no concierges"
    for c in problem.concierges:
        if c.break_ is not None:
            return f"break of {c.id}"
        if c.max_visits is not None and c.max_visits < n:
            return f"max_visits of {c.id}"
    allowed = allowed_matrix(problem)
    for k, v in enumerate(problem.visits):
        if v.fixed or v.pinned is not None:
            return f"pin on {v.id}"
        if v.urgency is Urgency.EMERGENCY:
            return f"emergency {v.id} (earliness cost)"
        if v.due is not None:
            return f"deadline of {v.id} (lateness cost)"
        if v.dedicated is not None:
            return f"dedicated concierge of {v.id}"
        if not allowed[k].all():
            return f"skills of {v.id}"
        if _window(v, hull=False) is None:
            return f"windows of {v.id} leave a gap"
    return None


def _window(v: Visit, hull: bool) -> tuple[int, int] | None:
    """The single service-start interval (seconds) of a visit; with gaps between its windows None, or
    (hull) the interval spanning them all."""
    if not v.windows:
        return 0, OPEN
    ws = sorted(v.windows, key=lambda w: w.start)
    reach = ws[0].end
    for w in ws[1:]:
        if w.start > reach + 1 and not hull:
            return None
        reach = max(reach, w.end)
    return max(0, ws[0].start * SECONDS_PER_MINUTE), max(0, reach * SECONDS_PER_MINUTE)


def skill_groups(allowed: np.ndarray[Any, Any], limit: int) -> list[int]:
    """Concierge -> group, at most `limit` groups: concierges who may serve the same visits share a group;
    beyond the limit, the two groups whose merger loses the fewest (visit, concierge) pairs merge (a group
    may serve only what all its members may)."""
    m = allowed.shape[1]
    cols: dict[bytes, int] = {}
    group = [cols.setdefault(np.packbits(allowed[:, v]).tobytes(), len(cols)) for v in range(m)]
    masks = {g: allowed[:, group.index(g)].copy() for g in range(len(cols))}
    sizes = {g: group.count(g) for g in masks}

    def loss(a: int, b: int) -> int:
        both = masks[a] & masks[b]
        return int(sizes[a] * (masks[a].sum() - both.sum()) + sizes[b] * (masks[b].sum() - both.sum()))

    while len(masks) > max(1, limit):
        keys = sorted(masks)
        _, a, b = min((loss(a, b), a, b) for i, a in enumerate(keys) for b in keys[i + 1 :])
        masks[a] &= masks.pop(b)
        sizes[a] += sizes.pop(b)
        group = [a if g == b else g for g in group]
    order = {g: i for i, g in enumerate(sorted(masks))}
    return [order[g] for g in group]


def pyvrp_data(ev: Evaluator, relaxed: bool, skills: bool = True) -> tuple[Any, list[list[int]], list[int]]:
    """PyVRP ProblemData, the concierge positions of each vehicle type, and the visit of each client."""
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    problem, travel, nodes = ev.problem, ev.travel, ev.nodes
    cs = problem.concierges
    day_start = min(c.shift_start for c in cs)
    allowed = allowed_matrix(problem)
    loads = any(v.load for v in problem.visits) and any(c.capacity is not None for c in cs)
    counts = relaxed and any(c.max_visits is not None for c in cs)
    visits = [
        k for k, v in enumerate(problem.visits)
        if not relaxed or not (v.fixed or v.pinned is not None or v.dedicated_required or not allowed[k].any())
    ]
    clients = []
    for k in visits:
        v = problem.visits[k]
        w = _window(v, hull=relaxed)
        assert w is not None
        required = v.required and not relaxed
        delivery = ([v.load] if loads else []) + ([1] if counts else [])
        clients.append(
            Client(
                location=k, delivery=delivery, pickup=[0] * len(delivery), service_duration=v.duration * SECONDS_PER_MINUTE,
                tw_early=w[0], tw_late=w[1], prize=0 if required else _prize(v, day_start, relaxed), required=required, name=v.id,
            )
        )
    depot_nodes = sorted(set(nodes.starts) | set(nodes.ends))
    depot_of = {node: d for d, node in enumerate(depot_nodes)}
    groups = [0] * len(cs)
    if relaxed and skills:
        limit = max(1, min(MAX_PROFILES, PROFILE_BUDGET_BYTES // (16 * travel.n_nodes**2 * len(travel.seconds))))
        groups = skill_groups(allowed, limit)
    profiles = sorted(set(zip(travel.vehicle_profile, groups, strict=True)))
    total_load = sum(v.load for v in problem.visits)
    types: dict[tuple[Any, ...], list[int]] = {}
    for j, c in enumerate(cs):
        cap = ([c.capacity if c.capacity is not None else total_load] if loads else []) + ([c.max_visits or len(visits)] if counts else [])
        brk = c.break_.minutes if relaxed and c.break_ is not None else 0
        key = (nodes.starts[j], nodes.ends[j], c.shift_start, c.shift_end, brk, tuple(cap), profiles.index((travel.vehicle_profile[j], groups[j])))
        types.setdefault(key, []).append(j)
    vehicle_types = [
        VehicleType(
            num_available=len(members), capacity=list(cap), start_depot=depot_of[s], end_depot=depot_of[e],
            tw_early=t0 * SECONDS_PER_MINUTE, tw_late=t1 * SECONDS_PER_MINUTE, shift_duration=(t1 - t0 - brk) * SECONDS_PER_MINUTE,
            profile=prof, name=cs[members[0]].id,
        )
        for (s, e, t0, t1, brk, cap, prof), members in types.items()
    ]
    dist: list[Any] = []
    dur: list[Any] = []
    for name, g in profiles:
        d = travel.node_seconds(name) if ev.arc_cost == "seconds" else travel.node_meters(name)
        t = travel.node_seconds(name)
        if relaxed and skills:
            group_members = [j for j in range(len(cs)) if groups[j] == g and travel.vehicle_profile[j] == name]
            shared = np.asarray(allowed[:, group_members].all(axis=1))  # what every member of the group may serve
            banned = np.array([k for k in visits if not shared[k]], dtype=np.int64)
            d[:, banned] = FORBIDDEN
            t[:, banned] = FORBIDDEN
            d[banned, banned] = 0
            t[banned, banned] = 0
        dist.append(d)
        dur.append(t)
    locations = [Location(x=0.0, y=0.0) for _ in range(travel.n_nodes)]
    data = ProblemData(locations, clients, [Depot(location=node) for node in depot_nodes], vehicle_types, dist, dur)
    return data, list(types.values()), visits


def _prize(v: Visit, day_start: int, relaxed: bool) -> int:
    """A visit's prize: its unplanned penalty (faithful), or that penalty scaled to RELAXED_PRIZE_UNIT per
    low visit with the urgency classes kept ten apart (relaxed)."""
    penalty = unplanned_penalty(v, day_start)
    if not relaxed:
        return penalty
    return max(1, penalty * RELAXED_PRIZE_UNIT // UNPLANNED_PENALTY[Urgency.LOW])


class _Stop:
    """PyVRP stopping criterion: a deadline, an iteration cap, the caller's stop, or no feasible solution
    after GIVE_UP_SHARE of the time (a required visit that cannot be served: the other engines name it)."""

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


def fits_memory(ev: Evaluator) -> bool:
    """Is the day small enough for a PyVRP model (one profile's matrices within the budget)?"""
    return 16 * ev.travel.n_nodes**2 * max(1, len(ev.travel.seconds)) <= PROFILE_BUDGET_BYTES


def search(job: Job) -> Routes | None:
    """PyVRP's best routes (faithful model when it applies, else the relaxed one unless
    `options["relaxed"]` is False), or None when it cannot model the day or finds nothing feasible."""
    ev = job.evaluator
    problem = ev.problem
    faithful = unsupported(problem) is None
    if not problem.concierges or not problem.visits or not fits_memory(ev) or (not faithful and job.options.get("relaxed") is False):
        return None
    from pyvrp import solve as pyvrp_solve

    t0 = time.monotonic()
    data, members, visits = pyvrp_data(ev, relaxed=not faithful, skills=job.options.get("skills") is not False)
    iterations = job.iterations
    stop = _Stop(t0, max(0.0, job.time_limit - (time.monotonic() - t0)), iterations, job.should_stop)
    with warnings.catch_warnings():  # PenaltyBoundWarning on days where a required visit cannot be served
        warnings.simplefilter("ignore")
        result = pyvrp_solve(data, stop=stop, seed=job.seed, collect_stats=False, display=False)
    best = result.best
    if not best.is_feasible() or (faithful and not best.is_complete()):
        return None
    routes: Routes = [[] for _ in problem.concierges]
    free = [list(m) for m in members]
    for r in best.routes():
        seq = [visits[int(act.idx)] for act in r.schedule() if act.is_client()]
        if seq:
            routes[free[r.vehicle_type()].pop(0)] = seq
    return routes
