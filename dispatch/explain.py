"""Why is a visit unplanned? Cheap checks first (skills, dedication, capacity, reachability of its
windows), then a relaxed re-solve where it is forced in: what it would displace, or a pinned conflict.
`reason_text` turns a `Reason` into a sentence a dispatcher understands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Unplanned
from dispatch.problem import Concierge, DispatchProblem, Visit

#: At most this many unplanned visits (most urgent first) get a relaxed re-solve; the rest get `full`.
MAX_RELAXED_CHECKS = 5
#: Relaxed re-solves only where they are cheap: problems up to this many visits.
RELAXED_MAX_VISITS = 200
#: Time limit of each relaxed re-solve (seconds).
RELAXED_TIME_LIMIT = 0.5
#: ... and its solution limit (keeps tiny checks instant and deterministic).
RELAXED_SOLUTION_LIMIT = 200
URGENCY_RANK = {"emergency": 0, "high": 1, "normal": 2, "low": 3}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _able(problem: DispatchProblem, visit: Visit) -> list[Concierge]:
    out = []
    for c in problem.concierges:
        if not visit.skills <= c.skills:
            continue
        if visit.dedicated_required and c.id != visit.dedicated:
            continue
        if visit.pinned is not None and visit.pinned.concierge not in (None, c.id):
            continue
        out.append(c)
    return out


def _reachable(problem: DispatchProblem, visit: Visit, c: Concierge) -> bool:
    """Could `c` go straight from the start of the shift to `visit` and home in time, within a window?"""
    from dispatch.check import problem_legs

    leg = problem_legs(problem)
    there, _ = leg(c, c.start, visit.location)
    back, _ = leg(c, visit.location, c.end_location)
    earliest = c.shift_start * 60 + there
    windows = [(w.start * 60, w.end * 60) for w in visit.windows] or [(c.shift_start * 60, c.shift_end * 60)]
    if visit.pinned is not None and visit.pinned.start is not None:
        windows = [(visit.pinned.start * 60, visit.pinned.start * 60)]
    for ws, we in windows:
        s = max(earliest, ws)
        if s <= we and s <= c.shift_end * 60 and s + visit.duration * 60 + back <= c.shift_end * 60:
            return True
    return False


def cheap_reason(problem: DispatchProblem, visit: Visit) -> Reason | None:
    """A reason that needs no search, or None."""
    missing = sorted(visit.skills - frozenset().union(*(c.skills for c in problem.concierges)))
    if missing or not any(visit.skills <= c.skills for c in problem.concierges):
        return Reason(ReasonCode.NO_SKILL, {"skills": missing or sorted(visit.skills)})
    able = _able(problem, visit)
    if not able:
        who = visit.dedicated if visit.dedicated_required else (visit.pinned.concierge if visit.pinned else None)
        return Reason(ReasonCode.NO_CONCIERGE, {"concierge": who, "skills": sorted(visit.skills)})
    if visit.load and all(c.capacity is not None and c.capacity < visit.load for c in able):
        return Reason(ReasonCode.CAPACITY, {"load": visit.load})
    if not any(_reachable(problem, visit, c) for c in able):
        return Reason(ReasonCode.WINDOW_UNREACHABLE, {"windows": [[w.start, w.end] for w in visit.windows]})
    return None


def relaxed_reason(problem: DispatchProblem, plan: Plan, visit: Visit) -> Reason:
    """Force `visit` in (required) and see what leaves: a pinned conflict or the visits it displaces."""
    from dispatch.solve import SolveParams, solve

    forced = tuple(dataclasses.replace(v, required=True) if v.id == visit.id else v for v in problem.visits)
    params = SolveParams(time_limit=RELAXED_TIME_LIMIT, solution_limit=RELAXED_SOLUTION_LIMIT, explain=False)
    trial = solve(dataclasses.replace(problem, visits=forced), params)
    served = {s.visit for r in trial.routes for s in r.stops}
    if visit.id not in served:
        if visit.pinned is not None:
            pinned = [v.id for v in problem.visits if v.pinned is not None and v.id != visit.id and v.pinned.concierge == visit.pinned.concierge]
            return Reason(ReasonCode.PINNED_CONFLICT, {"concierge": visit.pinned.concierge, "start": visit.pinned.start, "with": pinned})
        return Reason(ReasonCode.FULL, {"displace": []})
    before = {s.visit for r in plan.routes for s in r.stops}
    displaced = sorted(before - served)
    if visit.pinned is not None:
        clash = [vid for vid in displaced if (p := problem.visit(vid).pinned) is not None and p.concierge == visit.pinned.concierge]
        if clash:
            return Reason(ReasonCode.PINNED_CONFLICT, {"concierge": visit.pinned.concierge, "start": visit.pinned.start, "with": clash})
    return Reason(ReasonCode.FULL, {"displace": displaced})


def explain_unplanned(problem: DispatchProblem, plan: Plan, *, relaxed_checks: int = MAX_RELAXED_CHECKS) -> Plan:
    """The plan with a reason for every unplanned visit."""
    by_id = {v.id: v for v in problem.visits}
    order = sorted(plan.unplanned, key=lambda u: URGENCY_RANK[by_id[u.visit].urgency.value])
    reasons: dict[str, Reason] = {}
    if len(problem.visits) > RELAXED_MAX_VISITS:
        relaxed_checks = 0
    budget = relaxed_checks if plan.status is not PlanStatus.INFEASIBLE or len(order) <= relaxed_checks else 0
    for u in order:
        v = by_id[u.visit]
        r = cheap_reason(problem, v)
        if r is None and budget > 0:
            budget -= 1
            r = relaxed_reason(problem, plan, v)
        reasons[u.visit] = r or Reason(ReasonCode.FULL, {})
    return dataclasses.replace(plan, unplanned=tuple(Unplanned(u.visit, reasons[u.visit]) for u in plan.unplanned))


def reason_text(reason: Reason, problem: DispatchProblem | None = None) -> str:
    """A sentence for a dispatcher."""
    d: Mapping[str, object] = reason.detail
    code = reason.code
    if code is ReasonCode.NO_SKILL:
        skills = d.get("skills") or []
        return f"no concierge with skill {' and '.join(map(str, skills))} works that day"  # type: ignore[call-overload]
    if code is ReasonCode.NO_CONCIERGE:
        return f"only {d.get('concierge')} may serve it, and {d.get('concierge')} cannot (skills or not working)"
    if code is ReasonCode.CAPACITY:
        return f"its load {d.get('load')} exceeds what every able concierge can carry"
    if code is ReasonCode.WINDOW_UNREACHABLE:
        windows: list[tuple[int, int]] = list(d.get("windows") or [])  # type: ignore[call-overload]
        text = ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in windows)
        return f"window {text} unreachable from any start in time" if text else "cannot be reached and finished within any able concierge's shift"
    if code is ReasonCode.PINNED_CONFLICT:
        start = d.get("start")
        when = f" at {_hhmm(start)}" if isinstance(start, int) else ""
        others = d.get("with") or []
        tail = f" (other pinned visits: {', '.join(map(str, others))})" if others else ""  # type: ignore[call-overload]
        return f"pinned to {d.get('concierge')}{when}, which conflicts with their other commitments{tail}"
    if code is ReasonCode.FULL:
        displace = d.get("displace") or []
        if displace:
            return f"all concierges able to serve it are full; it would displace {', '.join(map(str, displace))}"  # type: ignore[call-overload]
        return "all concierges able to serve it are full"
    return "the search stopped before it could be placed"
