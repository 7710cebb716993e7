"""Re-planning during the day: insert new (emergency) visits into a committed plan with little disruption.

Visits finished before `now`, the one in progress and the one a concierge is already travelling to stay
where they are; every concierge starts from where they are (that visit, a reported position, or the last
finished visit) no earlier than `now`.

Insertion first: the committed routes are kept as they are, the new (and displaced) visits are inserted
at their cheapest feasible position (emergencies as early as possible) by `dispatch.construct`, and only
the routes that receive a visit are re-timed, keeping their visits no earlier than committed. Only when a
new emergency or required visit cannot be inserted does it fall back to a solver search from the committed
routes, where moving a committed visit to another concierge or later in the day costs something (see
`model.MOVE_*`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

from dispatch.check import Leg, _check_route, problem_legs
from dispatch.construct import insert
from dispatch.costs import unplanned_penalty
from dispatch.evaluate import Evaluator
from dispatch.explain import cheap_reason
from dispatch.params import Progress, ProgressFn, SolveParams, StopFn
from dispatch.plan import Plan, PlanStatus, ReasonCode, Route, Stop
from dispatch.problem import Concierge, DispatchProblem, Location, Urgency, Visit, VisitStatus
from dispatch.solve import solve

#: Default search for a re-plan: a quick descent from the committed routes.
REPLAN_PARAMS = SolveParams(time_limit=1.5, metaheuristic="GREEDY_DESCENT", first_solution="LOCAL_CHEAPEST_INSERTION", explain=True)
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


def _floor_min(seconds: int) -> int:
    """Whole minutes of a time in seconds, rounded down: a concierge free at 10:51:50 counts as free at
    10:51 (the problem's times are minutes; rounding up would make tight committed routes infeasible)."""
    return math.floor(seconds / 60)


def freeze(
    problem: DispatchProblem, committed: Plan, now: int, positions: Mapping[str, Location] | None = None
) -> tuple[DispatchProblem, dict[str, list[Stop]]]:
    """The open part of the day at minute `now`, and each concierge's fixed stops (done, in progress, or
    the one they are travelling to, with everything before it)."""
    positions = positions or {}
    by_id = {v.id: v for v in problem.visits}
    now_s = now * 60
    fixed: dict[str, list[Stop]] = {}
    concierges: list[Concierge] = []
    for c in problem.concierges:
        route = next((r for r in committed.routes if r.concierge == c.id), None)
        stops = list(route.stops) if route else []
        # a concierge leaves as soon as a visit ends (and waits at the next one), so the stop they left for
        # before now is where they are going
        departs = [(route.start if j == 0 else stops[j - 1].end) for j in range(len(stops))] if route is not None else []
        done = [s for j, s in enumerate(stops) if departs[j] < now_s or (s.visit in by_id and by_id[s.visit].status is not VisitStatus.OPEN)]
        # keep the prefix only: everything up to the last stop already started, finished or travelled to
        if done:
            last_k = max(stops.index(s) for s in done)
            done = stops[: last_k + 1]
        fixed[c.id] = done
        start_loc, start_t = c.start, c.shift_start
        if done:
            last = done[-1]
            start_loc, start_t = by_id[last.visit].location, max(start_t, _floor_min(last.end))
        start_t = max(start_t, now)
        if c.id in positions and not (done and done[-1].end > now_s):
            start_loc = positions[c.id]
        brk = c.break_
        taken = route is not None and route.break_start is not None and (
            route.break_start < now_s or (bool(done) and (route.break_end or 0) <= done[-1].start)
        )  # before now, or before a stop that stays
        if brk is not None and route is not None and route.break_start is not None and taken:
            start_t = max(start_t, _floor_min(route.break_end or route.break_start))
            brk = None
        if brk is not None and brk.latest < start_t:
            brk = None
        elif brk is not None:
            brk = dataclasses.replace(brk, earliest=max(brk.earliest, start_t))
        concierges.append(dataclasses.replace(c, start=start_loc, end=c.end_location, shift_start=min(start_t, c.shift_end), break_=brk))
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
    insert_only: bool = False,
) -> Replan:
    """Re-plan the rest of the day at minute `now`. `problem` holds all visits (committed and new);
    `positions` optionally overrides where concierges are now. `insert_only`: never fall back to a search
    (a visit insertion cannot place stays unplanned), for an answer in a blink (e.g. a pin's effect)."""
    t0 = time.monotonic()
    sub, fixed = freeze(problem, committed, now, positions)
    old = committed.assignment()
    subplan = _insert(sub, committed, old, t0, give_up=not insert_only)
    if subplan is None:
        sub_ids = {v.id for v in sub.visits}
        hint = [[s.visit for s in r.stops if s.visit in sub_ids] for r in _routes_in_order(committed, sub)]
        previous = {vid: (c, s // 60) for vid, (c, s) in old.items() if vid in sub_ids}
        quiet = dataclasses.replace(params, explain=False)  # cheap reasons below: relaxed re-solves would take seconds
        subplan = solve(sub, quiet, should_stop=should_stop, on_progress=on_progress, initial_routes=hint, previous=previous)
    elif on_progress is not None:
        on_progress(Progress(int(subplan.cost["total"]), time.monotonic() - t0, subplan.planned, plan=subplan))
    if params.explain and subplan.unplanned and any(u.reason.code is ReasonCode.NOT_SEARCHED for u in subplan.unplanned):
        from dispatch.explain import explain_unplanned

        subplan = explain_unplanned(sub, subplan, deadline=t0 + params.time_limit)
    return _assemble(committed, sub, fixed, subplan, old)


def _insert(sub: DispatchProblem, committed: Plan, old: Mapping[str, tuple[str, int]], t0: float, give_up: bool = True) -> Plan | None:
    """Keep committed routes, insert the rest at the cheapest feasible positions; None if a new emergency or
    required visit does not fit and `give_up` (the caller then searches)."""
    ev = Evaluator(sub)
    pos = {v.id: k for k, v in enumerate(sub.visits)}
    routes = [[pos[s.visit] for s in r.stops if s.visit in pos] for r in _routes_in_order(committed, sub)]
    todo: list[int] = []
    day_start = min((c.shift_start for c in sub.concierges), default=0)
    for v, seq in enumerate(routes):
        # a committed route that no longer fits (e.g. the concierge is late): drop its least important visits
        while seq and not ev.valid(v, seq):
            worst = min(range(len(seq)), key=lambda j: (unplanned_penalty(sub.visits[seq[j]], day_start), -j))
            todo.append(seq.pop(worst))
    # new visits (neither routed nor left out by the committed plan); left-out ones stay out
    known = set(old) | {u.visit for u in committed.unplanned}
    todo += [k for k, v in enumerate(sub.visits) if v.id not in known]
    built, left = insert(ev, routes, todo, eject=True, disruption=True)
    # a new emergency or required visit left out: a search may do better, unless it is impossible anyway
    urgent = [k for k in left if (sub.visits[k].urgency is Urgency.EMERGENCY and sub.visits[k].id not in old) or sub.visits[k].required]
    if give_up and any(cheap_reason(sub, sub.visits[k], ev) is None for k in urgent):
        return None
    keep: dict[int, Route] = {}
    for v, (c, seq) in enumerate(zip(sub.concierges, built, strict=True)):
        verbatim = _verbatim(sub, v, _route(committed, c.id), seq)
        if verbatim is not None:
            keep[v] = verbatim
    # re-timed routes keep their committed visits no earlier than before, where that fits
    committed_starts = {k: old[sub.visits[k].id][1] for seq in built for k in seq if sub.visits[k].id in old}
    late = ev.not_before(committed_starts)
    fits = {k for v, seq in enumerate(built) if v not in keep and late.valid(v, seq) for k in seq}
    late = ev.not_before({k: s for k, s in committed_starts.items() if k in fits})
    plan = late.plan(built, PlanStatus.FEASIBLE, time.monotonic() - t0, keep=keep)
    reasons = {u.visit: u.reason for u in committed.unplanned}
    unplanned = tuple(dataclasses.replace(u, reason=reasons.get(u.visit, u.reason)) for u in plan.unplanned)
    return dataclasses.replace(plan, unplanned=unplanned)


def _verbatim(sub: DispatchProblem, v: int, before: Route, seq: list[int], leg: Leg | None = None) -> Route | None:
    """The committed route's open part, unchanged, if it has the same visits and still checks out (travel
    from `leg`, default the problem's own)."""
    ids = [sub.visits[k].id for k in seq]
    stops = tuple(s for s in before.stops if s.visit in set(ids))
    if [s.visit for s in stops] != ids:
        return None
    c = sub.concierges[v]
    start = c.shift_start * 60
    if not stops:
        return Route(c.id, (), start, start, 0, 0)
    route = dataclasses.replace(before, stops=stops, start=max(start, min(before.start, stops[0].start)))
    if route.start > stops[0].arrival - stops[0].travel_seconds:
        route = dataclasses.replace(route, start=start)
    if before.break_start is not None and (c.break_ is None or before.break_start < start):
        route = dataclasses.replace(route, break_start=None, break_end=None)
    errors: list[str] = []
    _check_route(sub, route, leg or problem_legs(sub), errors)
    return route if not errors else None


def _assemble(committed: Plan, sub: DispatchProblem, fixed: dict[str, list[Stop]], subplan: Plan, old: Mapping[str, tuple[str, int]]) -> Replan:
    """The whole day's plan (fixed stops first), the moves and the changed routes."""
    sub_ids = {v.id for v in sub.visits}
    routes = []
    for r in subplan.routes:
        keep = tuple(fixed.get(r.concierge, []))
        if keep:
            orig = next(x for x in committed.routes if x.concierge == r.concierge)
            start = orig.start
            if not r.stops:
                r = dataclasses.replace(r, start=keep[-1].end, end=keep[-1].end + r.return_seconds)
            r = dataclasses.replace(r, stops=keep + r.stops, start=start)
        routes.append(_keep_taken_break(r, _route(committed, r.concierge)))
    plan = dataclasses.replace(subplan, routes=tuple(routes))
    new = plan.assignment()
    moves = []
    for vid, (c, s) in old.items():
        if vid not in sub_ids:
            continue
        nc, ns = new.get(vid, (None, None))
        if nc != c or ns is None or abs(ns - s) >= MOVE_THRESHOLD_SECONDS:
            moves.append(Move(vid, c, nc, s, ns))
    changed = tuple(r.concierge for r in plan.routes if [s.visit for s in r.stops] != [s.visit for s in _route(committed, r.concierge).stops])
    inserted = tuple(vid for vid in new if vid not in old)
    return Replan(plan, sub, subplan, tuple(moves), changed, inserted)


def _keep_taken_break(route: Route, before: Route) -> Route:
    """A committed break the open part no longer plans (taken before now, or before a stop that stays) is
    still part of the day: the re-planned route keeps it where no stop overlaps it."""
    if route.break_start is not None or before.break_start is None or before.break_end is None or not route.stops:
        return route
    b0, b1 = before.break_start, before.break_end
    if any(s.start < b1 and b0 < s.end for s in route.stops):
        return route
    return dataclasses.replace(route, break_start=b0, break_end=b1)


def _route(plan: Plan, concierge: str) -> Route:
    for r in plan.routes:
        if r.concierge == concierge:
            return r
    return Route(concierge, (), 0, 0, 0, 0)


def _routes_in_order(plan: Plan, problem: DispatchProblem) -> list[Route]:
    return [_route(plan, c.id) for c in problem.concierges]
