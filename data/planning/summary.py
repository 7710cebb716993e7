"""A plan in the dispatcher's terms: what is planned and left out by urgency, when the emergencies start,
total travel, who is late, and on a re-plan what changed (who moves, by how much).

The numbers only; the board words them (tui.screens.board_words). Works on any plan of the snapshot's
day: a proposal, the best plan so far during a search (`dispatch.params.Progress.plan`) or the committed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from data.models import URGENCIES
from data.planning.snapshot import DaySnapshot
from dispatch.plan import Plan


@dataclass(frozen=True)
class Start:
    """Where and when a visit starts (seconds from midnight); concierge None when it is left out."""

    visit: str
    concierge: str | None
    start: int | None


@dataclass(frozen=True)
class PlanSummary:
    """Counts by urgency (every urgency present, zeros included), emergencies in order of start, travel,
    and the visits that start after their deadline with the seconds late."""

    planned: Mapping[str, int]
    unplanned: Mapping[str, int]
    emergencies: tuple[Start, ...]
    travel_seconds: int
    late: tuple[tuple[str, int], ...]

    @property
    def planned_total(self) -> int:
        return sum(self.planned.values())

    @property
    def unplanned_total(self) -> int:
        return sum(self.unplanned.values())

    @property
    def late_seconds(self) -> int:
        return sum(s for _, s in self.late)

    @property
    def emergencies_unplanned(self) -> int:
        return self.unplanned.get("emergency", 0)


def summarize(snapshot: DaySnapshot, plan: Plan) -> PlanSummary:
    """`plan` of the snapshot's day in numbers; the requests the day cannot offer count as unplanned."""
    where = plan.assignment()
    planned = dict.fromkeys(URGENCIES, 0)
    unplanned = dict.fromkeys(URGENCIES, 0)
    emergencies: list[Start] = []
    late: list[tuple[str, int]] = []
    problem_visits = {v.id: v for v in snapshot.problem.visits}
    for key in [*problem_visits, *(u.visit for u in snapshot.excluded if u.visit not in problem_visits)]:
        info = snapshot.visits.get(key)
        urgency = info.urgency if info is not None else problem_visits[key].urgency.value
        at = where.get(key)
        (planned if at is not None else unplanned)[urgency] = (planned if at is not None else unplanned).get(urgency, 0) + 1
        if urgency == "emergency":
            emergencies.append(Start(key, at[0] if at else None, at[1] if at else None))
        v = problem_visits.get(key)
        if at is not None and v is not None and v.deadline is not None and at[1] > v.deadline * 60:
            late.append((key, at[1] - v.deadline * 60))
    emergencies.sort(key=lambda e: (e.start is None, e.start or 0, e.visit))
    late.sort(key=lambda x: -x[1])
    return PlanSummary(planned, unplanned, tuple(emergencies), plan.travel_seconds, tuple(late))
