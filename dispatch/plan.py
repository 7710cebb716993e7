"""The result of a solve: routes with times, unplanned visits with reasons, the cost by objective term.

Times here are integer seconds from the plan date's midnight (the model's unit); `jsonio` writes them in
the problem's own format. Extraction never formats text: reasons are codes with details, `explain.py`
turns them into sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ortools.constraint_solver import pywrapcp  # type: ignore[import-untyped]

from dispatch.model import (
    DEDICATED_PENALTY,
    EMERGENCY_EARLY_PER_SECOND,
    LATENESS_PER_SECOND,
    SECONDS_PER_MINUTE,
    TRAVEL_COST,
    ArcCost,
    Model,
    unplanned_penalty,
)
from dispatch.problem import DispatchProblem, Urgency


class PlanStatus(StrEnum):
    """How the solve ended."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"  # a plan, possibly with unplanned (optional) visits
    CANCELLED = "cancelled"  # stopped by the caller; the best plan found so far
    INFEASIBLE = "infeasible"  # a required visit cannot be served (named in `unplanned`), or no plan at all


class ReasonCode(StrEnum):
    """Why a visit is unplanned."""

    NO_SKILL = "no_skill"  # nobody working that day has the skills (detail: skills)
    NO_CONCIERGE = "no_concierge"  # dedication/pin allows nobody (detail: concierge)
    WINDOW_UNREACHABLE = "window_unreachable"  # no allowed concierge can reach it within a window and shift
    PINNED_CONFLICT = "pinned_conflict"  # its pin collides with other pinned/fixed visits or the break
    FULL = "full"  # everyone able is full (detail: displace = lower-urgency visits that would have to move)
    CAPACITY = "capacity"  # its load exceeds every allowed concierge's capacity
    NOT_SEARCHED = "not_searched"  # the search stopped before placing it (time limit or cancel)


@dataclass(frozen=True)
class Reason:
    """A machine-readable reason; `detail` holds ids, skills or windows for the explanation."""

    code: ReasonCode
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stop:
    """One visit on a route: times in seconds from midnight, the leg that leads to it."""

    visit: str
    arrival: int
    start: int
    end: int
    travel_seconds: int
    travel_meters: int


@dataclass(frozen=True)
class Route:
    """One concierge's day: leaves at `start`, back at `end` (seconds); `return_*` is the last leg home;
    `break_start` None when the concierge has no break or no visits."""

    concierge: str
    stops: tuple[Stop, ...]
    start: int
    end: int
    return_seconds: int
    return_meters: int
    break_start: int | None = None
    break_end: int | None = None

    @property
    def travel_seconds(self) -> int:
        """Total travel time including the way home."""
        return sum(s.travel_seconds for s in self.stops) + self.return_seconds

    @property
    def travel_meters(self) -> int:
        """Total travel distance including the way home."""
        return sum(s.travel_meters for s in self.stops) + self.return_meters


@dataclass(frozen=True)
class Unplanned:
    """A visit left out of the plan and why."""

    visit: str
    reason: Reason


@dataclass(frozen=True)
class Plan:
    """A day plan. `cost` maps objective terms to cost units; `cost["total"]` is their sum."""

    status: PlanStatus
    routes: tuple[Route, ...]
    unplanned: tuple[Unplanned, ...]
    cost: Mapping[str, int]
    solve_seconds: float
    objective: int = 0

    @property
    def travel_seconds(self) -> int:
        """Total travel time of all routes."""
        return sum(r.travel_seconds for r in self.routes)

    @property
    def travel_meters(self) -> int:
        """Total travel distance of all routes."""
        return sum(r.travel_meters for r in self.routes)

    @property
    def planned(self) -> int:
        """Number of visits in routes."""
        return sum(len(r.stops) for r in self.routes)

    def route_of(self, concierge: str) -> Route:
        """The route of a concierge."""
        for r in self.routes:
            if r.concierge == concierge:
                return r
        raise KeyError(concierge)

    def assignment(self) -> dict[str, tuple[str, int]]:
        """visit id -> (concierge id, start seconds)."""
        return {s.visit: (r.concierge, s.start) for r in self.routes for s in r.stops}


def routes_of(model: Model, assignment: pywrapcp.Assignment) -> list[list[int]]:
    """Visit positions per concierge, in order."""
    routing = model.routing
    out = []
    for v in range(len(model.problem.concierges)):
        idx = routing.Start(v)
        seq = []
        idx = assignment.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            k = model.visit_of(idx)
            assert k is not None
            seq.append(k)
            idx = assignment.Value(routing.NextVar(idx))
        out.append(seq)
    return out


def _arrival(prev_end: int, travel: int, start: int, brk: tuple[int, int] | None) -> int:
    """Earliest arrival given the break, if it is taken in this gap (travel first when it fits)."""
    if brk is None or not (prev_end <= brk[0] and brk[1] <= start):
        return prev_end + travel
    before = brk[0] - prev_end
    if before >= travel:
        return prev_end + travel
    return min(start, brk[1] + travel - before)


