"""A concierge's day: stops in order, the work slip, and the exports a phone calendar imports."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from board_scenario import DAY, at, build

from data.db import Database
from data.errors import ConflictError, LockedError, NotFoundError, ValidationError
from data.models import ClosedMonth, Visit, VisitRequest
from data.route import concierge_day, mark_arrived, mark_done, route_ics, route_json, route_text


def test_day_lists_stops_in_order_with_contact_seats_and_travel(database: Database) -> None:
    """K01's Thursday: three stops in time order with address, contact, request, seats and travel."""
    build(database)
    with database.sessions() as s:
        day = concierge_day(s, "k01", DAY)
    assert [(x.arrival, x.client, x.office) for x in day.stops] == [
        (at(9, 40), "青葉商事", "本社"), (at(10, 50), "青葉商事", "本社"), (at(13), "青葉商事", "新宿営業所")]
    first = day.stops[0]
    assert first.address == "東京都千代田区丸の内1丁目1-1" and first.contact == "田中 健一 03-1234-5678"
    assert first.seats == "12 PCs (10 Windows, 2 macOS), 1 server, 1 printer"
    assert first.request == "社内LANに接続できない" and first.travel_minutes == 40
    with database.sessions() as s:
        assert concierge_day(s, "佐々木 亮", DAY).concierge == "K01"
        with pytest.raises(NotFoundError, match="K99"):
            concierge_day(s, "K99", DAY)


def test_work_slip_arrived_then_done_feeds_the_request_status(database: Database) -> None:
    """Arrived sets the actual start; done records the end and the slip; the request is done."""
    ids = build(database)
    with database.transaction() as s:
        mark_arrived(s, ids["v_lan"], at(9, 45), expected_version=1)
    with database.transaction() as s:
        mark_done(s, ids["v_lan"], start=None, end=at(10, 35), slip="ハブ交換、疎通確認", expected_version=2)
    with database.sessions() as s:
        v = s.get(Visit, ids["v_lan"])
        assert v is not None and (v.status, v.actual_start, v.actual_end, v.work_slip) == ("done", at(9, 45), at(10, 35), "ハブ交換、疎通確認")
        assert v.request.status == "done"


def test_minor_task_may_skip_the_slip_but_a_long_one_may_not(database: Database) -> None:
    """A 30-minute routine toner change closes without a slip; the 90-minute setup needs one."""
    ids = build(database)
    with database.transaction() as s:
        mark_done(s, ids["v_toner"], start=at(10, 50), end=at(11, 5), slip=None)
    with pytest.raises(ValidationError) as info:
        with database.transaction() as s:
            mark_done(s, ids["v_pc"], start=at(13), end=at(14), slip="  ")
    assert info.value.field == "slip"
    with database.sessions() as s:
        assert s.get(VisitRequest, ids["r_pc"]).status == "planned"  # type: ignore[union-attr]


def test_stale_slip_and_closed_month_are_refused(database: Database) -> None:
    """A slip saved over someone else's change is a conflict; a visit in a closed month is locked."""
    ids = build(database)
    with pytest.raises(ConflictError):
        with database.transaction() as s:
            mark_arrived(s, ids["v_pc"], at(13), expected_version=7)
    with pytest.raises(ValidationError, match="before the start"):
        with database.transaction() as s:
            mark_done(s, ids["v_pc"], start=at(13), end=at(12), slip="x")
    with database.transaction() as s:
        s.add(ClosedMonth(month=DAY.replace(day=1), closed_at=at(20)))
    with pytest.raises(LockedError):
        with database.transaction() as s:
            mark_arrived(s, ids["v_pc"], at(13))


def test_ics_parses_with_one_event_per_stop_with_location_and_geo(database: Database) -> None:
    """The exported calendar parses; one VEVENT per stop, with the address, GEO and Tokyo times."""
    build(database)
    with database.sessions() as s:
        day = concierge_day(s, "K01", DAY)
    cal = icalendar.Calendar.from_ical(route_ics(day))
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(day.stops) == 3
    first = events[0]
    assert str(first["LOCATION"]) == "東京都千代田区丸の内1丁目1-1"
    assert (first["GEO"].latitude, first["GEO"].longitude) == (35.6812, 139.7671)
    start = first.decoded("DTSTART")
    assert start == at(9, 40).replace(tzinfo=start.tzinfo) and start.utcoffset() == dt.timedelta(hours=9)
    assert len({str(e["UID"]) for e in events}) == 3


def test_json_and_text_exports(database: Database) -> None:
    """JSON carries the stops with offsets; the text print names client, address and seats."""
    build(database)
    with database.sessions() as s:
        day = concierge_day(s, "K01", DAY)
    doc = route_json(day)
    assert doc["schema"] == "concierge-route/1" and doc["stops"][0]["arrival"] == "2026-11-26T09:40:00+09:00"
    text = route_text(day)
    assert "1. 09:40–10:40  青葉商事 本社" in text and "seats: 12 PCs (10 Windows, 2 macOS)" in text
