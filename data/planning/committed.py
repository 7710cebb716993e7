"""The committed plan of a date, read back from its rows: visits (`visit`) and each concierge's route with
its break (`plan_route`, written by `data.planning.commit`).

What was committed reads exactly as it was proposed: starts and ends to the second, arrivals (waiting
before a window opens) as the evaluator computes them (`dispatch.plan.arrival_time`), the departure, the
way home and the break. Visits in progress or done take their actual times. A day committed before the
routes were stored (schema 0003) has no break and arrives at each start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from data.models import Concierge, PlanRoute, Visit
from data.planning.units import visit_key
from dispatch.plan import Plan, PlanStatus, Route, Stop, arrival_time


def seconds_of(day: dt.date, moment: dt.datetime) -> int:
    """Seconds from `day`'s midnight (the plan's unit)."""
    return int((moment - dt.datetime.combine(day, dt.time())).total_seconds())


def _times(v: Visit) -> tuple[dt.datetime, dt.datetime]:
    """A visit's start and end as they stand: planned, or actual once the concierge is on site or done."""
    if v.status == "done":
        return v.actual_start or v.planned_start, v.actual_end or v.planned_end
    if v.status == "in_progress" and v.actual_start is not None:
        return v.actual_start, v.actual_start + (v.planned_end - v.planned_start)
    return v.planned_start, v.planned_end


def committed_route(day: dt.date, code: str, visits: Sequence[Visit], row: PlanRoute | None) -> Route:
    """One concierge's committed route: `visits` in order, `row` its stored departure, return and break."""
    brk = None
    if row is not None and row.break_start is not None and row.break_end is not None:
        brk = (seconds_of(day, row.break_start), seconds_of(day, row.break_end))
    stops: list[Stop] = []
    first_start = seconds_of(day, _times(visits[0])[0])
    depart = seconds_of(day, row.departs_at) if row is not None else first_start - visits[0].travel_seconds
    t = depart
    for v in visits:
        begin, finish = _times(v)
        start, end = seconds_of(day, begin), seconds_of(day, finish)
        arrival = min(start, arrival_time(t, v.travel_seconds, start, brk)) if row is not None else start
        stops.append(Stop(visit_key(v.request_id), arrival, start, end, v.travel_seconds, v.travel_meters))
        t = end
    if row is None:
        return Route(code, tuple(stops), depart, stops[-1].end, 0, 0)
    back = max(seconds_of(day, row.returns_at), stops[-1].end)
    return Route(code, tuple(stops), depart, back, row.return_travel_seconds, row.return_travel_meters,
                 brk[0] if brk else None, brk[1] if brk else None)


def committed_plan(
    day: dt.date, visits: Sequence[Visit], routes: Sequence[PlanRoute], concierges: Mapping[int, Concierge]
) -> Plan | None:
    """The plan stored for `day` (None when no visit is planned on it)."""
    if not visits:
        return None
    by_concierge: dict[int, list[Visit]] = {}
    for v in sorted(visits, key=lambda v: (_times(v)[0], v.sequence)):
        by_concierge.setdefault(v.concierge_id, []).append(v)
    rows = {r.concierge_id: r for r in routes}
    out = [committed_route(day, concierges[cid].code, vs, rows.get(cid)) for cid, vs in by_concierge.items()]
    out.sort(key=lambda r: r.concierge)
    return Plan(PlanStatus.FEASIBLE, tuple(out), (), {"total": 0}, 0.0)
