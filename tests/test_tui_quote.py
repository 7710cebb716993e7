"""The quote screen as an admin uses it: type offices and read the fee, start from a client, save, export."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from admin_host import AdminHost, demo_context, settle
from rich.console import Console
from sqlalchemy import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from data.db import Database
from data.models import Client, Office, Seat
from data.models import Quote as QuoteRow
from tui.screens.quote import QuoteScreen
from tui.screens.quote_export import QuoteExportDialog
from tui.widgets.form import FormField

SIZE = (120, 40)
FUJI = 3
"""C0003 株式会社富士建設: one office, 7 Windows PCs + 1 server (demo seed 7) → ¥36,960."""


def _host(database: Database, client_id: int | None = None) -> AdminHost:
    ctx = demo_context(database)
    return AdminHost(lambda: QuoteScreen(ctx, client_id=client_id))


async def _settle(app: AdminHost, pilot: Pilot[None]) -> None:
    await settle(pilot)


def _fee(app: AdminHost) -> str:
    return _text(app, "#fee")


def _text(app: App[Any], selector: str) -> str:
    """What a Static shows, as plain text (tables included)."""
    widget = app.screen.query_one(selector, Static)
    console = Console(width=widget.size.width or 80, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def _type(app: AdminHost, **values: str) -> None:
    for key, value in values.items():
        app.screen.query_one(f"#{key.replace('_', '-')}", Input).value = value


def _quotes(database: Database) -> list[tuple[int | None, int, str]]:
    with database.sessions() as s:
        return [(q.client_id, int(q.gross_total), q.recommended) for q in s.scalars(select(QuoteRow).order_by(QuoteRow.id))]


async def test_thirty_pcs_cost_92400_a_month(database: Database) -> None:
    """One office with 30 PCs and a server: ¥92,400 incl. tax, three units, updated while typing."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _type(app, o0_name="本社", o0_place="35.6812, 139.7671", o0_pcs="3", o0_servers="1")
        await _settle(app, pilot)
        assert "¥30,800" in _fee(app)
        _type(app, o0_pcs="30")
        await _settle(app, pilot)
        assert "¥92,400 a month incl. tax (net ¥84,000 + tax ¥8,400)" in _fee(app)
        screen = app.screen
        assert isinstance(screen, QuoteScreen) and screen.quote is not None
        assert [(line.quantity, line.unit_price, line.net) for line in screen.quote.lines] == [(Decimal(3), Decimal(28000), Decimal(84000))]
        assert "3 × ¥28,000" in _text(app, "#lines")
        assert "Total ¥92,400" in _text(app, "#totals")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert _quotes(database) == [(None, 92400, "per_cluster")]


