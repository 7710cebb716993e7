"""First solutions by insertion, on the evaluator.

- `first_solution`: the whole day by regret insertion (the LNS's recreate step run from empty routes),
  most important first: required and done visits, then emergencies, then by unplanned penalty, in
  batches so later visits see where earlier ones went. A 1,000-visit day takes well under a second; the
  portfolio builds it once, in the parent, and every engine starts from it.
- `insert`: re-planning's insertion into committed routes. With `eject`, an emergency or required visit
  that fits nowhere pushes lower-urgency visits out of the route where that costs least (they are
  inserted elsewhere if possible); with `disruption`, adding to a route that already has visits costs
  ROUTE_TOUCH_COST and every second other visits start later costs MOVE_TIME_PER_SECOND, so idle
  concierges and slack are used first.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.costs import MOVE_TIME_PER_SECOND, unplanned_penalty
from dispatch.engines.lns.loop import Lns
from dispatch.evaluate import Evaluator
from dispatch.instance import K_PEN, K_REQ, K_SVC, K_URG
from dispatch.problem import Urgency, Visit

#: Re-planning: adding a visit to a route that already has visits (cost units, like 30 minutes of travel).
ROUTE_TOUCH_COST = 1800
URGENCY_RANK = {Urgency.EMERGENCY: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}
#: Visits pushed out at most when an urgent visit forces its way in.
EJECT_MAX = 3

Routes = list[list[int]]


def insertion_order(ev: Evaluator) -> list[int]:
    """Visits most important first: required and done, emergencies, then by unplanned penalty."""
    vis = ev.inst.vis
    return sorted(range(len(ev.problem.visits)), key=lambda k: (not vis[k, K_REQ], not vis[k, K_URG], -int(vis[k, K_PEN]), k))


def first_solution(ev: Evaluator, lns: Lns | None = None) -> Routes:
    """The day built by regret insertion, most important visits first (see the module docstring)."""
    if not ev.problem.concierges or not ev.problem.visits:
        return [[] for _ in ev.problem.concierges]
    lns = lns or Lns.of(ev.inst)
    return lns.construct(insertion_order(ev))


def _insertion_cost(ev: Evaluator, v: int, seq: list[int], k: int, old: Sequence[int] | None) -> float | None:
    """Added cost of `seq` (k inserted) over the route without k, with re-planning's disruption terms when
    `old` (the committed starts of the other visits) is given; None when infeasible."""
    if ev.violation(v, seq) is not None or ev.schedule(v, seq) is None:
        return None
    before = [j for j in seq if j != k]
    cost = float(ev.route_cost(v, seq) - (ev.route_cost(v, before) if before else 0))
    if old is not None and before:
        sch = ev.schedule(v, seq)
        assert sch is not None
        starts = [s for j, s in zip(seq, sch.starts, strict=True) if j != k]
        cost += ROUTE_TOUCH_COST + MOVE_TIME_PER_SECOND * sum(max(0, a - b) for a, b in zip(starts, old, strict=True))
    return cost


def insert(
    ev: Evaluator, routes: Sequence[Sequence[int]], only: Sequence[int], *, eject: bool = False, disruption: bool = False
) -> tuple[Routes, list[int]]:
    """Insert the visits `only` (most important first) into `routes` at their cheapest feasible positions;
    returns the routes and the visits left out (see the module docstring)."""
    cur = [list(r) for r in routes]
    problem = ev.problem
    day_start = ev.day_start
    committed: dict[int, list[int]] = {}
    if disruption:
        for v, seq in enumerate(cur):
            sch = ev.schedule(v, seq) if seq else None
            committed[v] = list(sch.starts) if sch is not None else []
    order = sorted(only, key=lambda k: insertion_order(ev).index(k)) if len(only) < 200 else list(only)
    queue, left = list(order), []
    while queue:
        k = queue.pop(0)
        best: tuple[float, int, list[int]] | None = None
        for v in range(len(cur)):
            if not ev.inst.allowed[k, v]:
                continue
            for p in range(len(cur[v]) + 1):
                seq = cur[v][:p] + [k] + cur[v][p:]
                old = committed.get(v) if disruption else None
                c = _insertion_cost(ev, v, seq, k, old)
                if c is not None and (best is None or c < best[0]):
                    best = (c, v, seq)
        urgent = problem.visits[k].required or problem.visits[k].urgency is Urgency.EMERGENCY
        if best is None and eject and urgent:
            pushed = _insert_ejecting(ev, cur, k, day_start)
            if pushed is not None:
                queue.extend(pushed)
                continue
        if best is None:
            left.append(k)
            continue
        _, v, seq = best
        cur[v] = seq
        if disruption:
            sch = ev.schedule(v, seq)
            committed[v] = list(sch.starts) if sch is not None else []
    return cur, left


def _movable(visit: Visit) -> bool:
    """May re-planning push this visit out (not required, done, in progress or pinned)?"""
    return not visit.required and not visit.fixed and visit.pinned is None


def _insert_ejecting(ev: Evaluator, cur: Routes, k: int, day_start: int) -> list[int] | None:
    """Insert urgent visit k into some route, pushing out up to EJECT_MAX less urgent, unpinned visits of
    that route; the cheapest option (penalties pushed out, then its start) wins. Returns the visits
    pushed out (cur is updated) or None."""
    visits = ev.problem.visits
    rank = URGENCY_RANK[visits[k].urgency] if not visits[k].required else -1
    best: tuple[float, int, list[int], list[int]] | None = None
    for v in range(len(cur)):
        if not ev.inst.allowed[k, v]:
            continue
        for p in range(len(cur[v]) + 1):
            seq = cur[v][:p] + [k] + cur[v][p:]
            removed: list[int] = []
            penalty = 0.0
            while len(removed) < EJECT_MAX:
                movable = [j for j in seq if j != k and _movable(visits[j]) and URGENCY_RANK[visits[j].urgency] > rank]
                if not movable:
                    break
                options = []
                for j in movable:
                    trial = [x for x in seq if x != j]
                    ok = ev.violation(v, trial) is None and ev.schedule(v, trial) is not None
                    options.append((not ok, unplanned_penalty(visits[j], day_start) / (1 + int(ev.inst.vis[j, K_SVC])), j, trial))
                options.sort(key=lambda o: (o[0], o[1]))
                infeasible, _, j, seq = options[0]
                removed.append(j)
                penalty += unplanned_penalty(visits[j], day_start)
                if not infeasible:
                    sch = ev.schedule(v, seq)
                    assert sch is not None
                    cost = penalty + sch.starts[seq.index(k)]
                    if best is None or cost < best[0]:
                        best = (cost, v, seq, removed)
                    break
                if best is not None and penalty >= best[0]:
                    break
    if best is None:
        return None
    _, v, seq, removed = best
    cur[v] = seq
    return removed