def cost_breakdown(problem: DispatchProblem, routes: list[Route], unplanned: list[str], arc_cost: ArcCost) -> dict[str, int]:
    """Recompute the objective terms from a plan (independent of the solver's own total)."""
    by_id = {v.id: v for v in problem.visits}
    day_start = min((c.shift_start for c in problem.concierges), default=0) * SECONDS_PER_MINUTE
    travel = sum((r.travel_seconds if arc_cost == "seconds" else r.travel_meters) for r in routes) * TRAVEL_COST
    early = late = dedicated = 0
    for r in routes:
        for s in r.stops:
            v = by_id[s.visit]
            if v.urgency is Urgency.EMERGENCY:
                early += max(0, s.start - day_start) * EMERGENCY_EARLY_PER_SECOND
            elif v.due is not None:
                late += max(0, s.start - max(0, v.due) * SECONDS_PER_MINUTE) * LATENESS_PER_SECOND[v.urgency]
            if v.dedicated is not None and not v.dedicated_required and v.dedicated != r.concierge:
                dedicated += DEDICATED_PENALTY
    unpl = sum(unplanned_penalty(by_id[u], day_start // SECONDS_PER_MINUTE) for u in unplanned if not by_id[u].required)
    terms = {"emergency_delay": early, "lateness": late, "unplanned": unpl, "dedicated": dedicated, "travel": travel}
    terms["total"] = sum(terms.values())
    return terms


def extract_plan(
    model: Model,
    assignment: pywrapcp.Assignment,
    status: PlanStatus,
    solve_seconds: float,
    *,
    arc_cost: ArcCost = "seconds",
    reasons: Mapping[str, Reason] | None = None,
) -> Plan:
    """Turn a solver assignment into a `Plan`; unplanned visits get `reasons` (default NOT_SEARCHED)."""
    routing, time, problem = model.routing, model.time, model.problem
    breaks: dict[int, tuple[int, int]] = {}
    if model.breaks:
        container = assignment.IntervalVarContainer()
        by_name = {container.Element(i).Var().Name(): container.Element(i) for i in range(container.Size())}
        for v, iv in model.breaks.items():
            el = by_name.get(iv.Name())
            if el is not None and el.PerformedValue():
                breaks[v] = (int(el.StartValue()), int(el.StartValue()) + int(el.DurationValue()))
    routes = []
    seen: set[int] = set()
    for v, c in enumerate(problem.concierges):
        idx = routing.Start(v)
        start = int(assignment.Value(time.CumulVar(idx)))
        prev_end = start
        stops = []
        brk = breaks.get(v)
        nxt = assignment.Value(routing.NextVar(idx))
        while True:
            sec, met = model.leg(v, idx, nxt)
            if routing.IsEnd(nxt):
                end = int(assignment.Value(time.CumulVar(nxt)))
                ret = (sec, met)
                break
            k = model.visit_of(nxt)
            assert k is not None
            seen.add(k)
            visit = problem.visits[k]
            s = int(assignment.Value(time.CumulVar(nxt)))
            e = s + visit.duration * SECONDS_PER_MINUTE
            stops.append(Stop(visit.id, _arrival(prev_end, sec, s, brk), s, e, sec, met))
            prev_end = e
            idx, nxt = nxt, assignment.Value(routing.NextVar(nxt))
        if not stops:
            start = end = c.shift_start * SECONDS_PER_MINUTE
            brk = None
        routes.append(
            Route(c.id, tuple(stops), start, end, ret[0], ret[1], brk[0] if brk else None, brk[1] if brk else None)
        )
    reasons = reasons or {}
    unplanned_ids = [v.id for k, v in enumerate(problem.visits) if k not in seen]
    unplanned = tuple(Unplanned(u, reasons.get(u, Reason(ReasonCode.NOT_SEARCHED))) for u in unplanned_ids)
    if any(problem.visit(u).required or problem.visit(u).fixed for u in unplanned_ids):
        status = PlanStatus.INFEASIBLE
    cost = cost_breakdown(problem, routes, unplanned_ids, arc_cost)
    return Plan(status, tuple(routes), unplanned, cost, solve_seconds, int(assignment.ObjectiveValue()))


def empty_plan(problem: DispatchProblem, status: PlanStatus, solve_seconds: float, reasons: Mapping[str, Reason] | None = None) -> Plan:
    """A plan with nothing routed (no solution found at all)."""
    reasons = reasons or {}
    routes = tuple(
        Route(c.id, (), c.shift_start * SECONDS_PER_MINUTE, c.shift_start * SECONDS_PER_MINUTE, 0, 0) for c in problem.concierges
    )
    unplanned = tuple(Unplanned(v.id, reasons.get(v.id, Reason(ReasonCode.NOT_SEARCHED))) for v in problem.visits)
    cost = cost_breakdown(problem, [], [v.id for v in problem.visits], "seconds")
    return Plan(status, routes, unplanned, cost, solve_seconds)
