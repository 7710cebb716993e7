"""A fast first solution: cheapest feasible insertion by urgency, respecting every hard constraint.

OR-Tools' own first-solution heuristics take tens of seconds (and gigabytes) on a 100-concierge,
1,000-visit day. This builds a feasible day in about a second instead: visits are inserted one at a time,
most important first (fixed and required, then emergencies as early as possible, then by penalty), each at
the cheapest position that keeps its route feasible. Candidate positions are ranked by travel detour with
numpy and only the best few are checked exactly by `Scheduler.schedule`, an exact earliest-time schedule
of one route with windows, shift, break (two states: break taken or not yet) and pins.

The same scheduler turns routes into a `Plan` without the solver (`plan_from_routes`), which re-planning
uses to keep untouched routes verbatim.
"""

from __future__ import annotations

import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dispatch.model import (
    DEDICATED_PENALTY,
    EMERGENCY_EARLY_PER_SECOND,
    LATENESS_PER_SECOND,
    MOVE_TIME_PER_SECOND,
    SECONDS_PER_MINUTE,
    Travel,
    _allowed_vehicles,
    _node_places,
    build_travel,
    unplanned_penalty,
)
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, _arrival, cost_breakdown
from dispatch.problem import DispatchProblem, Urgency, Visit

#: Exact checks per visit: positions examined in order of detour (emergencies and required visits get more).
CHECKS_PER_VISIT = 40
CHECKS_PER_URGENT_VISIT = 400
#: Stop looking once this many feasible positions were found (the best of them wins).
FEASIBLE_ENOUGH = 4
FEASIBLE_ENOUGH_URGENT = 60
INF = 1 << 60
#: Re-planning: adding a visit to a route that already has visits (cost units, like 30 minutes of travel).
ROUTE_TOUCH_COST = 1800
#: Weight of the growth of the route's end time (waiting included) next to the travel detour.
END_WEIGHT = 0.0

Schedule = tuple[list[int], int, int | None]  # starts (s), route end (s), break start (s) or None


