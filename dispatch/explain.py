"""Why is a visit unplanned? The true cause, checked on the evaluator, with the concierges involved.

In order: a needed skill nobody working has (naming who has it but is off, or who lacks what); a pin or
contract that allows only one concierge who cannot (lacks a skill, is off); a load nobody can carry; a
pin that collides with that concierge's other fixed visits; windows no able concierge can reach within
their shift even with an empty day (naming the earliest possible start); otherwise the able concierges
are full, and the cheapest way to make room (the visits that would have to move, and from whom) is named.
Runs after the search, within the solve's deadline: the most urgent visits first; what the deadline
leaves unexamined is reported as full without the displacement detail.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping

from dispatch.costs import SECONDS_PER_MINUTE, unplanned_penalty
from dispatch.evaluate import Evaluator
from dispatch.plan import Plan, Reason, ReasonCode, Unplanned
from dispatch.problem import Concierge, DispatchProblem, Visit

URGENCY_RANK = {"emergency": 0, "high": 1, "normal": 2, "low": 3}
#: Routes examined for a displacement, nearest able concierges first, and visits pushed out at most.
DISPLACE_ROUTES = 6
DISPLACE_MAX = 4
#: Concierges named in a detail at most.
NAMES_MAX = 5


def _hhmm(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _only(visit: Visit) -> tuple[str, str] | None:
    """(concierge, why) when a pin or the contract allows only one concierge."""
    if visit.pinned is not None and visit.pinned.concierge is not None:
        return visit.pinned.concierge, "pinned"
    if visit.dedicated_required and visit.dedicated is not None:
        return visit.dedicated, "contract"
    return None


def _skill_reason(problem: DispatchProblem, visit: Visit) -> Reason | None:
    """NO_SKILL when no working concierge has every skill the visit needs."""
    if not visit.skills or any(visit.skills <= c.skills for c in problem.concierges):
        return None
    held = frozenset().union(*(c.skills for c in problem.concierges))
    missing = sorted(visit.skills - held)
    off = [c.id for c in problem.off if visit.skills <= c.skills]
    lacking = [{"concierge": c.id, "lacks": sorted(visit.skills - c.skills)} for c in problem.concierges][:NAMES_MAX]
    return Reason(ReasonCode.NO_SKILL, {"skills": missing or sorted(visit.skills), "together": not missing, "off": off, "lacking": lacking})


def _only_reason(problem: DispatchProblem, visit: Visit) -> Reason | None:
    """NO_CONCIERGE when the one concierge a pin or contract allows cannot serve it."""
    only = _only(visit)
    if only is None:
        return None
    who, why = only
    if visit.pinned is not None and visit.pinned.concierge is not None and visit.dedicated_required and visit.dedicated not in (None, who):
        return Reason(ReasonCode.NO_CONCIERGE, {"concierge": who, "why": "pinned", "problem": "contract", "dedicated": visit.dedicated})
    working = {c.id: c for c in problem.concierges}
    if who not in working:
        state = "off" if any(c.id == who for c in problem.off) else "absent"
        return Reason(ReasonCode.NO_CONCIERGE, {"concierge": who, "why": why, "problem": state})
    lacks = sorted(visit.skills - working[who].skills)
    if lacks:
        return Reason(ReasonCode.NO_CONCIERGE, {"concierge": who, "why": why, "problem": "skills", "lacks": lacks})
    return None


def _able(ev: Evaluator, k: int) -> list[int]:
    return [v for v in range(len(ev.problem.concierges)) if ev.inst.allowed[k, v]]


def cheap_reason(problem: DispatchProblem, visit: Visit, ev: Evaluator | None = None) -> Reason | None:
    """A reason that needs no search (skills, a single allowed concierge, load, windows), or None."""
    r = _skill_reason(problem, visit) or _only_reason(problem, visit)
    if r is not None:
        return r
    ev = ev or Evaluator(problem)
    k = next(j for j, v in enumerate(problem.visits) if v.id == visit.id)
    able = _able(ev, k)
    if visit.load and all(problem.concierges[v].capacity is not None and problem.concierges[v].capacity < visit.load for v in able):  # type: ignore[operator]
        return Reason(ReasonCode.CAPACITY, {"load": visit.load, "concierges": [problem.concierges[v].id for v in able][:NAMES_MAX]})
    if not any(ev.schedule(v, [k]) is not None for v in able):
        return _unreachable(ev, k, able)
    return None


def _unreachable(ev: Evaluator, k: int, able: list[int]) -> Reason:
    """WINDOW_UNREACHABLE with the earliest start any able concierge could make (ignoring windows)."""
    problem = ev.problem
    visit = problem.visits[k]
    best: tuple[int, str] | None = None
    for v in able:
        c = problem.concierges[v]
        there, _ = ev.travel.leg(v, ev.nodes.starts[v], k)
        arrive = c.shift_start * SECONDS_PER_MINUTE + there
        if best is None or arrive < best[0]:
            best = (arrive, c.id)
    windows = [[w.start, w.end] for w in visit.windows]
    if visit.pinned is not None and visit.pinned.start is not None:
        windows = [[visit.pinned.start, visit.pinned.start]]
    detail: dict[str, object] = {"windows": windows}
    if best is not None:
        detail.update({"earliest": -(-best[0] // SECONDS_PER_MINUTE), "concierge": best[1]})
    return Reason(ReasonCode.WINDOW_UNREACHABLE, detail)


def _pin_start(visit: Visit) -> int:
    return visit.pinned.start if visit.pinned is not None and visit.pinned.start is not None else 0


def _pinned_conflict(ev: Evaluator, k: int) -> Reason | None:
    """PINNED_CONFLICT when a pinned visit does not fit with that concierge's other fixed or pinned visits."""
    visit = ev.problem.visits[k]
    if visit.pinned is None or visit.pinned.concierge is None or visit.pinned.start is None:
        return None
    v = ev.problem.concierge_index(visit.pinned.concierge)
    others = [
        j for j, o in enumerate(ev.problem.visits)
        if j != k and o.pinned is not None and o.pinned.concierge == visit.pinned.concierge and o.pinned.start is not None
    ]
    seq = sorted([*others, k], key=lambda j: _pin_start(ev.problem.visits[j]))
    if ev.schedule(v, seq) is not None:
        return None
    detail = {"concierge": visit.pinned.concierge, "start": visit.pinned.start, "with": [ev.problem.visits[j].id for j in others]}
    return Reason(ReasonCode.PINNED_CONFLICT, detail)


