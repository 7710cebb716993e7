"""The objective every engine minimises, as named weights: one cost unit is one second (or, with
`arc_cost="meters"`, one metre) of travel.

A plan's cost is travel + unplanned penalties + emergency delay + lateness + dedicated-concierge misses.
The unplanned penalties are far above anything a served visit can cost, so serving more (and more urgent)
visits always comes first; among plans that serve the same visits, time costs and travel decide.
`dispatch.evaluate` is the one place that adds these terms up for a plan; the OR-Tools model and PyVRP
data express the same weights in their own terms.
"""

from __future__ import annotations

from typing import Literal

from dispatch.problem import Urgency, Visit

SECONDS_PER_MINUTE = 60
#: Cost per second (or metre) of travel: the unit everything else is measured in.
TRAVEL_COST = 1
#: Leaving a visit unplanned, by urgency (before age and priority scaling): a high visit is worth four fresh
#: normal ones, a normal one 1.7 fresh low ones, an emergency anything else; far above any time cost a served
#: visit can incur.
UNPLANNED_PENALTY: dict[Urgency, int] = {
    Urgency.EMERGENCY: 10_000_000_000,
    Urgency.HIGH: 400_000_000,
    Urgency.NORMAL: 100_000_000,
    Urgency.LOW: 60_000_000,
}
#: A `required` visit that cannot be served (only where a search must still name the ones that cannot be).
REQUIRED_PENALTY = 100_000_000_000_000
#: Extra unplanned penalty per day of age (since `requested`) and per contract priority step, as fractions of
#: the base penalty, together capped by urgency: emergencies, high and normal visits never outrank the next
#: class up (a normal one at most doubles, below any high one), while a low visit waiting for days may triple
#: and then goes before fresh normal ones (low requests must not starve).
AGE_PENALTY_PER_DAY = 0.25
PRIORITY_PENALTY_STEP = 0.25
RAISE_MAX: dict[Urgency, float] = {Urgency.EMERGENCY: 1.0, Urgency.HIGH: 1.0, Urgency.NORMAL: 1.0, Urgency.LOW: 2.0}
#: Cost per second an emergency starts after the earliest shift start: serving it half an hour sooner is
#: worth half an hour of travel.
EMERGENCY_EARLY_PER_SECOND = 1
#: Cost per second of lateness against an explicit deadline, by urgency (emergencies are priced from the
#: day's start instead); low visits' deadlines are not priced.
LATENESS_PER_SECOND: dict[Urgency, int] = {
    Urgency.EMERGENCY: 1,
    Urgency.HIGH: 1,
    Urgency.NORMAL: 1,
    Urgency.LOW: 0,
}
#: ... and against the 24 h response aim of a visit without a deadline. Not priced by the second: a whole
#: day of a concierge's visits would outweigh travel; the aim raises the unplanned penalty with age instead.
AIM_LATENESS_PER_SECOND: dict[Urgency, int] = {u: 0 for u in Urgency}
#: Serving a visit with someone other than its (preferred) dedicated concierge: 30 minutes of travel.
DEDICATED_PENALTY = 1800
#: Re-planning: moving a committed visit to another concierge, and per second of shift of its start.
MOVE_CONCIERGE_PENALTY = 3600
MOVE_TIME_PER_SECOND = 1

ArcCost = Literal["seconds", "meters"]


def unplanned_penalty(visit: Visit, day_start: int) -> int:
    """Cost of leaving `visit` unplanned: the urgency base, raised by age in days (since `requested`) and by
    contract priority, together capped at RAISE_MAX[urgency] (see there)."""
    base = UNPLANNED_PENALTY[visit.urgency]
    age_days = 0.0 if visit.requested is None else max(0.0, (day_start - visit.requested) / 1440.0)
    raised = min(RAISE_MAX[visit.urgency], AGE_PENALTY_PER_DAY * age_days + PRIORITY_PENALTY_STEP * visit.priority)
    return int(base * (1.0 + raised))


def time_cost_terms(visit: Visit, day_start: int) -> tuple[int, int]:
    """(cost per second, second from which it counts) of a visit's start: emergencies from the day's
    start, others from their deadline, else from their 24 h aim (never before midnight)."""
    if visit.urgency is Urgency.EMERGENCY:
        return EMERGENCY_EARLY_PER_SECOND, day_start * SECONDS_PER_MINUTE
    if visit.deadline is not None:
        return LATENESS_PER_SECOND[visit.urgency], max(0, visit.deadline) * SECONDS_PER_MINUTE
    if visit.due is not None:
        return AIM_LATENESS_PER_SECOND[visit.urgency], max(0, visit.due) * SECONDS_PER_MINUTE
    return 0, 0