@dataclass
class Scheduler:
    """Per-concierge and per-visit data in seconds, for exact route checks."""

    problem: DispatchProblem
    travel: Travel
    starts: list[int]  # start node per concierge
    ends: list[int]  # end node per concierge
    sec: list[npt.NDArray[np.int64]]  # travel seconds matrix per concierge (shared objects)
    windows: list[list[tuple[int, int]]]  # per visit, sorted; service start windows (s)
    service: list[int]

    @classmethod
    def of(cls, problem: DispatchProblem, travel: Travel | None = None) -> Scheduler:
        places, starts, ends = _node_places(problem)
        travel = travel if travel is not None else build_travel(problem, places)
        sec = [travel.seconds[p] for p in travel.vehicle_profile]
        windows = []
        for v in problem.visits:
            if v.pinned is not None and v.pinned.start is not None:
                ws = [(v.pinned.start * SECONDS_PER_MINUTE, v.pinned.start * SECONDS_PER_MINUTE)]
            elif v.windows:
                ws = sorted((w.start * SECONDS_PER_MINUTE, w.end * SECONDS_PER_MINUTE) for w in v.windows)
            else:
                ws = [(-INF, INF)]
            windows.append(ws)
        service = [v.duration * SECONDS_PER_MINUTE for v in problem.visits]
        return cls(problem, travel, starts, ends, sec, windows, service)

    def schedule(self, v: int, seq: Sequence[int]) -> Schedule | None:
        """Earliest start of every visit of `seq` (visit positions) for concierge v, the route end and
        the break start; None when the route is infeasible."""
        c = self.problem.concierges[v]
        sec = self.sec[v]
        shift_start, shift_end = c.shift_start * SECONDS_PER_MINUTE, c.shift_end * SECONDS_PER_MINUTE
        brk = c.break_
        if brk is None:
            e_b = l_b = d_b = 0
            t0: int | None = None
            t1: int | None = shift_start
        else:
            e_b, l_b, d_b = brk.earliest * SECONDS_PER_MINUTE, brk.latest * SECONDS_PER_MINUTE, brk.minutes * SECONDS_PER_MINUTE
            t0, t1 = shift_start, None
        g1 = -1  # gap where the break was taken on the t1 path
        prev = self.starts[v]
        for j, k in enumerate(seq):
            tr = int(sec[prev, k])
            ws = self.windows[k]
            n1: int | None = None
            ng = g1
            if t1 is not None:
                n1 = _start(t1 + tr, ws)
            if t0 is not None and max(t0, e_b) <= l_b:
                s = _start(max(t0 + tr + d_b, e_b + d_b), ws)
                if s is not None and (n1 is None or s < n1):
                    n1, ng = s, j
            n0 = _start(t0 + tr, ws) if t0 is not None else None
            svc = self.service[k]
            t0 = None if n0 is None or n0 + svc > l_b or n0 > shift_end else n0 + svc
            t1 = None if n1 is None or n1 > shift_end else n1 + svc
            g1 = ng
            if t0 is None and t1 is None:
                return None
            prev = k
        tr = int(sec[prev, self.ends[v]])
        end: int | None = t1 + tr if t1 is not None else None
        if t0 is not None and max(t0, e_b) <= l_b:
            e = max(t0 + tr + d_b, e_b + d_b)
            if end is None or e < end:
                end, g1 = e, len(seq)
        if end is None or end > shift_end:
            return None
        return self._times(v, seq, g1 if brk is not None else None)

    def _times(self, v: int, seq: Sequence[int], gap: int | None) -> Schedule:
        """Earliest times with the break taken in gap `gap` (before visit `gap`; len(seq) = after the last)."""
        c = self.problem.concierges[v]
        sec = self.sec[v]
        t = c.shift_start * SECONDS_PER_MINUTE
        brk = c.break_
        bstart: int | None = None
        starts = []
        prev = self.starts[v]
        for j, k in enumerate(seq):
            tr = int(sec[prev, k])
            if gap == j and brk is not None:
                bstart = max(t, brk.earliest * SECONDS_PER_MINUTE)
                s = _start(max(t + tr, bstart) + brk.minutes * SECONDS_PER_MINUTE, self.windows[k])
            else:
                s = _start(t + tr, self.windows[k])
            assert s is not None
            starts.append(s)
            t = s + self.service[k]
            prev = k
        tr = int(sec[prev, self.ends[v]])
        if gap == len(seq) and brk is not None:
            bstart = max(t, brk.earliest * SECONDS_PER_MINUTE)
            end = max(t + tr, bstart) + brk.minutes * SECONDS_PER_MINUTE
        else:
            end = t + tr
        return starts, end, bstart


def _start(arrival: int, windows: list[tuple[int, int]]) -> int | None:
    """Earliest service start at or after `arrival` inside a window."""
    for ws, we in windows:
        if arrival <= we:
            return max(arrival, ws)
    return None


def _order_key(problem: DispatchProblem, k: int, visit: Visit, day_start: int, n_allowed: int) -> tuple[float, ...]:
    """Insertion order: fixed, required, emergencies (tightest first), then by penalty, tight ones first."""
    if visit.fixed or (visit.pinned is not None and visit.pinned.start is not None):
        return (0, visit.pinned.start if visit.pinned and visit.pinned.start is not None else 0, k)
    wend = max((w.end for w in visit.windows), default=10**9)
    if visit.required:
        return (1, n_allowed, wend, k)
    if visit.urgency is Urgency.EMERGENCY:
        return (2, -unplanned_penalty(visit, day_start), wend, n_allowed, k)
    return (3, -unplanned_penalty(visit, day_start), n_allowed, wend, k)


@dataclass
class Construction:
    """Routes (visit positions per concierge) and the visits left out."""

    routes: list[list[int]]
    unplanned: list[int]
    seconds: float


