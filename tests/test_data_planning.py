"""Planning a day from the database: rows → problem, plan → visits, conflicts, intake defaults."""

from __future__ import annotations

import datetime as dt

import pytest

from data.db import Database
from data.errors import ConflictError, LockedError, ValidationError
from data.models import Client, ClosedMonth, Concierge, Contract, Office, Visit, VisitRequest
from data.planning import (
    RequestForm,
    commit_plan,
    contract_priority,
    default_deadline,
    load_day,
    move_visit,
    replan_from_now,
    save_request,
    search_clients,
    visit_key,
)
from dispatch.plan import Plan, PlanStatus, Route, Stop
from dispatch.problem import VisitStatus
from dispatch.solve import SolveParams, solve

DAY = dt.date(2026, 11, 26)  # a Thursday
AT = dt.datetime.combine(DAY, dt.time())


def _at(hh: int, mm: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


def _business(database: Database) -> dict[str, int]:
    """Two concierges (K02 off on Thursdays), two clients, four requests."""
    with database.transaction() as s:
        k1 = Concierge(code="K01", name="佐々木 亮", home_address="三軒茶屋", home_lat=35.6436, home_lon=139.6701,
                       skills=["network", "server"], working_days=[0, 1, 2, 3, 4], max_visits=5)
        k2 = Concierge(code="K02", name="Emily Clark", home_address="六本木", home_lat=35.6604, home_lon=139.7293,
                       skills=["english", "mac"], working_days=[0, 1, 2], max_visits=5)
        a = Client(code="C1", name="青葉商事", dedicated_concierge=k1)
        a.offices.append(Office(code="O1", name="本社", address="東京都千代田区丸の内1-1", lat=35.6812, lon=139.7671))
        a.contracts.append(Contract(plan="concierge_seats", start_month=dt.date(2026, 1, 1)))
        b = Client(code="C2", name="Sakura Design", dedicated_concierge=k2)
        b.offices.append(Office(code="O2", name="Studio", address="東京都渋谷区道玄坂1-2", lat=35.6579, lon=139.6984,
                                opens=dt.time(10), closes=dt.time(17)))
        b.contracts.append(Contract(plan="support_incidents", start_month=dt.date(2026, 1, 1), options={"billing": "annual"},
                                    dedicated_required=True))
        s.add_all([k1, k2, a, b])
        s.flush()
        o1, o2 = a.offices[0], b.offices[0]
        reqs = {
            "urgent": VisitRequest(client=a, office=o1, received_at=_at(8), urgency="high", deadline=_at(17),
                                   estimated_minutes=60, required_skills=["network"], description="LAN down"),
            "afternoon": VisitRequest(client=a, office=o1, received_at=_at(9, 0, DAY - dt.timedelta(days=1)), urgency="normal",
                                      deadline=_at(18), estimated_minutes=90, window_start=dt.time(13), window_end=dt.time(17),
                                      description="new PC"),
            "later": VisitRequest(client=a, office=o1, received_at=_at(9), urgency="low", deadline=_at(18, 0, DAY + dt.timedelta(days=14)),
                                  estimated_minutes=30, description="next month"),
            "dedicated": VisitRequest(client=b, office=o2, received_at=_at(8), urgency="normal", deadline=_at(18),
                                      estimated_minutes=60, description="Mac mail"),
        }
        s.add_all(reqs.values())
        s.flush()
        return {name: r.id for name, r in reqs.items()} | {"k1": k1.id, "k2": k2.id}


def _hand_plan(ids: dict[str, int], *names: str) -> Plan:
    """K01 serves the named requests one hour apart from 10:00 (no solver needed)."""
    stops = tuple(
        Stop(visit_key(ids[n]), (10 + 2 * k) * 3600, (10 + 2 * k) * 3600, (11 + 2 * k) * 3600, 900, 5000) for k, n in enumerate(names)
    )
    return Plan(PlanStatus.FEASIBLE, (Route("K01", stops, stops[0].start - 900, stops[-1].end + 900, 900, 5000),), (), {"total": 0}, 0.1)


def test_problem_has_working_concierges_breaks_windows_and_due_requests(database: Database) -> None:
    """The day's problem: who works, lunch in 11:30–14:00, office hours ∩ client window, what is due."""
    ids = _business(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    p = snap.problem
    assert [c.id for c in p.concierges] == ["K01"]
    k1 = p.concierges[0]
    assert (k1.shift_start, k1.shift_end, k1.max_visits) == (540, 1080, 5)
    assert k1.break_ is not None and (k1.break_.earliest, k1.break_.latest, k1.break_.minutes) == (690, 780, 60)
    keys = {v.id for v in p.visits}
    assert visit_key(ids["later"]) not in keys  # due in two weeks: not offered today
    after = p.visit(visit_key(ids["afternoon"]))
    assert [(w.start, w.end) for w in after.windows] == [(13 * 60, 17 * 60 - 90)]
    assert after.requested == -15 * 60 and after.deadline == 18 * 60
    urgent = p.visit(visit_key(ids["urgent"]))
    assert urgent.urgency.value == "high" and urgent.skills == {"network"} and urgent.dedicated == "K01"
    assert urgent.priority == 2 and not urgent.dedicated_required
    # The contract requires K02, who does not work on Thursdays: reported, not offered.
    assert [u.visit for u in snap.excluded] == [visit_key(ids["dedicated"])]
    assert "K02" in snap.excluded_text[visit_key(ids["dedicated"])]


def test_a_request_received_after_now_is_not_planned_yet(database: Database) -> None:
    """Planning the day at 07:30: the request received at 08:00 is not in yet (the request list does not
    show it either); the one received yesterday is. At 08:00 both are."""
    ids = _business(database)
    with database.sessions() as s:
        early = {v.id for v in load_day(s, DAY, now=_at(7, 30)).problem.visits}
        on_time = {v.id for v in load_day(s, DAY, now=_at(8)).problem.visits}
    assert visit_key(ids["urgent"]) not in early
    assert visit_key(ids["afternoon"]) in early
    assert {visit_key(ids["urgent"]), visit_key(ids["afternoon"])} <= on_time


def test_contract_priority_puts_monthly_plans_before_annual() -> None:
    """Monthly-billed plans outrank annual incident plans, which outrank no contract."""
    monthly = Contract(plan="support_incidents", start_month=dt.date(2026, 1, 1), options={"billing": "monthly"}, status="active")
    annual = Contract(plan="support_incidents", start_month=dt.date(2026, 1, 1), options={"billing": "annual"}, status="active")
    assert contract_priority([monthly]) > contract_priority([annual]) > contract_priority([])


def test_commit_writes_visits_and_statuses_in_one_go(database: Database) -> None:
    """Committing a proposal creates the visits, marks the requests planned, and re-reads as the committed plan."""
    ids = _business(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    plan = _hand_plan(ids, "urgent", "afternoon")
    with database.sessions() as s:
        assert s.query(Visit).count() == 0  # nothing written before commit
    with database.transaction() as s:
        result = commit_plan(s, snap, plan)
    assert (result.created, result.updated, result.removed) == (2, 0, 0)
    with database.sessions() as s:
        visits = s.query(Visit).order_by(Visit.sequence).all()
        assert [(v.request_id, v.planned_start, v.sequence) for v in visits] == [(ids["urgent"], _at(10), 0), (ids["afternoon"], _at(12), 1)]
        assert s.get(VisitRequest, ids["urgent"]).status == "planned"  # type: ignore[union-attr]
        again = load_day(s, DAY)
    assert again.committed is not None and again.committed.assignment()[visit_key(ids["urgent"])] == ("K01", 10 * 3600)
    # Re-planning the same day moves visits in place and removes the one left out.
    with database.transaction() as s:
        result = commit_plan(s, again, _hand_plan(ids, "afternoon"))
    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    with database.sessions() as s:
        assert s.get(VisitRequest, ids["urgent"]).status == "open"  # type: ignore[union-attr]


def test_commit_over_a_change_by_someone_else_is_refused_and_writes_nothing(database: Database) -> None:
    """A request edited by another dispatcher after the plan was made: the commit is refused."""
    ids = _business(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    with database.transaction() as s:
        req = s.get(VisitRequest, ids["urgent"])
        assert req is not None
        req.urgency = "emergency"
    with pytest.raises(ConflictError, match="someone else"):
        with database.transaction() as s:
            commit_plan(s, snap, _hand_plan(ids, "urgent", "afternoon"))
    with database.sessions() as s:
        assert s.query(Visit).count() == 0
        assert s.get(VisitRequest, ids["afternoon"]).status == "open"  # type: ignore[union-attr]


def test_second_dispatcher_committing_the_same_day_is_refused(database: Database) -> None:
    """Two dispatchers plan the same day from the same reading; the second commit is refused."""
    ids = _business(database)
    with database.sessions() as s:
        mine = load_day(s, DAY)
        theirs = load_day(s, DAY)
    with database.transaction() as s:
        commit_plan(s, theirs, _hand_plan(ids, "afternoon"))
    with pytest.raises(ConflictError):
        with database.transaction() as s:
            commit_plan(s, mine, _hand_plan(ids, "urgent"))
    with database.sessions() as s:
        assert [v.request_id for v in s.query(Visit)] == [ids["afternoon"]]


def test_commit_in_a_closed_month_is_locked(database: Database) -> None:
    """A day of a closed billing month cannot be re-planned."""
    ids = _business(database)
    with database.transaction() as s:
        s.add(ClosedMonth(month=DAY.replace(day=1), closed_at=AT))
    with database.sessions() as s:
        snap = load_day(s, DAY)
    with pytest.raises(LockedError, match="closed billing month"):
        with database.transaction() as s:
            commit_plan(s, snap, _hand_plan(ids, "urgent"))


def test_pins_are_kept_by_the_solver_and_saved_on_commit(database: Database) -> None:
    """A visit pinned to 14:00 is planned at 14:00, and the pin is stored with the request."""
    ids = _business(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    key = visit_key(ids["afternoon"])
    pinned = snap.with_pin(key, "K01", 14 * 60)
    plan = solve(pinned.problem, SolveParams(time_limit=2, solution_limit=50, explain=False))
    assert plan.assignment()[key] == ("K01", 14 * 3600)
    with database.transaction() as s:
        commit_plan(s, pinned, plan)
    with database.sessions() as s:
        req = s.get(VisitRequest, ids["afternoon"])
        assert req is not None and req.pinned_start == _at(14) and req.pinned_concierge_id == ids["k1"]
        assert load_day(s, DAY).problem.visit(key).pinned is not None


def test_replan_from_now_keeps_done_visits_and_inserts_the_emergency(database: Database) -> None:
    """At 11:00 with one visit done: an emergency is inserted; the done visit stays where it was."""
    ids = _business(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    with database.transaction() as s:
        commit_plan(s, snap, _hand_plan(ids, "urgent", "afternoon"))
    with database.transaction() as s:
        v = s.query(Visit).filter_by(request_id=ids["urgent"]).one()
        v.status, v.actual_start, v.actual_end, v.work_slip = "done", _at(10, 5), _at(10, 50), "switch replaced"
        client = s.get(Client, 1)
        assert client is not None
        s.add(VisitRequest(client=client, office=client.offices[0], received_at=_at(10, 55), urgency="emergency",
                           deadline=_at(18), estimated_minutes=30, description="server down"))
    with database.sessions() as s:
        snap = load_day(s, DAY)
    done = visit_key(ids["urgent"])
    assert snap.problem.visit(done).status is VisitStatus.DONE and done in snap.fixed
    result = replan_from_now(snap, _at(11))
    assignment = result.plan.assignment()
    assert assignment[done] == ("K01", 10 * 3600 + 300)
    assert len(result.inserted) == 1 and assignment[result.inserted[0]][1] >= 11 * 3600
    with database.transaction() as s:
        commit_plan(s, snap, result.plan)
    with database.sessions() as s:
        assert s.query(Visit).filter_by(status="done").count() == 1
        assert s.query(Visit).count() == 3


def test_move_by_hand_retimes_the_route(database: Database) -> None:
    """Moving a visit to the front of the route gives new times (lunch first, then the 13:00 window)."""
    ids = _business(database)
    with database.sessions() as s:
        snap = load_day(s, DAY)
    plan = _hand_plan(ids, "urgent", "afternoon")
    moved = move_visit(snap, plan, visit_key(ids["afternoon"]), "K01", 0)
    route = moved.plan.route_of("K01")
    assert [s.visit for s in route.stops] == [visit_key(ids["afternoon"]), visit_key(ids["urgent"])]
    first = route.stops[0]
    assert route.break_start == 11 * 3600 + 1800 and first.start == max(13 * 3600, first.arrival)
    assert route.stops[1].start >= route.stops[0].end + route.stops[1].travel_seconds


def test_default_deadlines_by_urgency_skip_weekends_and_holidays() -> None:
    """Emergency: today by closing; high: +24 h; normal: 3 business days (Japanese holidays skipped)."""
    fri = dt.datetime(2026, 11, 20, 10, 0)  # Mon 23 Nov is Labour Thanksgiving Day
    assert default_deadline("emergency", fri) == dt.datetime(2026, 11, 20, 18, 0)
    assert default_deadline("emergency", fri.replace(hour=19)) == dt.datetime(2026, 11, 20, 23, 0)
    assert default_deadline("high", fri) == dt.datetime(2026, 11, 21, 10, 0)
    assert default_deadline("normal", fri) == dt.datetime(2026, 11, 26, 10, 0)


def test_intake_saves_a_request_with_the_default_deadline_and_rejects_bad_input(database: Database) -> None:
    """Search a client by part of its name, save an emergency; a bad form names the field and writes nothing."""
    _business(database)
    with database.sessions() as s:
        [choice] = search_clients(s, "青葉")
    assert choice.dedicated is not None and choice.dedicated.startswith("K01") and choice.priority == 2
    now = _at(9, 30)
    with database.transaction() as s:
        req = save_request(s, RequestForm(choice.id, choice.offices[0][0], urgency="emergency", minutes=30, description="server down"), now)
        assert req.deadline == _at(18) and req.status == "open"
    with pytest.raises(ValidationError) as info:
        with database.transaction() as s:
            save_request(s, RequestForm(choice.id, choice.offices[0][0], minutes=0, description="x"), now)
    assert info.value.field == "minutes"
    with database.sessions() as s:
        assert s.query(VisitRequest).count() == 5
