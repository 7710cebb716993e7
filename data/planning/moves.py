"""Hand edits of a proposal: walk a route in a given order (`route_times`), move a visit to another
concierge or position (`move_visit`), take one out (`unplan_visit`). Nothing is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from data.errors import ValidationError
from data.planning.snapshot import DaySnapshot
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, Unplanned
from dispatch.problem import Concierge as DConcierge
from dispatch.problem import DispatchProblem, Location, VisitStatus


@dataclass(frozen=True)
class Retimed:
    """A plan after a hand move, with warnings (window missed, shift overrun) for the dispatcher."""

    plan: Plan
    warnings: tuple[str, ...]


Leg = Callable[[DConcierge, Location, Location], tuple[int, int]]


def route_times(problem: DispatchProblem, concierge: str, visit_ids: Sequence[str], leg: Leg | None = None) -> tuple[Route, list[str]]:
    """Walk a concierge's stops in the given order: earliest times, the lunch break in the first gap that
    fits, and warnings for missed windows or an overrun shift. Fixed visits keep their start."""
    if leg is None:
        from dispatch.check import problem_legs

        leg = problem_legs(problem)
    c = problem.concierges[problem.concierge_index(concierge)]
    by_id = {v.id: v for v in problem.visits}
    warnings: list[str] = []
    t = c.shift_start * 60
    here = c.start
    stops: list[Stop] = []
    brk = c.break_
    break_at: int | None = None
    for vid in visit_ids:
        v = by_id[vid]
        secs, meters = leg(c, here, v.location)
        arrival = t + secs
        earliest = v.pinned.start * 60 if v.pinned is not None and v.pinned.start is not None else None
        if earliest is None and v.windows:
            earliest = v.windows[0].start * 60
        start = max(arrival, earliest or 0)
        if brk is not None and break_at is None and start > brk.earliest * 60:
            bs = max(t, brk.earliest * 60)
            if bs <= brk.latest * 60:
                break_at = bs
                arrival = max(arrival, bs + brk.minutes * 60 + secs)
                start = max(arrival, earliest or 0)
        if v.windows and v.status is VisitStatus.OPEN and not any(w.start * 60 <= start <= w.end * 60 for w in v.windows):
            warnings.append(f"{vid} starts at {_hhmm(start)}, outside its window {_hhmm(v.windows[0].start * 60)}–{_hhmm(v.windows[0].end * 60)}")
        end = start + v.duration * 60
        stops.append(Stop(vid, arrival, start, end, secs, meters))
        t, here = end, v.location
    if brk is not None and break_at is None and stops and t <= brk.latest * 60:
        break_at = max(t, brk.earliest * 60)
    back, back_m = leg(c, here, c.end_location) if stops else (0, 0)
    end_t = max(t + back, (break_at + brk.minutes * 60) if (brk and break_at is not None) else 0)
    if end_t > c.shift_end * 60 and stops:
        warnings.append(f"{concierge} is back at {_hhmm(end_t)}, after the shift ends at {_hhmm(c.shift_end * 60)}")
    if c.max_visits is not None and len(stops) > c.max_visits:
        warnings.append(f"{concierge} has {len(stops)} visits, more than the {c.max_visits} allowed")
    depart = stops[0].arrival - stops[0].travel_seconds if stops else c.shift_start * 60
    route = Route(concierge, tuple(stops), depart, end_t if stops else depart, back, back_m,
                  break_at, (break_at + brk.minutes * 60) if (brk and break_at is not None) else None)
    return route, warnings


def _hhmm(seconds: int) -> str:
    m = seconds // 60
    return f"{m // 60:02d}:{m % 60:02d}"


def move_visit(snapshot: DaySnapshot, plan: Plan, visit_id: str, concierge: str, position: int | None = None, *, leg: Leg | None = None) -> Retimed:
    """Move `visit_id` by hand to `concierge` at `position` (None: where it fits best in time), recompute
    both routes' times. Fixed visits cannot move. Nothing is written."""
    problem = snapshot.problem
    if visit_id in snapshot.fixed:
        raise ValidationError(f"{visit_id} is already in progress or done; it stays where it is", field="visit")
    problem.concierge_index(concierge)  # raises for an unknown concierge
    by_route = {r.concierge: [s.visit for s in r.stops] for r in plan.routes}
    old_c = next((c for c, ids in by_route.items() if visit_id in ids), None)
    if old_c is not None:
        by_route[old_c].remove(visit_id)
    target = by_route.setdefault(concierge, [])
    if position is None:
        position = _best_position(plan, problem, target, visit_id)
    position = max(0, min(position, len(target)))
    # never before a fixed stop
    while position < len(target) and target[position] in snapshot.fixed:
        position += 1
    target.insert(position, visit_id)
    warnings: list[str] = []
    routes = []
    for r in plan.routes:
        if r.concierge in (concierge, old_c):
            nr, w = route_times(problem, r.concierge, by_route[r.concierge], leg)
            routes.append(nr)
            warnings += w
        else:
            routes.append(r)
    if concierge not in {r.concierge for r in plan.routes}:
        nr, w = route_times(problem, concierge, by_route[concierge], leg)
        routes.append(nr)
        warnings += w
    unplanned = tuple(u for u in plan.unplanned if u.visit != visit_id)
    return Retimed(dataclasses.replace(plan, routes=tuple(routes), unplanned=unplanned, status=PlanStatus.FEASIBLE), tuple(warnings))


def _best_position(plan: Plan, problem: DispatchProblem, ids: Sequence[str], visit_id: str) -> int:
    """Insert by time: before the first stop whose window starts later than the visit's."""
    v = problem.visit(visit_id)
    want = v.pinned.start if v.pinned is not None and v.pinned.start is not None else (v.windows[0].start if v.windows else 0)
    starts = {s.visit: s.start for r in plan.routes for s in r.stops}
    for k, vid in enumerate(ids):
        if starts.get(vid, 0) > want * 60:
            return k
    return len(ids)


def unplan_visit(snapshot: DaySnapshot, plan: Plan, visit_id: str, *, leg: Leg | None = None) -> Plan:
    """Take a visit out of the proposal by hand (its route re-timed); it is listed as unplanned."""
    if visit_id in snapshot.fixed:
        raise ValidationError(f"{visit_id} is already in progress or done; it stays where it is", field="visit")
    routes = []
    for r in plan.routes:
        ids = [s.visit for s in r.stops]
        if visit_id in ids:
            ids.remove(visit_id)
            r, _ = route_times(snapshot.problem, r.concierge, ids, leg)
        routes.append(r)
    reason = Reason(ReasonCode.PINNED_CONFLICT, {"concierge": None, "by_hand": True})
    return dataclasses.replace(plan, routes=tuple(routes), unplanned=(*plan.unplanned, Unplanned(visit_id, reason)))