def construct(
    problem: DispatchProblem,
    travel: Travel | None = None,
    *,
    routes: Sequence[Sequence[int]] | None = None,
    only: Sequence[int] | None = None,
    scheduler: Scheduler | None = None,
    eject: bool = False,
    disruption: bool = False,
) -> Construction:
    """Insert visits (all not in `routes`, or just `only`) into `routes` (default: empty days). With
    `eject`, an emergency or required visit that fits nowhere pushes lower-urgency visits out of the route
    where that costs least; they are inserted elsewhere if possible. With `disruption` (re-planning), adding
    to a route that already has visits costs ROUTE_TOUCH_COST and every second other visits start later
    costs MOVE_TIME_PER_SECOND, so idle concierges and slack are used first."""
    t_begin = _time.monotonic()
    sch = scheduler or Scheduler.of(problem, travel)
    concierges, visits = problem.concierges, problem.visits
    n_veh = len(concierges)
    day_start = min((c.shift_start for c in concierges), default=0)
    cur: list[list[int]] = [list(r) for r in routes] if routes is not None else [[] for _ in range(n_veh)]
    placed = {k for r in cur for k in r}
    todo = list(only) if only is not None else [k for k in range(len(visits)) if k not in placed]
    # concierges allowed per visit (skills, required dedication, pins); pushed-out visits need it too
    allowed = np.ones((len(visits), n_veh), dtype=bool)
    for k in range(len(visits)):
        al = _allowed_vehicles(problem, visits[k])
        if al is not None:
            allowed[k] = False
            allowed[k, al] = True
    todo.sort(key=lambda k: _order_key(problem, k, visits[k], day_start, int(allowed[k].sum())))
    max_visits = np.array([c.max_visits if c.max_visits is not None else INF for c in concierges], dtype=np.int64)
    capacity = np.array([c.capacity if c.capacity is not None else INF for c in concierges], dtype=np.int64)
    count = np.array([len(r) for r in cur], dtype=np.int64)
    load = np.array([sum(visits[k].load for k in r) for r in cur], dtype=np.int64)
    profiles = sorted(set(sch.travel.vehicle_profile))
    stack = np.stack([sch.travel.seconds[p] for p in profiles])
    veh_prof = np.array([profiles.index(p) for p in sch.travel.vehicle_profile], dtype=np.int64)
    edges_cache: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None] = [None] * n_veh

    def edges(v: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        e = edges_cache[v]
        if e is None:
            nodes = [sch.starts[v], *cur[v], sch.ends[v]]
            e = (np.array(nodes[:-1], dtype=np.int64), np.array(nodes[1:], dtype=np.int64))
            edges_cache[v] = e
        return e

    times_cache: dict[int, list[int]] = {}

    def times(v: int) -> list[int]:
        if v not in times_cache:
            res = sch.schedule(v, cur[v])
            times_cache[v] = res[0] if res is not None else [0] * len(cur[v])
        return times_cache[v]

    end_cache: dict[int, int] = {}

    def ends(v: int) -> int:
        if v not in end_cache:
            res = sch.schedule(v, cur[v]) if cur[v] else None
            end_cache[v] = res[1] if res is not None else concierges[v].shift_start * SECONDS_PER_MINUTE
        return end_cache[v]

    unplanned: list[int] = []
    later: list[int] = []  # visits pushed out by an urgent one, inserted again at the end
    queue = list(todo)
    while queue or later:
        if not queue:
            queue, later = later, []
        k = queue.pop(0)
        visit = visits[k]
        ok = allowed[k] & (count < max_visits) & (load + visit.load <= capacity)
        vs = np.flatnonzero(ok)
        if vs.size == 0:
            unplanned.append(k)
            continue
        parts = [edges(int(v)) for v in vs]
        prev = np.concatenate([p for p, _ in parts])
        nxt = np.concatenate([q for _, q in parts])
        lens = np.array([len(p) for p, _ in parts], dtype=np.int64)
        veh = np.repeat(vs, lens)
        pos = np.concatenate([np.arange(n, dtype=np.int64) for n in lens])
        pr = veh_prof[veh]
        detour = stack[pr, prev, k] + stack[pr, k, nxt] - stack[pr, prev, nxt]
        urgent = visit.required or visit.fixed or visit.urgency is Urgency.EMERGENCY
        limit = CHECKS_PER_URGENT_VISIT if urgent else CHECKS_PER_VISIT
        enough = FEASIBLE_ENOUGH_URGENT if urgent else FEASIBLE_ENOUGH
        if detour.size > limit:
            cand = np.argpartition(detour, limit - 1)[:limit]
            cand = cand[np.argsort(detour[cand], kind="stable")]
        else:
            cand = np.argsort(detour, kind="stable")
        best: tuple[float, int, int] | None = None
        found = 0
        for i in cand.tolist():
            v, p = int(veh[i]), int(pos[i])
            seq = cur[v][:p] + [k] + cur[v][p:]
            res = sch.schedule(v, seq)
            if res is None:
                continue
            cost = float(detour[i])
            if END_WEIGHT:
                cost += END_WEIGHT * (res[1] - ends(v))
            s = res[0][p]
            if visit.urgency is Urgency.EMERGENCY:
                cost += EMERGENCY_EARLY_PER_SECOND * max(0, s - day_start * SECONDS_PER_MINUTE)
            elif visit.due is not None:
                cost += LATENESS_PER_SECOND[visit.urgency] * max(0, s - max(0, visit.due) * SECONDS_PER_MINUTE)
            if visit.dedicated is not None and not visit.dedicated_required and concierges[v].id != visit.dedicated:
                cost += DEDICATED_PENALTY
            if disruption and cur[v]:
                old = times(v)
                delay = sum(max(0, a - b) for a, b in zip(res[0][:p] + res[0][p + 1 :], old, strict=True))
                cost += ROUTE_TOUCH_COST + MOVE_TIME_PER_SECOND * delay
            if best is None or cost < best[0]:
                best = (cost, v, p)
            found += 1
            if found >= enough:
                break
        if best is None and eject and urgent:
            ejected = _insert_ejecting(sch, cur, k, veh[cand], pos[cand], day_start)
            if ejected is not None:
                v, removed = ejected
                count[v] = len(cur[v])
                load[v] = sum(visits[j].load for j in cur[v])
                edges_cache[v] = None
                times_cache.pop(v, None)
                end_cache.pop(v, None)
                later.extend(removed)
                continue
        if best is None:
            unplanned.append(k)
            continue
        _, v, p = best
        cur[v].insert(p, k)
        count[v] += 1
        load[v] += visit.load
        edges_cache[v] = None
        times_cache.pop(v, None)
        end_cache.pop(v, None)
    return Construction(cur, unplanned, _time.monotonic() - t_begin)


URGENCY_RANK = {Urgency.EMERGENCY: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}
#: Positions tried and visits pushed out at most when an urgent visit forces its way in.
EJECT_POSITIONS = 60
EJECT_MAX = 3


def _insert_ejecting(
    sch: Scheduler, cur: list[list[int]], k: int, vehs: npt.NDArray[np.int64], poss: npt.NDArray[np.int64], day_start: int
) -> tuple[int, list[int]] | None:
    """Insert urgent visit k at one of the candidate (vehicle, position) pairs, pushing out up to EJECT_MAX
    less urgent, unpinned visits of that route; the cheapest option (penalties pushed out, then start)
    wins. Returns (vehicle, pushed-out visits) or None."""
    visits = sch.problem.visits
    rank = URGENCY_RANK[visits[k].urgency] if not visits[k].required else -1
    best: tuple[float, int, list[int], list[int]] | None = None
    for v, p in list(zip(vehs.tolist(), poss.tolist(), strict=True))[:EJECT_POSITIONS]:
        seq = cur[v][:p] + [k] + cur[v][p:]
        removed: list[int] = []
        penalty = 0.0
        while len(removed) < EJECT_MAX:
            movable = [
                j
                for j in seq
                if j != k and not visits[j].required and not visits[j].fixed and visits[j].pinned is None and URGENCY_RANK[visits[j].urgency] > rank
            ]
            if not movable:
                break
            options = []
            for j in movable:
                trial = [x for x in seq if x != j]
                res = sch.schedule(v, trial)
                options.append((res is None, unplanned_penalty(visits[j], day_start) / (1 + sch.service[j]), j, trial, res))
            options.sort(key=lambda o: (o[0], o[1]))
            infeasible, _, j, seq, res = options[0]
            removed.append(j)
            penalty += unplanned_penalty(visits[j], day_start)
            if not infeasible:
                assert res is not None
                start = res[0][seq.index(k)]
                cost = penalty + EMERGENCY_EARLY_PER_SECOND * start
                if best is None or cost < best[0]:
                    best = (cost, v, seq, removed)
                break
            if best is not None and penalty >= best[0]:
                break
    if best is None:
        return None
    _, v, seq, removed = best
    cur[v][:] = seq
    return v, removed


def plan_from_routes(
    problem: DispatchProblem,
    routes: Sequence[Sequence[int]],
    status: PlanStatus,
    solve_seconds: float,
    *,
    scheduler: Scheduler | None = None,
    arc_cost: str = "seconds",
    keep: dict[int, Route] | None = None,
) -> Plan:
    """A `Plan` from visit positions per concierge with earliest times (routes in `keep` are taken as
    they are). Raises ValueError if a route is infeasible."""
    sch = scheduler or Scheduler.of(problem)
    out: list[Route] = []
    seen: set[int] = set()
    met_of = [sch.travel.meters[p] for p in sch.travel.vehicle_profile]
    for v, c in enumerate(problem.concierges):
        seq = list(routes[v])
        seen.update(seq)
        if keep is not None and v in keep:
            out.append(keep[v])
            continue
        if not seq:
            out.append(Route(c.id, (), c.shift_start * SECONDS_PER_MINUTE, c.shift_start * SECONDS_PER_MINUTE, 0, 0))
            continue
        res = sch.schedule(v, seq)
        if res is None:
            raise ValueError(f"route of {c.id} is infeasible")
        starts, end, bstart = res
        d_b = c.break_.minutes * SECONDS_PER_MINUTE if c.break_ is not None else 0
        brk = (bstart, bstart + d_b) if bstart is not None else None
        sec, met = sch.sec[v], met_of[v]
        prev = sch.starts[v]
        first_tr = int(sec[prev, seq[0]])
        # leave as late as possible, or at shift start when the break comes before the first visit
        before = brk is not None and brk[1] <= starts[0]
        route_start = c.shift_start * SECONDS_PER_MINUTE if before else starts[0] - first_tr
        route_start = max(route_start, c.shift_start * SECONDS_PER_MINUTE)
        stops = []
        t = route_start
        for j, k in enumerate(seq):
            tr, m = int(sec[prev, k]), int(met[prev, k])
            s = starts[j]
            stops.append(Stop(problem.visits[k].id, _arrival(t, tr, s, brk), s, s + sch.service[k], tr, m))
            t = s + sch.service[k]
            prev = k
        home = sch.ends[v]
        out.append(
            Route(c.id, tuple(stops), route_start, end, int(sec[prev, home]), int(met[prev, home]), brk[0] if brk else None, brk[1] if brk else None)
        )
    unplanned_k = [k for k in range(len(problem.visits)) if k not in seen]
    from dispatch.plan import Unplanned

    unplanned = tuple(Unplanned(problem.visits[k].id, Reason(ReasonCode.NOT_SEARCHED)) for k in unplanned_k)
    if any(problem.visits[k].required or problem.visits[k].fixed for k in unplanned_k):
        status = PlanStatus.INFEASIBLE
    cost = cost_breakdown(problem, out, [problem.visits[k].id for k in unplanned_k], "meters" if arc_cost == "meters" else "seconds")
    return Plan(status, tuple(out), unplanned, cost, solve_seconds, cost["total"])
