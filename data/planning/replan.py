"""Re-planning the rest of a committed day around what is done (see `dispatch.replan`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from data.planning.snapshot import DaySnapshot
from data.planning.units import minutes_of
from dispatch.plan import Plan, PlanStatus


def replan_from_now(
    snapshot: DaySnapshot,
    now: dt.datetime,
    *,
    params: Any = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[Any], None] | None = None,
) -> Any:
    """Re-plan the rest of `snapshot.date` at `now` around the committed plan: in-progress and done
    visits stay, each concierge continues from where they are, new visits are inserted with little
    disruption. Returns `dispatch.replan.Replan` (plan, moves, changed routes, inserted visits)."""
    from dispatch.replan import REPLAN_PARAMS, replan

    committed = snapshot.committed or Plan(PlanStatus.FEASIBLE, (), (), {"total": 0}, 0.0)
    minute = max(0, minutes_of(snapshot.date, now))
    return replan(snapshot.problem, committed, minute, params=params or REPLAN_PARAMS, should_stop=should_stop, on_progress=on_progress)
