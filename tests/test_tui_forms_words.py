"""Forms and words on the admin screens: a changed form asks before Escape, the cursor follows a new office,
Escape from Seats lands on the offices list, fees and days in people's words."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Button, DataTable, Input
from tui_desk import demo_db_fixture, demo_template_fixture, desk, settle  # noqa: F401  (fixtures)

from data.db import Database
from data.models import Client
from data.queries import ClientFee
from tui.screens.client_detail import ClientDetailScreen
from tui.screens.client_form import ClientFormScreen
from tui.screens.clients import ClientsScreen
from tui.screens.concierges import _days
from tui.screens.office_form import OfficeFormScreen
from tui.screens.seats import SeatsScreen
from tui.text import counted
from tui.widgets.confirm import ConfirmDialog


async def test_escape_on_a_changed_form_asks_and_keeps_editing_by_default(demo_db: Database) -> None:
    """New client, a name typed, Escape: "Discard your changes?" with Keep editing focused; n keeps the text,
    Escape again and y discards; nothing is saved."""
    with demo_db.sessions() as session:
        before = session.query(Client).count()
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "n")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        await pilot.press(*"半分商事")
        await pilot.press("escape")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and "Discard" in dialog.question
        focused = app.focused
        assert isinstance(focused, Button) and focused.id == "confirm-no"
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        assert app.screen.query_one("#input-name", Input).value == "半分商事"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
    with demo_db.sessions() as session:
        assert session.query(Client).count() == before


async def test_escape_on_an_untouched_form_just_closes(demo_db: Database) -> None:
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)


async def test_a_new_office_gets_the_cursor_and_escape_from_seats_returns_to_the_offices(demo_db: Database) -> None:
    """The first client has several offices: a new one saved is the highlighted row; Enter opens its seats,
    Escape comes back with the offices list focused (not the tab bar)."""
    app = desk(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ClientDetailScreen) and detail.detail is not None
        offices = detail.query_one("#offices", DataTable)
        assert offices.has_focus
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OfficeFormScreen)
        app.screen.query_one("#input-name", Input).value = "ん新営業所"
        app.screen.query_one("#input-address", Input).value = "東京都新宿区西新宿1丁目5-1"
        await settle(pilot, delay=0.5)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert app.screen is detail and detail.detail is not None
        names = [o.name for o in detail.detail.offices]
        assert "ん新営業所" in names
        assert offices.cursor_row == names.index("ん新営業所")
        assert offices.has_focus
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SeatsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is detail and offices.has_focus


def test_a_two_tier_fee_names_the_fee_per_visit() -> None:
    fee = ClientFee(Decimal(30800), Decimal(13200))
    assert fee.words() == "¥30,800 + ¥13,200/visit"
    assert ClientFee(Decimal(50400)).words() == "¥50,400"


async def test_the_client_list_shows_two_tier_fees_with_the_visit_fee(demo_db: Database) -> None:
    from tui_desk import fees_priced, wait_until

    app = desk(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, delay=0.4)
        await wait_until(pilot, lambda: fees_priced(app))
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        two_tier = [r for r in screen.rows if r.id in screen.fees and screen.fees[r.id].per_visit_gross]
        assert two_tier, "the demo has two-tier clients"
        cell = str(screen.query_one("#clients", DataTable).get_cell(str(two_tier[0].id), "fee"))
        assert cell.endswith("/visit") and " + ¥" in cell


def test_working_days_read_one_way() -> None:
    assert _days(("mon", "tue", "wed", "thu", "fri")) == "Mon–Fri"
    assert _days(("tue", "wed", "thu", "fri", "sat")) == "Tue–Sat"
    assert _days(("mon", "wed", "sat")) == "Mon Wed Sat"


def test_one_is_singular() -> None:
    assert counted(1, "office") == "1 office" and counted(2, "office") == "2 offices" and counted("1", "unit") == "1 unit"
