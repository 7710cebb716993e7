"""My day's guard rails as a concierge meets them: one stop on site at a time, undo of arrived, no slip
ending later than now, a slip editable until its month is closed (the rules: data.work_slip)."""

from __future__ import annotations

import datetime as dt

from board_scenario import DAY, at, build
from test_tui_day import SIZE, day_screen, host
from textual.widgets import DataTable, Input, Label, Static, TextArea
from tui_fakes import Host, sqlite_database_fixture  # noqa: F401  (the sqlite_database fixture)

from data.db import Database
from data.models import ClosedMonth, Visit
from data.work_slip import mark_done
from tui.screens.work_slip import WorkSlipDialog


def _visit(database: Database, visit_id: int) -> tuple[str, dt.datetime | None, dt.datetime | None, str | None]:
    with database.sessions() as s:
        v = s.get(Visit, visit_id)
        assert v is not None
        return v.status, v.actual_start, v.actual_end, v.work_slip


def _toasts(app: Host) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _states(app: Host) -> list[str]:
    table = day_screen(app).query_one("#stops", DataTable)
    return [str(table.get_row_at(k)[5]) for k in range(table.row_count)]


async def test_a_second_stop_on_site_is_refused_with_a_sentence(database: Database) -> None:
    """On site at stop 1 since 10:55, `a` on stop 2 says so in one line and changes nothing (SQLite and PostgreSQL)."""
    ids = build(database)
    app = host(database, now=at(10, 55))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "down", "a")
        await pilot.pause()
        refusal = _toasts(app)[-1]
        assert refusal.startswith("Not saved: already on site at '青葉商事 本社' since 10:55") and "undo its arrival" in refusal
        assert "\n" not in refusal
        assert _states(app) == ["on site", "", ""]
    assert _visit(database, ids["v_toner"])[0] == "planned"


async def test_arrived_is_undone_with_u(sqlite_database: Database) -> None:
    """`a` on the wrong stop, `u` takes it back (from any row of the day): planned again, no arrival time;
    with nothing on site the footer does not offer `u`."""
    ids = build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        screen = day_screen(app)
        await pilot.pause()
        await pilot.press("down", "a")
        await pilot.pause()
        assert _states(app) == ["", "on site", ""]
        assert "u: undo arrived" in str(screen.query_one("#stop-detail", Static).render())
        await pilot.press("up", "u")
        await pilot.pause()
        assert _states(app) == ["", "", ""]
        assert "Arrival at 09:45 at 青葉商事 本社 undone" in _toasts(app)[-1]
        assert _visit(sqlite_database, ids["v_toner"])[:2] == ("planned", None)
        assert "undo_arrived" not in {b.binding.action for b in app.active_bindings.values() if b.enabled}
        await pilot.press("u")  # nothing on site: the footer does not offer u, and u changes nothing
        await pilot.pause()
        assert _states(app) == ["", "", ""]
        await pilot.press("a")  # the right stop now: allowed, since the wrong one was undone
        await pilot.pause()
        assert _states(app) == ["on site", "", ""]


async def test_a_slip_ending_later_than_now_is_refused(sqlite_database: Database) -> None:
    """At 09:45, a slip ending at 11:45 is refused in the dialog, naming the end; the visit stays on site."""
    ids = build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkSlipDialog)
        dialog.query_one("#slip-end", Input).value = "11:45"
        dialog.query_one("#slip-text", TextArea).text = "ハブ交換"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert str(dialog.query_one("#slip-error", Label).render()) == (
            "end: 11:45 is in the future (now 09:45); a slip records work already done")
    assert _visit(sqlite_database, ids["v_lan"])[0] == "in_progress"


async def test_a_slip_is_editable_until_its_month_is_closed(sqlite_database: Database) -> None:
    """A done visit's slip is rewritten with `w`; after November is closed the same edit is refused in one line."""
    ids = build(sqlite_database)
    with sqlite_database.transaction() as s:
        mark_done(s, ids["v_lan"], start=at(9, 45), end=at(10, 35), slip="ハブ交換", now=at(18))
    app = host(sqlite_database, now=at(18))
    async with app.run_test(size=SIZE) as pilot:
        screen = day_screen(app)
        await pilot.pause()
        assert "w: edit the work slip (until the month is closed)" in str(screen.query_one("#stop-detail", Static).render())
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkSlipDialog)
        dialog.query_one("#slip-text", TextArea).text = "ハブ交換、疎通確認"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert _visit(sqlite_database, ids["v_lan"])[3] == "ハブ交換、疎通確認"
        with sqlite_database.transaction() as s:
            s.add(ClosedMonth(month=DAY.replace(day=1), closed_at=at(19)))
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkSlipDialog)
        dialog.query_one("#slip-text", TextArea).text = "書き換え"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "is in closed billing month 2026-11; it was invoiced and can no longer be changed" in _toasts(app)[-1]
    assert _visit(sqlite_database, ids["v_lan"])[3] == "ハブ交換、疎通確認"


async def test_escape_on_a_written_slip_asks_first(sqlite_database: Database) -> None:
    """A slip with text typed is not thrown away by Escape: it asks, "Keep editing" keeps the text; an
    untouched slip closes at once."""
    from tui.widgets.confirm import ConfirmDialog

    build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "w")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WorkSlipDialog)  # nothing typed: closed at once
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, WorkSlipDialog)
        await pilot.press(*"LAN")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the focused answer keeps the slip
        await pilot.pause()
        assert app.screen is dialog and "LAN" in dialog.query_one("#slip-text", TextArea).text
