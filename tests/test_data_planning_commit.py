"""What is committed is what was proposed: every stop to the second, the departure, the way home and the
lunch break read back exactly, the committed day passes the independent checker, and a re-plan keeps the
committed breaks."""

from __future__ import annotations

import datetime as dt

from board_scenario import DAY, build

from data.db import Database
from data.models import PlanRoute, VisitRequest
from data.planning import commit_plan, load_day, replan_from_now
from dispatch.check import check_plan
from dispatch.plan import Plan
from dispatch.solve import SolveParams, solve

SEARCH = SolveParams(time_limit=20, solution_limit=40, workers=1, explain=False)


def _busy_day(database: Database) -> None:
    """The board scenario with three more requests, so routes wait for windows and take their lunch between visits."""
    ids = build(database, committed=False)
    with database.transaction() as s:
        for hh, minutes, window in ((8, 50, (dt.time(14), dt.time(16))), (9, 40, None), (10, 75, (dt.time(10), dt.time(12)))):
            s.add(VisitRequest(client_id=ids["c1"], office_id=ids["o1" if hh != 9 else "o3"], received_at=dt.datetime(2026, 11, 25, hh),
                               urgency="normal", deadline=dt.datetime(2026, 11, 26, 18), estimated_minutes=minutes,
                               window_start=window[0] if window else None, window_end=window[1] if window else None,
                               description=f"job {hh}"))


def _proposal(database: Database) -> Plan:
    with database.sessions() as s:
        snap = load_day(s, DAY)
    plan = solve(snap.problem, SEARCH)
    assert check_plan(snap.problem, plan) == []
    with database.transaction() as s:
        commit_plan(s, snap, plan)
    return plan


def test_a_committed_proposal_reads_back_stop_for_stop_with_its_break(database: Database) -> None:
    """Plan, commit, reload: every stop (concierge, visit, arrival, start, end, travel), each route's departure,
    way home and break are exactly the proposal's; the committed day passes the independent checker."""
    _busy_day(database)
    proposal = _proposal(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
        stored = s.query(PlanRoute).count()
    committed = snap.committed
    assert committed is not None
    proposed = {r.concierge: r for r in proposal.routes if r.stops}
    assert {r.concierge: r for r in committed.routes} == proposed
    assert stored == len(proposed)
    assert all(r.break_start is not None for r in proposed.values())  # both work past 14:00: lunch is in the plan
    assert check_plan(snap.problem, committed) == []


def test_a_recommit_of_an_unchanged_day_moves_nothing(database: Database) -> None:
    """Committing the committed plan again (the board's `c` after a reload) changes no time and no break."""
    _busy_day(database)
    _proposal(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    assert snap.committed is not None
    with database.transaction() as s:
        commit_plan(s, snap, snap.committed)
    with database.sessions() as s:
        again = load_day(s, DAY).committed
    assert again == snap.committed


def test_a_replan_after_lunch_keeps_the_breaks_already_taken(database: Database) -> None:
    """An emergency at 14:30 on the committed day: every concierge's lunch, taken before now, stays where it was."""
    _busy_day(database)
    proposal = _proposal(database)
    with database.transaction() as s:
        office = s.query(VisitRequest).first()
        assert office is not None
        s.add(VisitRequest(client_id=office.client_id, office_id=office.office_id, received_at=dt.datetime(2026, 11, 26, 14, 30),
                           urgency="emergency", deadline=dt.datetime(2026, 11, 26, 18), estimated_minutes=30, description="down"))
    with database.sessions() as s:
        snap = load_day(s, DAY)
    result = replan_from_now(snap, dt.datetime(2026, 11, 26, 14, 30), params=SolveParams(time_limit=5, workers=1, explain=False))
    breaks = {r.concierge: (r.break_start, r.break_end) for r in proposal.routes if r.stops}
    after = {r.concierge: (r.break_start, r.break_end) for r in result.plan.routes if r.stops and r.concierge in breaks}
    assert after == {c: b for c, b in breaks.items() if b[1] is not None and b[1] <= 14 * 3600 + 30 * 60}


def test_the_committed_break_is_in_my_day_the_route_json_and_the_ics(database: Database) -> None:
    """The concierge's exports of a committed day carry the lunch the plan gave them, at the plan's times."""
    import icalendar

    from data.planning import clock_of
    from data.route import concierge_day, route_ics, route_json, route_text

    _busy_day(database)
    proposal = _proposal(database)
    route = next(r for r in proposal.routes if r.stops and r.break_start is not None)
    assert route.break_start is not None and route.break_end is not None
    start, end = clock_of(DAY, route.break_start), clock_of(DAY, route.break_end)
    with database.sessions() as s:
        day = concierge_day(s, route.concierge, DAY)
    assert (day.break_start, day.break_end) == (start, end)
    doc = route_json(day)
    assert doc["break"]["start"].startswith(start.isoformat()) and doc["break"]["end"].startswith(end.isoformat())
    assert f"break {start:%H:%M}–{end:%H:%M}" in route_text(day)
    events = list(icalendar.Calendar.from_ical(route_ics(day)).walk("VEVENT"))
    breaks = [e for e in events if str(e.get("summary")) == "Break"]
    assert len(events) == len(day.stops) + 1 and len(breaks) == 1
    assert breaks[0].decoded("dtstart").replace(tzinfo=None) == start
