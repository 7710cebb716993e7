"""The concierge's guard rails on both databases: one stop on site at a time (the database has the last
word), undo of arrived, no work-slip end after now (Japan's clock whatever TZ says), slips editable until
the month closes."""

from __future__ import annotations

import datetime as dt

import pytest
from board_scenario import DAY, at, build
from race_threads import Racer, blocked_behind, second_user
from sqlalchemy import select, update
from test_data_clock import machine_zone  # noqa: F401  (the fixture: TZ set to UTC, Pacific/Kiritimati, …)

import data.clock
from data.db import Database
from data.errors import ConflictError, LockedError, ValidationError
from data.models import ClosedMonth, Visit, VisitRequest
from data.work_slip import mark_arrived, mark_done, undo_arrived

EVENING = at(18)
"""The business clock in these tests: the evening of the scenario's day (every planned stop is over)."""


def _state(database: Database, visit_id: int) -> tuple[str, dt.datetime | None, int, str]:
    with database.sessions() as s:
        v = s.get(Visit, visit_id)
        assert v is not None
        return v.status, v.actual_start, v.version, v.request.status


def test_a_second_stop_on_site_the_same_day_is_refused_naming_the_first(database: Database) -> None:
    """Arrived at the LAN stop; arrived at the toner stop is refused with a sentence naming the LAN stop; nothing changed."""
    ids = build(database)
    with database.transaction() as s:
        mark_arrived(s, ids["v_lan"], at(9, 45), now=EVENING)
    with pytest.raises(ValidationError) as info:
        with database.transaction() as s:
            mark_arrived(s, ids["v_toner"], at(10, 50), now=EVENING)
    message = str(info.value)
    assert "already on site at '青葉商事 本社' since 09:45" in message and "\n" not in message
    assert info.value.field == "status"
    assert _state(database, ids["v_toner"])[:2] == ("planned", None)
    with database.transaction() as s:  # once the first is done, the next stop may start
        mark_done(s, ids["v_lan"], start=None, end=at(10, 35), slip="ハブ交換", now=EVENING)
    with database.transaction() as s:
        mark_arrived(s, ids["v_toner"], at(10, 50), now=EVENING)
    assert _state(database, ids["v_toner"])[0] == "in_progress"


def test_the_database_itself_refuses_two_stops_on_site(database: Database) -> None:
    """A writer that skips data.work_slip (or races it) still cannot put two of K01's stops on site the same
    day: the partial unique index refuses, translated to one sentence; another day or concierge is fine."""
    ids = build(database)
    with database.transaction() as s:
        mark_arrived(s, ids["v_lan"], at(9, 45), now=EVENING)
    with pytest.raises(ValidationError, match="already on site at another stop of this day") as info:
        with database.transaction() as s:
            v = s.get(Visit, ids["v_pc"])
            assert v is not None
            v.status = "in_progress"
    assert info.value.field == "status"
    assert _state(database, ids["v_pc"])[0] == "planned"
    with database.transaction() as s:  # the same concierge on another day: allowed
        v = s.get(Visit, ids["v_pc"])
        assert v is not None
        v.date, v.status = DAY + dt.timedelta(days=1), "in_progress"


def test_two_arrivals_saved_at_the_same_moment_leave_one_stop_on_site(database: Database) -> None:
    """K01's phone and tablet press "arrived" on two stops at once: B's read sees nothing on site (A has not
    committed), so the database decides: B waits for A, then is refused in one sentence; one stop is on site."""
    ids = build(database)
    other = second_user(database)

    def b_arrives() -> None:
        with other.transaction() as s:
            mark_arrived(s, ids["v_toner"], at(10, 50), now=EVENING)

    b = Racer(b_arrives)
    try:
        with database.transaction() as s:
            mark_arrived(s, ids["v_lan"], at(9, 45), now=EVENING)
            b.start()
            blocked_behind(database, b)
        b.finish()
    finally:
        other.engine.dispose()
    assert isinstance(b.error, ValidationError), b.error
    assert b.error.field == "status"
    if database.engine.dialect.name == "postgresql":  # B's read ran before A committed: the index refused
        assert "already on site at another stop of this day" in str(b.error)
    else:  # SQLite: B waited for the one writer, then read A's arrival
        assert "already on site at '青葉商事 本社' since 09:45" in str(b.error)
    assert [_state(database, ids[v])[0] for v in ("v_lan", "v_toner")] == ["in_progress", "planned"]