async def test_two_far_offices_are_two_clusters(database: Database) -> None:
    """Tokyo and Osaka offices with 5 PCs each are priced as two concierges: ¥61,600."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _type(app, o0_name="東京", o0_place="35.6812, 139.7671", o0_pcs="5")
        await pilot.press("ctrl+o")
        await pilot.pause()
        _type(app, o1_name="大阪", o1_place="34.6937, 135.5023", o1_pcs="5")
        await _settle(app, pilot)
        assert "¥61,600" in _fee(app)
        assert "2 clusters" in _text(app, "#clusters")


async def test_bad_count_is_shown_at_the_field_and_nothing_is_saved(database: Database) -> None:
    """A negative PC count marks the field, says why, and Ctrl+S saves nothing."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _type(app, o0_name="本社", o0_place="35.6812, 139.7671", o0_pcs="-3")
        await _settle(app, pilot)
        assert "Office 1, pcs: -3 is negative" in _text(app, "#offices-error")
        assert app.screen.query_one("#o0-pcs", Input).has_class("-invalid")
        assert "¥" not in _fee(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        _type(app, o0_pcs="12")
        await _settle(app, pilot)
        assert not app.screen.query_one("#o0-pcs", Input).has_class("-invalid")
        assert "¥" in _fee(app)
    assert _quotes(database) == []


async def test_open_for_a_client_and_read_the_fee(database: Database) -> None:
    """Opened for 富士建設, the screen loads its office and seats and shows the monthly fee; save keeps it."""
    app = _host(database, FUJI)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        assert "C0003 株式会社富士建設" in str(app.screen.query_one("#title").render())
        assert app.screen.query_one("#o0-pcs", Input).value == "7"
        assert "¥36,960 a month incl. tax" in _fee(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert _quotes(database) == [(FUJI, 36960, "per_cluster")]


async def test_pick_a_client_by_typing_part_of_its_name(database: Database) -> None:
    """Typing "富士建" in "From client" offers the client; Enter loads its offices."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+l", *"富士建")
        await _settle(app, pilot)
        results = app.screen.query_one("#client-results", OptionList)
        assert results.option_count == 1 and "株式会社富士建設" in str(results.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert "¥36,960" in _fee(app)


async def test_export_markdown(database: Database, tmp_path: Path) -> None:
    """Ctrl+E writes the quote as Markdown with its lines and the total incl. tax."""
    app = _host(database, FUJI)
    target = tmp_path / "fuji.md"
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, QuoteExportDialog)
        dialog.query_one("#field-path", FormField).value = str(tmp_path / "missing" / "x.md")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Cannot write" in dialog.query_one("#field-path", FormField).error
        dialog.query_one("#field-path", FormField).value = str(target)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, QuoteScreen)
    body = target.read_text(encoding="utf-8")
    assert body.startswith("# Quote for C0003 株式会社富士建設")
    assert "| **Total incl. tax** | | | | **¥36,960** |" in body


async def test_new_client_with_thirty_pcs_reads_92400(database: Database) -> None:
    """A client whose one office has 30 Windows PCs and a server: opening its quote shows ¥92,400."""
    ctx = demo_context(database, demo=False)
    with database.transaction() as s:
        client = Client(code="C0100", name="青葉商事")
        office = Office(code="O0100", name="本社", address="東京都千代田区丸の内1丁目", lat=35.6812, lon=139.7671)
        office.seats = [Seat(label="事務PC", kind="pc", os="windows", count=30, purchase_year=2024),
                        Seat(label="ファイルサーバ", kind="server", os="windows", count=1, purchase_year=2024)]
        client.offices.append(office)
        s.add(client)
        s.flush()
        client_id = client.id
    app = AdminHost(lambda: QuoteScreen(ctx, client_id=client_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        assert "¥92,400 a month incl. tax" in _fee(app)


async def test_shell_opens_the_quote_for_a_client_picked_by_name(database: Database) -> None:
    """In the app: the palette's "Quote for client…" asks for the client, then shows its monthly fee."""
    from tui.app import make_app

    app = make_app(demo_context(database))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open("quote-client")
        await pilot.pause()
        await pilot.press(*"富士建")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuoteScreen)
        assert "¥36,960 a month incl. tax" in _text(app, "#fee")
        await pilot.press("f6")
        await settle(pilot)
        assert type(app.screen).__name__ == "ContractsScreen"
        await pilot.press("f5")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConciergesScreen"


async def test_office_typed_by_address(database: Database) -> None:
    """An address is placed by the geocoder; one it cannot place is named at the office's place field."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _type(app, o0_name="本社", o0_place="東京都千代田区丸の内1丁目", o0_pcs="5")
        await _settle(app, pilot)
        assert "¥30,800" in _fee(app)
        _type(app, o0_place="どこか遠く")
        await _settle(app, pilot)
        assert "Office 1, place:" in _text(app, "#offices-error")
        assert app.screen.query_one("#o0-place", Input).has_class("-invalid")


async def test_export_key_works_while_typing_in_a_field(database: Database) -> None:
    """Ctrl+E exports even when the cursor is in a text box (a text box's own Ctrl+E, end of line, does not
    swallow it; End still moves there)."""
    app = _host(database, FUJI)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        app.screen.query_one("#client-search", Input).focus()
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, QuoteExportDialog)
