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
#: Leaving a visit unplanned, by urgency (before age and priority scaling): each class is worth ten of the
#: next (an emergency a hundred), so no number of normal visits a high one could make room for outweighs
#: it; far above any time cost a served visit can incur.
UNPLANNED_PENALTY: dict[Urgency, int] = {
    Urgency.EMERGENCY: 400_000_000_000,
    Urgency.HIGH: 4_000_000_000,
    Urgency.NORMAL: 400_000_000,
    Urgency.LOW: 40_000_000,
}
#: A `required` visit that cannot be served (only where a search must still name the ones that cannot be).
REQUIRED_PENALTY = 100_000_000_000_000
#: Extra unplanned penalty per day of age (since `requested`), as a fraction of the base penalty; capped so
#: that an old request never outranks the next urgency class (see `unplanned_penalty`).
AGE_PENALTY_PER_DAY = 0.25
AGE_PENALTY_MAX = 1.0
#: Extra unplanned penalty per contract priority step, as a fraction of the base penalty (capped likewise).
PRIORITY_PENALTY_STEP = 0.25
PRIORITY_PENALTY_MAX = 1.0
#: Cost per second an emergency starts after the earliest shift start (serves emergencies early): an
#: emergency ten minutes sooner is worth 50 minutes of travel.
EMERGENCY_EARLY_PER_SECOND = 5
#: Cost per second of lateness against an explicit deadline, by urgency (emergencies are priced from the
#: day's start instead): an hour late on a high visit is worth two hours of travel.
LATENESS_PER_SECOND: dict[Urgency, int] = {
    Urgency.EMERGENCY: 5,
    Urgency.HIGH: 2,
    Urgency.NORMAL: 1,
    Urgency.LOW: 0,
}
#: ... and against the 24 h response aim of a visit without a deadline (most visits of a day are past it:
#: pricing every normal visit's start would outweigh travel, so only high visits count).
AIM_LATENESS_PER_SECOND: dict[Urgency, int] = {
    Urgency.EMERGENCY: 5,
    Urgency.HIGH: 1,
    Urgency.NORMAL: 0,
    Urgency.LOW: 0,
}
#: Serving a visit with someone other than its (preferred) dedicated concierge: 30 minutes of travel.
DEDICATED_PENALTY = 1800
#: Re-planning: moving a committed visit to another concierge, and per second of shift of its start.
MOVE_CONCIERGE_PENALTY = 3600
MOVE_TIME_PER_SECOND = 1

ArcCost = Literal["seconds", "meters"]


def unplanned_penalty(visit: Visit, day_start: int) -> int:
    """Cost of leaving `visit` unplanned: the urgency base, raised by age in days (since `requested`) and by
    contract priority, each raise capped at the base so urgency classes never overlap (a low visit
    stays below every normal one)."""
    base = UNPLANNED_PENALTY[visit.urgency]
    age_days = 0.0 if visit.requested is None else max(0.0, (day_start - visit.requested) / 1440.0)
    age = min(AGE_PENALTY_MAX, AGE_PENALTY_PER_DAY * age_days)
    prio = min(PRIORITY_PENALTY_MAX, PRIORITY_PENALTY_STEP * visit.priority)
    return int(base * (1.0 + age + prio))


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
