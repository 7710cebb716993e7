"""The result of a solve: routes with times, unplanned visits with reasons, the cost by objective term.

Times here are integer seconds from the plan date's midnight; `jsonio` writes them in the problem's own
format. Plans are built by `dispatch.evaluate.Evaluator.plan` whichever engine found the routes. Nothing
here formats text: reasons are codes with details, `explain.py` turns them into sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dispatch.costs import SECONDS_PER_MINUTE, unplanned_penalty
from dispatch.problem import DispatchProblem


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


def arrival_time(prev_end: int, travel: int, start: int, brk: tuple[int, int] | None) -> int:
    """Earliest arrival given the break, if it is taken in this gap (travel first when it fits)."""
    if brk is None or not (prev_end <= brk[0] and brk[1] <= start):
        return prev_end + travel
    before = brk[0] - prev_end
    if before >= travel:
        return prev_end + travel
    return min(start, brk[1] + travel - before)


def empty_plan(problem: DispatchProblem, status: PlanStatus, solve_seconds: float, reasons: Mapping[str, Reason] | None = None) -> Plan:
    """A plan with nothing routed (no solution found at all)."""
    reasons = reasons or {}
    routes = tuple(
        Route(c.id, (), c.shift_start * SECONDS_PER_MINUTE, c.shift_start * SECONDS_PER_MINUTE, 0, 0) for c in problem.concierges
    )
    unplanned = tuple(Unplanned(v.id, reasons.get(v.id, Reason(ReasonCode.NOT_SEARCHED))) for v in problem.visits)
    day_start = min((c.shift_start for c in problem.concierges), default=0)
    penalty = sum(unplanned_penalty(v, day_start) for v in problem.visits if not (v.required or v.fixed))
    cost = {"emergency_delay": 0, "lateness": 0, "unplanned": penalty, "dedicated": 0, "travel": 0, "total": penalty}
    return Plan(status, routes, unplanned, cost, solve_seconds, penalty)
