"""Typed input on the dispatch board that used to crash the app: a date jump past year 9999, a 5,000-digit
minute count, markup typed into a field. Each is named under the field; the app keeps running."""

from __future__ import annotations

import datetime as dt
from typing import Any

from board_scenario import DAY, NOW, build
from textual.widgets import Input, Label, Static
from tui_fakes import FakePlanner, Host, sqlite_database_fixture  # noqa: F401  (the sqlite_database fixture)

from data.db import Database
from tui.context import AppContext, Role
from tui.screens.board import BoardScreen
from tui.screens.board_dialogs import DateDialog
from tui.screens.request_form import RequestFormScreen

SIZE = (130, 42)


def host(database: Database) -> Host:
    ctx = AppContext(database, Role("dispatcher"), clock=lambda: NOW)
    return Host(lambda app: BoardScreen(ctx, FakePlanner(), day=DAY))


async def test_a_date_jump_beyond_the_calendar_is_named(sqlite_database: Database) -> None:
    """g then +99999999: "date: … is not YYYY-MM-DD or +N/-N days" under the field (OverflowError crashed the app)."""
    build(sqlite_database)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DateDialog)
        for typed in ("+99999999", "[/inc]"):
            dialog.query_one("#date-input", Input).value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is dialog
            assert typed in str(dialog.query_one("#date-error", Label).render())
        dialog.query_one("#date-input", Input).value = "+1"
        await pilot.press("enter")
        await pilot.pause()
        board: Any = app.screen
        assert isinstance(board, BoardScreen) and board.day == DAY + dt.timedelta(days=1)


async def test_a_huge_minute_count_is_named_in_the_request_form(sqlite_database: Database) -> None:
    """5,000 digits of minutes: the form says "minutes: …" instead of crashing on int()."""
    build(sqlite_database, committed=False)
    app = host(sqlite_database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        form.query_one("#client-search", Input).value = "青葉"
        await app.workers.wait_for_complete()
        await pilot.pause()
        form.query_one("#minutes", Input).value = "9" * 5000
        form.query_one("#description", Input).value = "[/inc] サーバが停止"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "minutes:" in str(form.query_one("#form-error", Static).render())