def test_arrived_can_be_undone_with_a_version_check(database: Database) -> None:
    """Undo clears the arrival and plans the visit and its request again; the version moves on, so a stale
    screen's undo (or arrival) is a conflict; undo on a planned or done visit says there is nothing to undo."""
    ids = build(database)
    with database.transaction() as s:
        mark_arrived(s, ids["v_toner"], at(9, 45), expected_version=1, now=EVENING)
    assert _state(database, ids["v_toner"]) == ("in_progress", at(9, 45), 2, "in_progress")
    with pytest.raises(ConflictError):
        with database.transaction() as s:
            undo_arrived(s, ids["v_toner"], expected_version=1)
    with database.transaction() as s:
        undo_arrived(s, ids["v_toner"], expected_version=2)
    assert _state(database, ids["v_toner"]) == ("planned", None, 3, "planned")
    with pytest.raises(ValidationError, match="not marked arrived: there is no arrival to undo"):
        with database.transaction() as s:
            undo_arrived(s, ids["v_toner"])
    with database.transaction() as s:  # the right stop now
        mark_arrived(s, ids["v_lan"], at(9, 45), now=EVENING)
        mark_done(s, ids["v_lan"], start=None, end=at(10, 30), slip="ハブ交換", now=EVENING)
    with pytest.raises(ValidationError, match="already done; edit its work slip instead"):
        with database.transaction() as s:
            undo_arrived(s, ids["v_lan"])


def test_arrival_is_on_the_visits_day_and_not_later_than_now(database: Database) -> None:
    """Arriving at a stop of another day, or at a time still to come, is refused."""
    ids = build(database)
    with pytest.raises(ValidationError, match="planned for Thu 2026-11-26, not Fri 2026-11-27"):
        with database.transaction() as s:
            mark_arrived(s, ids["v_lan"], at(9, 45, DAY + dt.timedelta(days=1)), now=EVENING + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="arrival: 09:45 is in the future \\(now 09:30\\)"):
        with database.transaction() as s:
            mark_arrived(s, ids["v_lan"], at(9, 45), now=at(9, 30))


def test_a_slip_ending_in_the_future_is_refused(database: Database) -> None:
    """At 10:00, a slip for the LAN stop ending at 12:00 is refused naming the end; ending 10:00 is accepted."""
    ids = build(database)
    with database.transaction() as s:
        mark_arrived(s, ids["v_lan"], at(9, 40), now=at(10))
    with pytest.raises(ValidationError) as info:
        with database.transaction() as s:
            mark_done(s, ids["v_lan"], start=None, end=at(12), slip="ハブ交換", now=at(10))
    assert info.value.field == "end" and str(info.value) == "end: 12:00 is in the future (now 10:00); a slip records work already done"
    assert _state(database, ids["v_lan"])[0] == "in_progress"
    with database.transaction() as s:
        mark_done(s, ids["v_lan"], start=None, end=at(10), slip="ハブ交換", now=at(10))
    assert _state(database, ids["v_lan"])[0] == "done"


@pytest.mark.usefixtures("machine_zone")
def test_now_is_japans_clock_whatever_the_machine_zone(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """01:30 UTC is 10:30 in Tokyo (the machine says 01:30 under TZ=UTC, 15:30 under Kiritimati): an end at
    10:20 is past, 11:00 is future."""
    monkeypatch.delenv("CONCIERGE_TIMEZONE", raising=False)
    instant = dt.datetime(2026, 11, 26, 1, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(data.clock, "_wall_clock", lambda: instant)
    ids = build(database)
    with database.transaction() as s:
        mark_arrived(s, ids["v_lan"], at(9, 40))
    with pytest.raises(ValidationError, match="end: 11:00 is in the future \\(now 10:30\\)"):
        with database.transaction() as s:
            mark_done(s, ids["v_lan"], start=None, end=at(11), slip="ハブ交換")
    with database.transaction() as s:
        mark_done(s, ids["v_lan"], start=None, end=at(10, 20), slip="ハブ交換")
    assert _state(database, ids["v_lan"])[0] == "done"


def test_a_slip_is_editable_until_its_month_is_closed(database: Database) -> None:
    """A done visit's slip can be rewritten; once November is closed, the rewrite is refused (and the database
    refuses a writer that skips the check)."""
    ids = build(database)
    with database.transaction() as s:
        mark_done(s, ids["v_toner"], start=at(10, 50), end=at(11, 5), slip=None, now=EVENING)
    with database.transaction() as s:
        mark_done(s, ids["v_toner"], start=at(10, 50), end=at(11, 10), slip="トナー交換、廃トナー回収", now=EVENING)
    with database.sessions() as s:
        v = s.get(Visit, ids["v_toner"])
        assert v is not None and (v.work_slip, v.actual_end) == ("トナー交換、廃トナー回収", at(11, 10))
    with database.transaction() as s:
        s.add(ClosedMonth(month=DAY.replace(day=1), closed_at=at(20)))
    with pytest.raises(LockedError, match="closed billing month 2026-11"):
        with database.transaction() as s:
            mark_done(s, ids["v_toner"], start=at(10, 50), end=at(11, 15), slip="書き換え", now=EVENING)
    with pytest.raises(LockedError):
        with database.transaction() as s:
            s.execute(update(Visit).where(Visit.id == ids["v_toner"]).values(work_slip="x"))  # no flush: the trigger refuses
    with database.sessions() as s:
        assert s.scalars(select(Visit.work_slip).where(Visit.id == ids["v_toner"])).one() == "トナー交換、廃トナー回収"
        assert s.get(VisitRequest, ids["r_toner"]).status == "done"  # type: ignore[union-attr]
