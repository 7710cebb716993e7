"""Saved quotes: the list (one client's, from the client page or the quote screen; or everyone's), one
quote as it was saved, and its export (Markdown, plain text or the stored JSON).

A saved quote is shown as stored, never priced again (data/saved_quotes.py): what the client was
offered stays what they were offered after a tariff change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from data.errors import DataError
from data.saved_quotes import QUOTE_FORMATS, SUFFIXES, SavedQuote, SavedQuoteRow, export_saved_quote, saved_quote, saved_quote_rows, saved_quote_text
from tui.context import AppContext
from tui.screens.export_dialog import ExportDialog
from tui.text import file_part, plain

FORMAT_WORDS = {"markdown": "Markdown (.md)", "text": "Plain text (.txt)", "json": "JSON, as saved (.json)"}


def quote_rows_columns(table: DataTable[Any]) -> None:
    """Fixed widths, the client last with the rest of the row: the rows arrive from a worker, and
    auto-sized columns would jump when they do."""
    table.add_column(Text("#", justify="right"), width=3)
    table.add_column("Saved", width=16)
    table.add_column(Text("Month incl. tax", justify="right"), width=15)
    table.add_column("Plan", width=17)
    table.add_column("Client")


def add_quote_row(table: DataTable[Any], row: SavedQuoteRow) -> None:
    client = f"{row.client_code} {row.client_name}" if row.client_code else "(no client)"
    table.add_row(Text(str(row.id), justify="right"), f"{row.created_at:%Y-%m-%d %H:%M}",
                  Text(f"¥{row.gross_total:,}", justify="right"), plain(row.plan_words), plain(client), key=str(row.id))


def said_written(screen: Screen[Any], row: SavedQuoteRow, path: Path | None) -> None:
    if path is not None:
        screen.notify(f"Quote #{row.id} written to {path}")


def export_quote_dialog(ctx: AppContext, row: SavedQuoteRow) -> ExportDialog:
    def write(fmt: str, path: str) -> Path:
        with ctx.db.transaction() as session:
            return export_saved_quote(session, row.id, fmt, path)

    stem = f"quote-{row.id}-{file_part(row.client_code) or 'new'}-{row.created_at:%Y-%m-%d}"
    formats = [(FORMAT_WORDS[f], f, SUFFIXES[f]) for f in QUOTE_FORMATS]
    return ExportDialog(f"Export saved quote #{row.id}", formats=formats, path=Path.cwd() / f"{stem}.md", write=write)


class SavedQuotesScreen(Screen[None]):
    """`SavedQuotesScreen(ctx, client_id=None)`: newest first; Enter opens, x exports."""

    DEFAULT_CSS = """
    SavedQuotesScreen #saved-status { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [Binding("enter", "open", "Open", show=True), Binding("x", "export", "Export")]

    class Loaded(Message):
        def __init__(self, rows: list[SavedQuoteRow], error: str = "") -> None:
            super().__init__()
            self.rows = rows
            self.error = error

    def __init__(self, ctx: AppContext, client_id: int | None = None, client_name: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.client_id = client_id
        self.client_name = client_name
        self.rows: list[SavedQuoteRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        who = f" of {self.client_name}" if self.client_name else (" of this client" if self.client_id else "")
        yield Label(plain(f"Saved quotes{who}"), id="saved-title", classes="screen-title")
        table: DataTable[Any] = DataTable(id="saved-quotes", cursor_type="row")
        quote_rows_columns(table)
        yield table
        yield Label("Loading…", id="saved-status")
        yield Footer()

    def on_mount(self) -> None:
        if not self.ctx.role.can("quote"):
            self.query_one("#saved-status", Label).update(plain(self.ctx.refusal("quote")))
            return
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="saved-quotes")
    def load(self) -> None:
        try:
            with self.ctx.db.transaction() as session:
                rows = saved_quote_rows(session, self.client_id)
        except DataError as exc:
            self.post_message(self.Loaded([], str(exc)))
            return
        self.post_message(self.Loaded(rows))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one("#saved-quotes", DataTable)
        table.clear()
        for row in self.rows:
            add_quote_row(table, row)
        status = self.query_one("#saved-status", Label)
        if message.error:
            status.update(plain(f"Cannot read the saved quotes: {message.error}"))
        elif not self.rows:
            status.update("No saved quote yet: on the quote screen, Ctrl+S saves the quote shown.")
        else:
            status.update(f"{len(self.rows)} saved quote{'s' if len(self.rows) != 1 else ''} · Enter opens · x exports")
        table.focus()

    def current(self) -> SavedQuoteRow | None:
        if not self.rows:
            return None
        table = self.query_one("#saved-quotes", DataTable)
        return self.rows[min(max(table.cursor_row, 0), len(self.rows) - 1)]

    @on(DataTable.RowSelected, "#saved-quotes")
    def action_open(self) -> None:
        row = self.current()
        if row is not None:
            self.app.push_screen(SavedQuoteScreen(self.ctx, row.id))

    def action_export(self) -> None:
        row = self.current()
        if row is None:
            self.notify("No saved quote to export.", severity="warning")
            return
        self.app.push_screen(export_quote_dialog(self.ctx, row), lambda path: said_written(self, row, path))


class SavedQuoteScreen(Screen[None]):
    """One saved quote as plain text (the same text the plain-text export writes); x exports."""

    DEFAULT_CSS = """
    SavedQuoteScreen #saved-body { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [Binding("x", "export", "Export")]

    class Loaded(Message):
        def __init__(self, saved: SavedQuote | None, error: str = "") -> None:
            super().__init__()
            self.saved = saved
            self.error = error

    def __init__(self, ctx: AppContext, quote_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.quote_id = quote_id
        self.saved: SavedQuote | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(f"Quote #{self.quote_id}", id="saved-quote-title", classes="screen-title")
        with VerticalScroll(id="saved-body"):
            yield Static("Loading…", id="saved-text")
        yield Footer()

    def on_mount(self) -> None:
        if not self.ctx.role.can("quote"):
            self.query_one("#saved-text", Static).update(plain(self.ctx.refusal("quote")))
            return
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="saved-quote")
    def load(self) -> None:
        try:
            with self.ctx.db.transaction() as session:
                saved = saved_quote(session, self.quote_id)
        except DataError as exc:
            self.post_message(self.Loaded(None, str(exc)))
            return
        self.post_message(self.Loaded(saved))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.saved = message.saved
        if message.saved is None:
            self.query_one("#saved-text", Static).update(plain(f"Cannot show quote #{self.quote_id}: {message.error}"))
            return
        self.query_one("#saved-quote-title", Label).update(plain(message.saved.title))
        body = saved_quote_text(message.saved).split("\n", 2)[-1]  # the title is the screen's
        self.query_one("#saved-text", Static).update(plain(body, multiline=True))
        self.query_one("#saved-body").focus()

    def action_export(self) -> None:
        if self.saved is None:
            return
        row = self.saved.row
        self.app.push_screen(export_quote_dialog(self.ctx, row), lambda path: said_written(self, row, path))


# --- the client page's "Saved quotes" tab ----------------------------------------------------------------


def saved_quotes_table() -> DataTable[Any]:
    table: DataTable[Any] = DataTable(id="saved-quotes-of-client", cursor_type="row")
    quote_rows_columns(table)
    return table


class QuotesOfClient(Message):
    def __init__(self, rows: list[SavedQuoteRow]) -> None:
        super().__init__()
        self.rows = rows


def load_saved_quotes(screen: Screen[Any], ctx: AppContext, client_id: int) -> None:
    """Read the client's saved quotes in a thread worker; the screen gets a `QuotesOfClient` message."""

    def read() -> None:
        try:
            with ctx.db.transaction() as session:
                rows = saved_quote_rows(session, client_id)
        except DataError:
            rows = []
        screen.post_message(QuotesOfClient(rows))

    screen.run_worker(read, thread=True, exclusive=True, group="client-saved-quotes", exit_on_error=False)


class SavedQuotesTab:
    """Mixin for the client page: fills the "Saved quotes" tab; Enter on a row opens that quote."""

    saved_rows: list[SavedQuoteRow] = []

    def on_quotes_of_client(self, message: QuotesOfClient) -> None:
        screen: Any = self
        self.saved_rows = message.rows
        table = screen.query_one("#saved-quotes-of-client", DataTable)
        table.clear()
        for row in message.rows:
            add_quote_row(table, row)
        tabs = screen.query_one("#client-tabs")
        tabs.get_tab("tab-quotes").label = f"Saved quotes ({len(message.rows)})"

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        screen: Any = self
        if event.data_table.id == "saved-quotes-of-client" and event.row_key.value is not None:
            screen.app.push_screen(SavedQuoteScreen(screen.ctx, int(event.row_key.value)))