def _displacement(ev: Evaluator, plan_routes: list[list[int]], k: int, able: list[int]) -> Reason:
    """FULL: the cheapest room for visit k among the nearest able concierges: the visits it would push out."""
    problem = ev.problem
    day_start = ev.day_start
    near = sorted(able, key=lambda v: ev.travel.leg(v, ev.nodes.starts[v], k)[0])[:DISPLACE_ROUTES]
    best: tuple[int, int, list[int]] | None = None
    for v in near:
        route = plan_routes[v]
        for p in range(len(route) + 1):
            seq = route[:p] + [k] + route[p:]
            out: list[int] = []
            while not ev.valid(v, seq) and len(out) < DISPLACE_MAX:
                movable = [j for j in seq if j != k and not problem.visits[j].fixed and problem.visits[j].pinned is None]
                if not movable:
                    break
                j = min(movable, key=lambda j: (not ev.valid(v, [x for x in seq if x != j]), unplanned_penalty(problem.visits[j], day_start)))
                seq = [x for x in seq if x != j]
                out.append(j)
            if ev.valid(v, seq):
                cost = sum(unplanned_penalty(problem.visits[j], day_start) for j in out)
                if best is None or cost < best[0]:
                    best = (cost, v, out)
    names = [problem.concierges[v].id for v in near][:NAMES_MAX]
    if best is None:
        return Reason(ReasonCode.FULL, {"displace": [], "concierges": names})
    _, v, out = best
    return Reason(ReasonCode.FULL, {"displace": [problem.visits[j].id for j in out], "concierge": problem.concierges[v].id, "concierges": names})


