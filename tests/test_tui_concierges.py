"""The concierges screen as an admin uses it: filter, add, a bad form, edit, conflicts, deactivate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from admin_host import AdminHost, demo_context, settle
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, SelectionList, Static

from data.db import Database
from data.models import Client, Concierge
from tui.screens.concierge_form import ConciergeFormScreen
from tui.screens.concierges import ConciergesScreen
from tui.widgets.form import FormField

SIZE = (100, 40)


def _host(database: Database) -> AdminHost:
    ctx = demo_context(database)
    return AdminHost(lambda: ConciergesScreen(ctx))


async def _settle(app: AdminHost, pilot: Pilot[None]) -> None:
    await settle(pilot)


def _field(screen: Screen[Any], name: str) -> FormField:
    return screen.query_one(f"#field-{name}", FormField)


def _count(database: Database) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count(Concierge.id))) or 0


async def test_filter_by_skill_and_see_dedicated_clients(database: Database) -> None:
    """Typing "english" keeps the English speakers; the detail pane names their dedicated clients."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        table = app.screen.query_one("#table", DataTable)
        assert table.row_count == 9
        await pilot.press("slash", *"english")
        await _settle(app, pilot)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["K02", "K05", "K08"]
        await pilot.press("down")  # to the list
        detail = str(app.screen.query_one("#detail", Static).render())
        assert "Emily Clark" in detail and "朝日歯科クリニック" in detail


async def test_add_concierge_with_bad_hours_then_fixed(database: Database) -> None:
    """A shift ending before it starts is shown under "Shift end" and nothing is saved until fixed."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("down", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ConciergeFormScreen)
        _field(form, "name").value = "高橋 健"
        _field(form, "home_address").value = "東京都品川区大崎1丁目"
        _field(form, "home_lat").value = "35.6197"
        _field(form, "home_lon").value = "139.7286"
        skills = form.query_one("#skills", SelectionList)
        skills.select("network")
        skills.select("printer")
        form.query_one("#working-days", SelectionList).select("sat")
        _field(form, "shift_start").value = "18:00"
        _field(form, "shift_end").value = "09:00"
        _field(form, "dedicated_clients").value = "C0001"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "Must be after shift_start" in _field(form, "shift_end").error
        assert _count(database) == 9
        _field(form, "shift_start").value = "09:00"
        _field(form, "shift_end").value = "17:00"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert isinstance(app.screen, ConciergesScreen)
        table = app.screen.query_one("#table", DataTable)
        assert table.row_count == 10
        assert str(table.get_row_at(table.cursor_row)[1]) == "高橋 健"
    with database.sessions() as s:
        new = s.scalars(select(Concierge).where(Concierge.name == "高橋 健")).one()
        assert new.shift_end == dt.time(17, 0) and new.skills == ["network", "printer"]
        assert new.working_days == [0, 1, 2, 3, 4, 5]
        client = s.scalars(select(Client).where(Client.code == "C0001")).one()
        assert client.dedicated_concierge_id == new.id


async def test_unknown_client_code_is_shown_next_to_the_field(database: Database) -> None:
    """A dedicated client code that does not exist is named under "Dedicated clients"."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ConciergeFormScreen)
        assert _field(form, "name").value == "佐々木 亮"
        _field(form, "dedicated_clients").value = "C9999"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Unknown client 'C9999'" in _field(form, "dedicated_clients").error


async def test_edit_after_someone_else_saved_offers_reload(database: Database) -> None:
    """Someone changed K01 meanwhile: saving shows a conflict and Reload brings their values."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ConciergeFormScreen)
        with database.transaction() as s:
            other = s.scalars(select(Concierge).where(Concierge.code == "K01")).one()
            other.max_visits = 4
        _field(form, "max_visits").value = "7"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "changed by someone else" in str(form.query_one("#conflict-text", Static).render())
        await pilot.click("#reload")
        await pilot.pause()
        assert _field(form, "max_visits").value == "4"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert isinstance(app.screen, ConciergesScreen)
    with database.sessions() as s:
        k01 = s.scalars(select(Concierge).where(Concierge.code == "K01")).one()
        assert (k01.max_visits, k01.skills, k01.working_days) == (4, ["network", "server"], [0, 1, 2, 3, 4])


async def test_deactivate_asks_first(database: Database) -> None:
    """d asks before deactivating; "n" keeps the concierge active, "y" deactivates."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("down", "d", "n")
        await _settle(app, pilot)
        await pilot.press("d", "y")
        await _settle(app, pilot)
        table = app.screen.query_one("#table", DataTable)
        assert table.get_row_at(0)[6] == "no"
    with database.sessions() as s:
        assert s.scalars(select(Concierge.active).where(Concierge.code == "K01")).one() is False
        assert s.scalars(select(Concierge.active).where(Concierge.code == "K02")).one() is True


async def test_typing_in_the_filter_is_not_a_command(database: Database) -> None:
    """Typing "nakano" in the filter filters (the "n" and "e" keys do not open a form)."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"中野")
        await pilot.press(*"  ne")
        await _settle(app, pilot)
        assert isinstance(app.screen, ConciergesScreen)
        assert app.screen.query_one("#filter", Input).value == "中野  ne"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.screen.query_one("#table", DataTable).row_count == 9
