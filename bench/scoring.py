"""Score a `concierge-plan/1` plan against its `concierge-dispatch/1` problem, the same way for every solver.

The independent checker (dispatch/check.py) replays the plan; the figures are counted from the plan's
routes, never from a solver's own summary:
- served per urgency class and in total;
- travel seconds per served visit (all legs, the way home included);
- lateness: served visits starting after their due time (the deadline, else requested + 24 h), counting
  only visits due today or later (those already overdue at midnight are late whatever the plan does),
  as a count and total minutes;
- dedicated: of the served visits whose client prefers a dedicated concierge (not required), the share
  that concierge serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dispatch.check import check_plan
from dispatch.plan import Plan
from dispatch.problem import DispatchProblem, Urgency

CLASSES = tuple(u.value for u in Urgency)


@dataclass(frozen=True)
class Score:
    """The comparable figures of one plan."""

    served: dict[str, int]
    total: dict[str, int]
    travel_seconds: int
    travel_meters: int
    late_count: int
    late_minutes: float
    dedicated_kept: int
    dedicated_served: int
    errors: list[str] = field(default_factory=list)
    status: str = ""

    @property
    def planned(self) -> int:
        return sum(self.served.values())

    @property
    def travel_per_served(self) -> float:
        return self.travel_seconds / self.planned if self.planned else float("nan")

    @property
    def verdict(self) -> str:
        return "ok" if not self.errors else f"{len(self.errors)} errors"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "served": self.served,
            "total": self.total,
            "planned": self.planned,
            "travel_seconds": self.travel_seconds,
            "travel_meters": self.travel_meters,
            "travel_per_served": round(self.travel_per_served, 1),
            "late_count": self.late_count,
            "late_minutes": round(self.late_minutes, 1),
            "dedicated_kept": self.dedicated_kept,
            "dedicated_served": self.dedicated_served,
            "checker": self.verdict,
            "checker_errors": self.errors[:5],
            "status": self.status,
        }


def score(problem: DispatchProblem, plan: Plan) -> Score:
    """Check and count one plan."""
    by_id = {v.id: v for v in problem.visits}
    served = dict.fromkeys(CLASSES, 0)
    total = dict.fromkeys(CLASSES, 0)
    for v in problem.visits:
        total[v.urgency.value] += 1
    late_n, late_s, kept, ded = 0, 0, 0, 0
    for r in plan.routes:
        for s in r.stops:
            visit = by_id.get(s.visit)
            if visit is None:
                continue
            served[visit.urgency.value] += 1
            due = visit.due
            if due is not None and due >= 0 and s.start > due * 60:
                late_n += 1
                late_s += s.start - due * 60
            if visit.dedicated is not None and not visit.dedicated_required:
                ded += 1
                kept += r.concierge == visit.dedicated
    return Score(
        served, total, plan.travel_seconds, plan.travel_meters, late_n, late_s / 60, kept, ded, check_plan(problem, plan), plan.status.value
    )
