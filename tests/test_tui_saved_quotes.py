"""Saved quotes in the app: listed on the client page and from the quote screen (Ctrl+R), opened as saved,
exported as Markdown, plain text or the stored JSON; the export path is checked like every other."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from admin_host import AdminHost, demo_context, settle, until
from sqlalchemy import select
from textual.widgets import DataTable, Input, Static, TabbedContent

from data.db import Database
from data.errors import ValidationError
from data.export_files import output_path
from data.models import Client
from data.quotes import client_quote_inputs, save_quote
from data.saved_quotes import saved_quote, saved_quote_markdown, saved_quote_text
from pricing.quote import quote
from pricing.tariff import load_tariff
from tui.screens.client_detail import ClientDetailScreen
from tui.screens.export_dialog import ExportDialog
from tui.screens.quote import QuoteScreen
from tui.screens.saved_quotes import SavedQuoteScreen, SavedQuotesScreen

SAVED_AT = dt.datetime(2026, 11, 20, 15, 30)


def save_one(database: Database, code: str = "C0008") -> tuple[int, int]:
    """(client id, quote id) of a quote saved for `code` from its seats on record."""
    with database.transaction() as session:
        client = session.scalars(select(Client).where(Client.code == code)).one()
        offices, options = client_quote_inputs(session, client.id)
        row = save_quote(session, quote(offices, options, load_tariff()), client.id, now=SAVED_AT)
        return client.id, row.id


async def test_client_page_lists_opens_and_exports(database: Database, tmp_path: Path) -> None:
    ctx = demo_context(database)
    client_id, quote_id = save_one(database)
    app = AdminHost(lambda: ClientDetailScreen(ctx, client_id))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one("#client-tabs", TabbedContent)
        await until(pilot, lambda: str(tabs.get_tab("tab-quotes").label) == "Saved quotes (1)")
        assert str(tabs.get_tab("tab-quotes").label) == "Saved quotes (1)"
        tabs.active = "tab-quotes"
        table = app.screen.query_one("#saved-quotes-of-client", DataTable)
        table.focus()
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SavedQuoteScreen)
        with database.transaction() as session:
            saved = saved_quote(session, quote_id)
        shown = str(app.screen.query_one("#saved-text", Static).render())
        assert f"¥{saved.row.gross_total:,} a month incl. tax" in shown
        assert shown.strip() in saved_quote_text(saved)

        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        target = tmp_path / "q.md"
        app.screen.query_one("#input-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SavedQuoteScreen)
        assert target.read_text(encoding="utf-8") == saved_quote_markdown(saved)


async def test_quote_screen_lists_the_clients_saved_quotes_and_exports_json(database: Database, tmp_path: Path) -> None:
    ctx = demo_context(database)
    client_id, quote_id = save_one(database)
    save_one(database, "C0003")  # another client's quote is not in this list
    app = AdminHost(lambda: QuoteScreen(ctx, client_id=client_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, SavedQuotesScreen)
        table = app.screen.query_one("#saved-quotes", DataTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == str(quote_id)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#input-format").value = "json"  # type: ignore[attr-defined]
        await pilot.pause()
        assert app.screen.query_one("#input-path", Input).value.endswith(".json")
        target = tmp_path / "q.json"
        app.screen.query_one("#input-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        with database.transaction() as session:
            saved = saved_quote(session, quote_id)
        assert json.loads(target.read_text(encoding="utf-8")) == {**saved.body, "saved_quote_id": quote_id}


@pytest.mark.parametrize(("text", "words"), [
    ("", "type the file"), ("{tmp}", "is a folder"), ("{tmp}/no/x.md", "does not exist"), ("a\x1bb.md", "is not a file name"),
])
def test_output_path_refuses_bad_paths_with_one_line(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        output_path(text.format(tmp=tmp_path))
    assert words in str(refused.value) and "\n" not in str(refused.value) and refused.value.field == "path"
    assert output_path(str(tmp_path / "ok.md")) == tmp_path / "ok.md"
