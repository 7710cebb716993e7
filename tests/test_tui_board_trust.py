"""The board a dispatcher can trust (issue 12), driven with keys: the status line after commit and discard,
the plan column of a proposal, unplanned emergencies first, questions before anything is lost, pin markers,
the labelled dialogs, and a board that fits 80×24."""

from __future__ import annotations

import datetime as dt
from typing import Any

from board_scenario import DAY, NOW, at, build
from textual.widgets import DataTable, Input, Static
from tui_fakes import FakePlanner, Host, sqlite_database_fixture  # noqa: F401  (the sqlite_database fixture)

from data.db import Database
from data.models import VisitRequest
from tui.context import AppContext, Role
from tui.screens.board import BoardScreen
from tui.screens.board_dialogs import MoveDialog, PinDialog
from tui.screens.board_words import short_name
from tui.screens.request_form import RequestFormScreen
from tui.widgets.confirm import ConfirmDialog

SIZE = (140, 45)


def host(database: Database, now: dt.datetime = NOW) -> Host:
    ctx = AppContext(database, Role("dispatcher"), clock=lambda: now)
    return Host(lambda app: BoardScreen(ctx, FakePlanner(), day=DAY))


def board(app: Host) -> BoardScreen:
    assert isinstance(app.screen, BoardScreen)
    return app.screen


def status(screen: BoardScreen) -> str:
    return str(screen.query_one("#progress", Static).render())


async def planned(pilot: Any) -> None:
    await pilot.press("p")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def cell(table: DataTable[Any], key: str, column: int) -> str:
    return str(table.get_row(key)[column])


async def test_status_line_after_commit_and_discard_and_the_plan_column(sqlite_database: Database) -> None:
    build(sqlite_database, committed=False)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await planned(pilot)
        assert screen.proposal is not None
        where = screen.proposal.assignment()
        requests = screen.query_one("#request-table", DataTable)
        some = next(iter(where))
        assert cell(requests, some, 6) == f"{where[some][0]} {where[some][1] // 3600:02d}:{where[some][1] // 60 % 60:02d}"
        assert "not saved: c commits" in status(screen)
        await pilot.press("d")  # asks; Cancel is focused, Enter keeps the proposal
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.proposal is not None
        await pilot.press("c", "y")
        await pilot.pause()
        assert screen.proposal is None
        line = status(screen)
        assert line.startswith("Committed Thu 26 Nov") and "not saved" not in line and "Nothing is saved" not in line
        await planned(pilot)
        await pilot.press("d", "y")
        await pilot.pause()
        assert screen.proposal is None and status(screen).startswith("Proposal discarded; nothing was written")


async def test_an_unplanned_emergency_is_first_in_red_with_why_and_counted(sqlite_database: Database) -> None:
    ids = build(sqlite_database)  # K01's day is committed
    with sqlite_database.transaction() as s:
        s.add(VisitRequest(client_id=ids["c1"], office_id=ids["o1"], received_at=at(8, 10), urgency="emergency",
                           deadline=at(12), estimated_minutes=60, description="サーバ停止"))
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.pause()
        requests = screen.query_one("#request-table", DataTable)
        first = requests.get_row_at(0)
        assert str(first[1]) == "EMER" and str(first[6]).startswith("UNPLANNED: ")
        assert str(first[0]) == "due 3h30"  # to its own deadline (12:00 at 08:30), not the 24 h aim
        assert "1 unplanned emergency" in status(screen)


async def test_escape_on_a_typed_form_asks_and_an_empty_one_closes(sqlite_database: Database) -> None:
    build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, RequestFormScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)  # nothing typed: closes at once
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        form.query_one("#description", Input).value = "PCが起動しない"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")  # the focused answer keeps the form
        await pilot.pause()
        assert app.screen is form and form.query_one("#description", Input).value == "PCが起動しない"


async def test_ctrl_q_with_a_proposal_asks_first(sqlite_database: Database) -> None:
    from tui.app import ConciergeApp

    build(sqlite_database, committed=False)
    app = ConciergeApp(AppContext(sqlite_database, Role("dispatcher"), clock=lambda: NOW))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        screen.planner = FakePlanner()
        await planned(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and app.screen is screen and screen.proposal is not None


async def test_pin_dialog_shows_the_visit_and_the_pin_is_marked_and_placed_at_once(sqlite_database: Database) -> None:
    ids = build(sqlite_database)
    key = f"R{ids['r_toner']}"
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        stops = screen.query_one("#proposal", DataTable)
        stops.focus()
        stops.move_cursor(row=stops.get_row_index(key))
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PinDialog)
        facts = " ".join(str(label.render()) for label in dialog.query("Label"))
        assert "青葉商事" in facts and "K01 10:50" in facts and "Concierge" in facts and "Start time" in facts
        dialog.query_one("#pin-start", Input).value = "15:00"
        from textual.widgets import Select

        dialog.query_one("#pin-concierge", Select).value = "K01"
        dialog.query_one("#pin-start", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.proposal is not None and screen.proposal.assignment()[key] == ("K01", 15 * 3600)
        assert f"*{key}" in [str(stops.get_row_at(r)[3]) for r in range(stops.row_count)]


async def test_move_dialog_previews_the_new_times(sqlite_database: Database) -> None:
    ids = build(sqlite_database)
    key = f"R{ids['r_toner']}"
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        stops = screen.query_one("#proposal", DataTable)
        stops.focus()
        stops.move_cursor(row=stops.get_row_index(key))
        await pilot.press("m")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MoveDialog)
        dialog.query_one("#move-position", Input).value = "1"
        await pilot.pause()
        preview = str(dialog.query_one("#move-preview").render())
        assert preview.startswith("new times: ▶" + key)


async def test_the_board_at_80x24_stacks_its_panes(sqlite_database: Database) -> None:
    build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = board(app)
        await pilot.pause()
        requests = screen.query_one("#request-table", DataTable)
        assert screen.has_class("narrow") and requests.region.height >= 4 and requests.region.width >= 70
        await pilot.press("v")
        await pilot.pause()
        assert screen.query_one("#proposal", DataTable).region.width >= 70 and requests.region.height == 0
        await pilot.press("v")
        await pilot.pause()
        assert screen.query_one("#unplanned", DataTable).region.height >= 8 and "showing unplanned" in status(screen)


def test_short_names_drop_the_company_form_only_when_narrow() -> None:
    assert short_name("株式会社青葉商事", 8) == "青葉商事"
    assert short_name("株式会社青葉商事", 20) == "株式会社青葉商事"
    assert short_name("有限会社ながいながい名前の会社", 10) == "ながいなが"
