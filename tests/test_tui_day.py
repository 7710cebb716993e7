"""A concierge's day in the app: stops in order with the details, the map, the work slip and the .ics export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
from board_scenario import DAY, at, build
from textual.widgets import DataTable, Input, Label, Static, TextArea
from tui_fakes import Host, sqlite_database_fixture  # noqa: F401  (the sqlite_database fixture)

from data.db import Database
from data.models import Visit
from tui.context import AppContext, Role
from tui.screens.day import DayScreen
from tui.screens.work_slip import WorkSlipDialog
from tui.widgets.route_map import RouteMap

SIZE = (130, 42)


NOW = at(9, 45)


def host(database: Database, role: str = "concierge:K01", code: str | None = None, now: dt.datetime = NOW, export_dir: Path | None = None) -> Host:
    ctx = AppContext(database, Role.parse(role), clock=lambda: now)
    return Host(lambda app: DayScreen(ctx, code, export_dir=export_dir))


def day_screen(app: Host) -> DayScreen:
    screen = app.screen
    assert isinstance(screen, DayScreen)
    return screen


async def test_my_day_shows_stops_in_order_with_details_and_a_map(sqlite_database: Database) -> None:
    """K01 opens My day: three stops by time; the first shows address, contact, request, seats, travel; the map has H 1 2 3."""
    build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        screen = day_screen(app)
        await pilot.pause()
        table = screen.query_one("#stops", DataTable)
        assert [table.get_row_at(k)[1] for k in range(table.row_count)] == ["09:40", "10:50", "13:00"]
        detail = str(screen.query_one("#stop-detail", Static).render())
        for text in ("東京都千代田区丸の内1丁目1-1", "田中 健一 03-1234-5678", "社内LANに接続できない",
                     "12 PCs (10 Windows, 2 macOS), 1 server, 1 printer", "travel from the previous stop: 40 min"):
            assert text in detail
        drawn = str(screen.query_one(RouteMap).render())
        assert all(mark in drawn for mark in ("H", "1", "2", "3"))
        assert "K01 佐々木 亮 — Thu 26 Nov 2026 — 3 stops" in str(screen.query_one("#day-title", Label).render())
        await pilot.press("right_square_bracket")
        assert screen.day == DAY + dt.timedelta(days=1) and table.row_count == 0
        assert "No visits" in str(screen.query_one("#stop-detail", Static).render())
        await pilot.press("left_square_bracket")
        assert table.row_count == 3


async def test_a_concierge_only_sees_their_own_day(sqlite_database: Database) -> None:
    """K02 asking for K01's day gets their own (empty) day; k does not switch."""
    build(sqlite_database)
    app = host(sqlite_database, role="concierge:K02", code="K01")
    async with app.run_test(size=SIZE) as pilot:
        screen = day_screen(app)
        await pilot.pause()
        await pilot.press("k")
        assert screen.code == "K02" and screen.query_one("#stops", DataTable).row_count == 0
        assert "next_concierge" not in {b.binding.action for b in app.active_bindings.values() if b.enabled}


async def test_concierge_marks_a_visit_arrived_then_done_with_a_slip(sqlite_database: Database) -> None:
    """a at 09:45 starts the first visit; at 10:40 w, a slip text and ctrl+s close it: done, times and slip stored."""
    ids = build(sqlite_database)
    moment = [NOW]
    ctx = AppContext(sqlite_database, Role.parse("concierge:K01"), clock=lambda: moment[0])
    app = Host(lambda app: DayScreen(ctx))
    async with app.run_test(size=SIZE) as pilot:
        screen = day_screen(app)
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert "on site since 09:45" in str(screen.query_one("#stop-detail", Static).render())
        moment[0] = at(10, 40)  # the work takes time: the slip is written after it
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkSlipDialog)
        dialog.query_one("#slip-end", Input).value = "10:35"
        await pilot.press("ctrl+s")  # empty slip on a 60-minute visit: refused with a sentence
        assert "write what was done" in str(dialog.query_one("#slip-error", Label).render())
        dialog.query_one("#slip-text", TextArea).text = "ハブ交換、疎通確認"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "done 09:45–10:35: ハブ交換、疎通確認" in str(screen.query_one("#stop-detail", Static).render())
    with sqlite_database.sessions() as s:
        v = s.get(Visit, ids["v_lan"])
        assert v is not None and (v.status, v.actual_start, v.actual_end, v.work_slip) == ("done", at(9, 45), at(10, 35), "ハブ交換、疎通確認")


async def test_minor_task_is_closed_without_a_slip(sqlite_database: Database) -> None:
    """The 30-minute toner change is done with an empty slip."""
    ids = build(sqlite_database)
    app = host(sqlite_database, now=at(11, 10))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "w")
        await pilot.pause()
        assert isinstance(app.screen, WorkSlipDialog)
        await pilot.press("ctrl+s")
        await pilot.pause()
    with sqlite_database.sessions() as s:
        v = s.get(Visit, ids["v_toner"])
        assert v is not None and v.status == "done" and v.work_slip is None and v.actual_end == at(11, 10)


async def test_export_key_writes_an_ics_with_one_event_per_stop(sqlite_database: Database, tmp_path: Path) -> None:
    """e then Enter writes K01-2026-11-26.ics; icalendar reads three events with address and geo."""
    build(sqlite_database)
    app = host(sqlite_database, role="dispatcher", code="K01", export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    path = tmp_path / "K01-2026-11-26.ics"
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert len(events) == 3
    assert str(events[0]["LOCATION"]) == "東京都千代田区丸の内1丁目1-1" and events[0].decoded("GEO") == (35.6812, 139.7671)
    assert events[0].decoded("DTSTART") == dt.datetime(2026, 11, 26, 9, 40, tzinfo=events[0].decoded("DTSTART").tzinfo)
