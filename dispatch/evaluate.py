"""The one exact evaluator: every engine's routes are scheduled, checked and scored here.

`Evaluator.schedule` times a route (windows, shift, break, pins) with the compiled kernels of
`dispatch.kernels`; `Evaluator.violation` adds what is not about time (who may serve a visit, max visits,
capacity); `Evaluator.cost` adds up the objective of `dispatch.costs`; `Evaluator.plan` turns routes into a
`Plan` with those times and that cost, whichever engine found them. `repair` makes an engine's routes valid
under this evaluator by dropping the fewest, least important visits. The independent checker
(`dispatch.check`) re-verifies plans without any of this code.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dispatch import kernels
from dispatch.costs import DEDICATED_PENALTY, ArcCost
from dispatch.instance import (
    INF,
    K_DED,
    K_FROM,
    K_LOAD,
    K_NWIN,
    K_PEN,
    K_RATE,
    K_REQ,
    K_SVC,
    V_BD,
    V_CAP,
    V_END,
    V_MAX,
    V_SS,
    V_START,
    Instance,
    build_instance,
)
from dispatch.nodes import Nodes, Travel, build_travel
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, Unplanned, arrival_time
from dispatch.problem import DispatchProblem, Urgency


@dataclass(frozen=True)
class Schedule:
    """A feasible route's times (seconds): service starts, return, break start (None without a break),
    and its time cost (emergency delay and lateness)."""

    starts: tuple[int, ...]
    end: int
    break_start: int | None
    time_cost: int


Routes = Sequence[Sequence[int]]


class Evaluator:
    """Exact schedules and costs for one problem (visit positions per concierge)."""

    def __init__(self, problem: DispatchProblem, travel: Travel | None = None, arc_cost: ArcCost = "seconds", nodes: Nodes | None = None) -> None:
        self.problem = problem
        self.nodes = nodes or Nodes.of(problem)
        self.travel = travel or build_travel(problem, self.nodes)
        self.arc_cost: ArcCost = arc_cost
        self.inst: Instance = build_instance(problem, self.travel, arc_cost, self.nodes)
        self.day_start = min((c.shift_start for c in problem.concierges), default=0)

    def not_before(self, starts: Mapping[int, int]) -> Evaluator:
        """A copy whose visits k in `starts` may not start before starts[k] (seconds): their windows are
        clipped (a visit whose every window would close keeps its own)."""
        ws, we, vis = self.inst.ws.copy(), self.inst.we.copy(), self.inst.vis.copy()
        for k, nb in starts.items():
            n = int(vis[k, K_NWIN])
            keep = [(max(int(a), nb), int(b)) for a, b in zip(ws[k, :n], we[k, :n], strict=True) if b >= nb]
            if keep:
                ws[k], we[k] = INF, -INF
                ws[k, : len(keep)] = [a for a, _ in keep]
                we[k, : len(keep)] = [b for _, b in keep]
                vis[k, K_NWIN] = len(keep)
        out = copy.copy(self)
        out.inst = self.inst._replace(ws=ws, we=we, vis=vis)
        return out

    # --- one route ---------------------------------------------------------------------------------
    def schedule(self, v: int, seq: Sequence[int]) -> Schedule | None:
        """The earliest schedule of `seq` for concierge v, or None when its times cannot work."""
        arr = np.asarray(seq, dtype=np.int64)
        starts = np.zeros(max(1, len(arr)), dtype=np.int64)
        end, cost, bstart = kernels.route_times(self.inst, v, arr, len(arr), starts)
        if end >= INF:
            return None
        return Schedule(tuple(int(s) for s in starts[: len(arr)]), int(end), None if bstart < 0 else int(bstart), int(cost))

    def violation(self, v: int, seq: Sequence[int]) -> str | None:
        """What besides time makes `seq` invalid for concierge v (skills, dedication, pins, max visits,
        capacity, a visit twice), or None."""
        inst = self.inst
        if len(seq) > inst.veh[v, V_MAX]:
            return "max_visits"
        if sum(int(inst.vis[k, K_LOAD]) for k in seq) > inst.veh[v, V_CAP]:
            return "capacity"
        if len(set(seq)) != len(seq):
            return "duplicate"
        for k in seq:
            if not inst.allowed[k, v]:
                return f"not allowed: {self.problem.visits[k].id}"
        return None

    def valid(self, v: int, seq: Sequence[int]) -> bool:
        """Feasible in every respect."""
        return self.violation(v, seq) is None and self.schedule(v, seq) is not None

    def route_cost(self, v: int, seq: Sequence[int]) -> int:
        """Travel + time cost + dedicated misses of a valid route."""
        sch = self.schedule(v, seq)
        assert sch is not None
        arr = np.asarray(seq, dtype=np.int64)
        ded = sum(DEDICATED_PENALTY for k in seq if self.inst.vis[k, K_DED] not in (-1, v))
        return int(kernels.arc_cost(self.inst, v, arr, len(arr))) + sch.time_cost + ded

    # --- a whole plan ------------------------------------------------------------------------------
    def cost(self, routes: Routes) -> dict[str, int]:
        """The objective terms of valid routes (visits not in a route are unplanned) and their total."""
        inst, visits = self.inst, self.problem.visits
        served = np.zeros(len(visits), dtype=np.bool_)
        travel = early = late = dedicated = 0
        for v, seq in enumerate(routes):
            if not seq:
                continue
            sch = self.schedule(v, seq)
            assert sch is not None, f"route {v} is infeasible"
            arr = np.asarray(seq, dtype=np.int64)
            travel += int(kernels.arc_cost(inst, v, arr, len(arr)))
            for k, s in zip(seq, sch.starts, strict=True):
                served[k] = True
                c = int(inst.vis[k, K_RATE]) * max(0, s - int(inst.vis[k, K_FROM]))
                if visits[k].urgency is Urgency.EMERGENCY:
                    early += c
                else:
                    late += c
                if inst.vis[k, K_DED] not in (-1, v):
                    dedicated += DEDICATED_PENALTY
        unplanned = int(inst.vis[~served & (inst.vis[:, K_REQ] == 0), K_PEN].sum())
        terms = {"emergency_delay": early, "lateness": late, "unplanned": unplanned, "dedicated": dedicated, "travel": travel}
        terms["total"] = sum(terms.values())
        return terms

    def total(self, routes: Routes) -> int:
        """The objective of valid routes."""
        return self.cost(routes)["total"]

    def repair(self, routes: Routes) -> list[list[int]]:
        """`routes` made valid: unknown and repeated visits dropped, then from each invalid route the visit
        whose removal helps most (least important first) until it is valid. Valid routes are unchanged."""
        out: list[list[int]] = []
        seen: set[int] = set()
        n = len(self.problem.visits)
        for v in range(len(self.problem.concierges)):
            seq = [k for k in (routes[v] if v < len(routes) else []) if 0 <= k < n and k not in seen]
            while seq and not self.valid(v, seq):
                seq.remove(min(seq, key=lambda k: (not self.valid(v, [j for j in seq if j != k]), int(self.inst.vis[k, K_PEN]), k)))
            seen.update(seq)
            out.append(seq)
        return out

    def plan(
        self,
        routes: Routes,
        status: PlanStatus,
        solve_seconds: float,
        *,
        keep: Mapping[int, Route] | None = None,
        reasons: Mapping[str, Reason] | None = None,
    ) -> Plan:
        """A `Plan` from valid routes, times from `schedule` (routes in `keep` are taken as they are);
        unplanned visits get `reasons` (default: not searched). Raises ValueError for an invalid route."""
        problem, travel, inst = self.problem, self.travel, self.inst
        out: list[Route] = []
        seen: set[int] = set()
        for v, c in enumerate(problem.concierges):
            seq = list(routes[v]) if v < len(routes) else []
            seen.update(seq)
            if keep is not None and v in keep:
                out.append(keep[v])
                continue
            shift_start = int(inst.veh[v, V_SS])
            if not seq:
                out.append(Route(c.id, (), shift_start, shift_start, 0, 0))
                continue
            sch = self.schedule(v, seq)
            if sch is None or self.violation(v, seq) is not None:
                raise ValueError(f"route of {c.id} is infeasible")
            brk = (sch.break_start, sch.break_start + int(inst.veh[v, V_BD])) if sch.break_start is not None else None
            prev = int(inst.veh[v, V_START])
            first_tr, _ = travel.leg(v, prev, seq[0])
            # leave as late as possible, or at shift start when the break comes before the first visit
            before = brk is not None and brk[1] <= sch.starts[0]
            route_start = max(shift_start, shift_start if before else sch.starts[0] - first_tr)
            stops = []
            t = route_start
            for k, s in zip(seq, sch.starts, strict=True):
                tr, m = travel.leg(v, prev, k)
                svc = int(inst.vis[k, K_SVC])
                stops.append(Stop(problem.visits[k].id, arrival_time(t, tr, s, brk), s, s + svc, tr, m))
                t = s + svc
                prev = k
            ret_s, ret_m = travel.leg(v, prev, int(inst.veh[v, V_END]))
            out.append(Route(c.id, tuple(stops), route_start, sch.end, ret_s, ret_m, brk[0] if brk else None, brk[1] if brk else None))
        missing = [k for k in range(len(problem.visits)) if k not in seen]
        reasons = reasons or {}
        unplanned = tuple(Unplanned(problem.visits[k].id, reasons.get(problem.visits[k].id, Reason(ReasonCode.NOT_SEARCHED))) for k in missing)
        if any(bool(inst.vis[k, K_REQ]) for k in missing):
            status = PlanStatus.INFEASIBLE
        cost = self.cost([list(routes[v]) if v < len(routes) and (keep is None or v not in keep) else [] for v in range(len(problem.concierges))])
        if keep:
            cost = _with_kept(self, cost, keep, routes)
        return Plan(status, tuple(out), unplanned, cost, solve_seconds, cost["total"])


def _with_kept(ev: Evaluator, cost: dict[str, int], keep: Mapping[int, Route], routes: Routes) -> dict[str, int]:
    """Add the travel and time costs of routes kept verbatim (re-planning) to `cost`, from their own times."""
    inst, visits = ev.inst, ev.problem.visits
    pos = {v.id: k for k, v in enumerate(visits)}
    out = dict(cost)
    for v, r in keep.items():
        out["travel"] += r.travel_seconds if ev.arc_cost == "seconds" else r.travel_meters
        for s in r.stops:
            k = pos[s.visit]
            c = int(inst.vis[k, K_RATE]) * max(0, s.start - int(inst.vis[k, K_FROM]))
            out["emergency_delay" if visits[k].urgency is Urgency.EMERGENCY else "lateness"] += c
            if inst.vis[k, K_DED] not in (-1, v):
                out["dedicated"] += DEDICATED_PENALTY
    served = {s.visit for r in keep.values() for s in r.stops}
    out["unplanned"] -= sum(int(inst.vis[pos[vid], K_PEN]) for vid in served if not inst.vis[pos[vid], K_REQ])
    out["total"] = sum(val for key, val in out.items() if key != "total")
    return out
