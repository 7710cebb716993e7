"""What a pin does at once: `pin_at_once(snapshot, plan, visit, concierge, minute, now)` inserts the pinned
visit at that concierge and minute into the shown plan (a proposal or the committed day), the way a chosen
slot offer is placed (`dispatch.offers.place`: insertion, no search), so the board shows its effect without
waiting for a re-plan. None when an insertion cannot place it; the pin still holds for the next plan."""

from __future__ import annotations

import datetime as dt

from data.planning.snapshot import DaySnapshot
from data.planning.units import minutes_of
from dispatch.errors import DispatchError
from dispatch.offers import place
from dispatch.plan import Plan
from dispatch.replan import Replan


def pin_at_once(snapshot: DaySnapshot, plan: Plan | None, visit: str, concierge: str | None, minute: int | None,
                now: dt.datetime) -> Replan | None:
    """`plan` with `visit` pinned to `concierge` at `minute` (from midnight), or None (no plan, half a pin,
    a past day, or it does not fit there)."""
    if plan is None or concierge is None or minute is None or snapshot.date < now.date():
        return None
    start = minutes_of(snapshot.date, now) if snapshot.date == now.date() else 0
    try:
        result = place(snapshot.problem, plan, snapshot.problem.visit(visit), concierge, minute, start)
    except (DispatchError, KeyError, ValueError):
        return None
    return result.offers[0].replan if result.offers else None
