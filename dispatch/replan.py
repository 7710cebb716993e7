"""Re-planning during the day: insert new (emergency) visits into a committed plan with little disruption.

Visits finished before `now` and the one in progress stay where they are; every concierge starts from
where they are (the in-progress visit, a reported position, or the last finished visit) no earlier than
`now`. Moving a committed visit to another concierge or later in the day costs something (see
`model.MOVE_*`), the committed routes are the starting solution, and the search is a short descent.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from dispatch.plan import Plan, Route, Stop
from dispatch.problem import Concierge, DispatchProblem, Location, Visit, VisitStatus
from dispatch.solve import ProgressFn, SolveParams, StopFn, solve

#: Default search for a re-plan: a quick descent from the committed routes.
REPLAN_PARAMS = SolveParams(time_limit=1.5, metaheuristic="GREEDY_DESCENT", first_solution="LOCAL_CHEAPEST_INSERTION")
#: A start that shifts less than this is not reported as a move.
MOVE_THRESHOLD_SECONDS = 60


@dataclass(frozen=True)
class Move:
    """A committed visit that changes concierge or start time (seconds)."""

    visit: str
    from_concierge: str
    to_concierge: str | None  # None: now unplanned
    old_start: int
    new_start: int | None

    @property
    def minutes(self) -> int:
        """How many minutes later (negative: earlier) it starts."""
        return 0 if self.new_start is None else round((self.new_start - self.old_start) / 60)


@dataclass(frozen=True)
class Replan:
    """The new plan for the whole day (fixed stops included), the open part that was solved (`subproblem`
    and `subplan`, which the checker can verify), the moves of committed visits, the routes that changed
    and the new visits that were inserted."""

    plan: Plan
    subproblem: DispatchProblem
    subplan: Plan
    moves: tuple[Move, ...]
    changed_routes: tuple[str, ...]
    inserted: tuple[str, ...]


def _ceil_min(seconds: int) -> int:
    return math.ceil(seconds / 60)


def freeze(
    problem: DispatchProblem, committed: Plan, now: int, positions: Mapping[str, Location] | None = None
) -> tuple[DispatchProblem, dict[str, list[Stop]]]:
    """The open part of the day at minute `now`, and each concierge's fixed (done / in-progress) stops."""
    positions = positions or {}
    by_id = {v.id: v for v in problem.visits}
    now_s = now * 60
    fixed: dict[str, list[Stop]] = {}
    concierges: list[Concierge] = []
    for c in problem.concierges:
        route = next((r for r in committed.routes if r.concierge == c.id), None)
        stops = list(route.stops) if route else []
        done = [s for s in stops if s.start < now_s or (by_id.get(s.visit) is not None and by_id[s.visit].status is not VisitStatus.OPEN)]
        fixed[c.id] = done
        start_loc, start_t = c.start, c.shift_start
        if done:
            last = done[-1]
            start_loc, start_t = by_id[last.visit].location, max(start_t, _ceil_min(last.end))
        start_t = max(start_t, now)
        if c.id in positions and not (done and done[-1].end > now_s):
            start_loc = positions[c.id]
        brk = c.break_
        if brk is not None and route is not None and route.break_start is not None and route.break_start < now_s:
            start_t = max(start_t, _ceil_min(route.break_end or route.break_start))
            brk = None
        if brk is not None and brk.latest < start_t:
            brk = None
        elif brk is not None:
            brk = dataclasses.replace(brk, earliest=max(brk.earliest, start_t))
        concierges.append(dataclasses.replace(c, start=start_loc, shift_start=min(start_t, c.shift_end), break_=brk))
    fixed_ids = {s.visit for ss in fixed.values() for s in ss}
    visits: list[Visit] = [v for v in problem.visits if v.id not in fixed_ids and v.status is VisitStatus.OPEN]
    sub = dataclasses.replace(problem, concierges=tuple(concierges), visits=tuple(visits))
    return sub, fixed


def replan(
    problem: DispatchProblem,
    committed: Plan,
    now: int,
    *,
    positions: Mapping[str, Location] | None = None,
    params: SolveParams = REPLAN_PARAMS,
    should_stop: StopFn | None = None,
    on_progress: ProgressFn | None = None,
) -> Replan:
    """Re-plan the rest of the day at minute `now`. `problem` holds all visits (committed and new);
    `positions` optionally overrides where concierges are now."""
    sub, fixed = freeze(problem, committed, now, positions)
    sub_ids = {v.id for v in sub.visits}
    old = committed.assignment()
    hint = [[s.visit for s in r.stops if s.visit in sub_ids] for r in _routes_in_order(committed, sub)]
    previous = {vid: (c, s // 60) for vid, (c, s) in old.items() if vid in sub_ids}
    subplan = solve(sub, params, should_stop=should_stop, on_progress=on_progress, initial_routes=hint, previous=previous)
    routes = []
    for r in subplan.routes:
        keep = tuple(fixed.get(r.concierge, []))
        if keep:
            orig = next(x for x in committed.routes if x.concierge == r.concierge)
            start = orig.start
            if not r.stops:
                r = dataclasses.replace(r, start=keep[-1].end, end=keep[-1].end + r.return_seconds)
            r = dataclasses.replace(r, stops=keep + r.stops, start=start)
        routes.append(r)
    plan = dataclasses.replace(subplan, routes=tuple(routes))
    new = plan.assignment()
    moves = []
    for vid, (c, s) in old.items():
        if vid not in sub_ids:
            continue
        nc, ns = new.get(vid, (None, None))
        if nc != c or ns is None or abs(ns - s) >= MOVE_THRESHOLD_SECONDS:
            moves.append(Move(vid, c, nc, s, ns))
    changed = tuple(
        r.concierge for r in plan.routes if [s.visit for s in r.stops] != [s.visit for s in _route(committed, r.concierge).stops]
    )
    inserted = tuple(vid for vid in new if vid not in old)
    return Replan(plan, sub, subplan, tuple(moves), changed, inserted)


def _route(plan: Plan, concierge: str) -> Route:
    for r in plan.routes:
        if r.concierge == concierge:
            return r
    return Route(concierge, (), 0, 0, 0, 0)


def _routes_in_order(plan: Plan, problem: DispatchProblem) -> list[Route]:
    return [_route(plan, c.id) for c in problem.concierges]