def explain_unplanned(problem: DispatchProblem, plan: Plan, *, evaluator: Evaluator | None = None, deadline: float | None = None) -> Plan:
    """The plan with a true reason for every unplanned visit (most urgent first, until `deadline`)."""
    ev = evaluator or Evaluator(problem)
    pos = {v.id: k for k, v in enumerate(problem.visits)}
    routes = [[pos[s.visit] for s in r.stops] for r in plan.routes] if plan.routes else [[] for _ in problem.concierges]
    order = sorted(plan.unplanned, key=lambda u: URGENCY_RANK[problem.visits[pos[u.visit]].urgency.value])
    reasons: dict[str, Reason] = {}
    for u in order:
        k = pos[u.visit]
        visit = problem.visits[k]
        if not problem.concierges:
            reasons[u.visit] = Reason(ReasonCode.NO_CONCIERGE, {"concierge": None, "problem": "none"})
            continue
        late = deadline is not None and time.monotonic() > deadline
        r = cheap_reason(problem, visit, ev) if not late else (_skill_reason(problem, visit) or _only_reason(problem, visit))
        if r is None and not late:
            r = _pinned_conflict(ev, k) or _displacement(ev, routes, k, _able(ev, k))
        reasons[u.visit] = r or Reason(ReasonCode.FULL, {})
    return dataclasses.replace(plan, unplanned=tuple(Unplanned(u.visit, reasons[u.visit]) for u in plan.unplanned))


def _names(values: object) -> str:
    return ", ".join(map(str, values)) if isinstance(values, list | tuple) else str(values)


def reason_text(reason: Reason, problem: DispatchProblem | None = None) -> str:
    """A sentence for a dispatcher."""
    d: Mapping[str, object] = reason.detail
    code = reason.code
    if code is ReasonCode.NO_SKILL:
        skills = " and ".join(map(str, d.get("skills") or []))  # type: ignore[call-overload]
        off = d.get("off") or []
        if d.get("together"):
            text = f"needs {skills} together: no concierge working that day has all of them"
        else:
            text = f"needs {skills}: no concierge working that day has it"
        return text + (f" ({_names(off)} {'has' if len(off) == 1 else 'have'} it but {'is' if len(off) == 1 else 'are'} off)" if off else "")  # type: ignore[arg-type]
    if code is ReasonCode.NO_CONCIERGE:
        who = d.get("concierge")
        by = {"pinned": "it is pinned to", "contract": "its contract requires"}.get(str(d.get("why")), "only")
        problem_text = {
            "off": f"{who} is off that day",
            "absent": f"{who} is not in this plan",
            "skills": f"{who} lacks {' and '.join(map(str, d.get('lacks') or []))}",  # type: ignore[call-overload]
            "contract": f"its contract requires {d.get('dedicated')}",
            "none": "no concierge works that day",
        }.get(str(d.get("problem")), f"{who} cannot serve it")
        if d.get("problem") == "none":
            return problem_text
        return f"{by} {who}, but {problem_text}"
    if code is ReasonCode.CAPACITY:
        return f"its load {d.get('load')} exceeds what every able concierge can carry"
    if code is ReasonCode.WINDOW_UNREACHABLE:
        windows: list[tuple[int, int]] = list(d.get("windows") or [])  # type: ignore[call-overload]
        text = ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in windows)
        earliest = d.get("earliest")
        tail = f" (the earliest any able concierge could start it is {_hhmm(earliest)}, {d.get('concierge')})" if isinstance(earliest, int) else ""
        if text:
            return f"window {text} cannot be reached and finished within any able concierge's shift{tail}"
        return f"cannot be reached and finished within any able concierge's shift{tail}"
    if code is ReasonCode.PINNED_CONFLICT:
        start = d.get("start")
        when = f" at {_hhmm(start)}" if isinstance(start, int) else ""
        others = d.get("with") or []
        tail = f" (other pinned visits: {_names(others)})" if others else ""
        return f"pinned to {d.get('concierge')}{when}, which conflicts with their other commitments{tail}"
    if code is ReasonCode.FULL:
        displace = d.get("displace") or []
        who = d.get("concierges") or []
        able = f" ({_names(who)})" if who else ""
        if displace:
            room = f"fitting it in would displace {_names(displace)} from {d.get('concierge')}"
            return f"the concierges able to serve it{able} are fully booked; {room}"
        return f"the concierges able to serve it{able} are fully booked"
    return "the search stopped before it could be placed"


def able_concierges(problem: DispatchProblem, visit: Visit) -> list[Concierge]:
    """Concierges a visit's skills, pin and contract allow."""
    only = _only(visit)
    return [c for c in problem.concierges if visit.skills <= c.skills and (only is None or only[0] == c.id)]
