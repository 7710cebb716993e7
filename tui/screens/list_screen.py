"""The shared plumbing of the admin lists (concierges, contracts): filter, table, detail pane, count.

A subclass names its heading and filter hint, reads its rows (`fetch`, in a thread worker, returning
the message that carries them), fills the table and writes the detail of the highlighted row. The
base class keeps the rest the same: typing in the filter reloads, Enter in the filter goes back to the
table, a highlighted row shows its detail, a selected row opens `action_edit`, a saved form reloads
with the saved record highlighted.
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from sqlalchemy.orm import Session
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.worker import get_current_worker

from data.errors import DataError
from tui.context import AppContext
from tui.list_keys import FilterInput, ListKeys


class HasId(Protocol):
    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=HasId)


class RecordListScreen(ListKeys, Screen[None], Generic[RowT]):
    """A filter box over a table of `RowT` with a detail pane and a count line; the filter has the letters
    until Enter or ↓ (tui.list_keys)."""

    DEFAULT_CSS = """
    RecordListScreen { layout: vertical; }
    RecordListScreen #title { height: 1; background: $primary; color: $text; padding: 0 1; width: 1fr; }
    RecordListScreen #filter { height: 1; margin: 0 1; }
    RecordListScreen #body { height: 1fr; }
    RecordListScreen #table { width: 1fr; }
    RecordListScreen #detail { width: 36%; max-width: 48; padding: 0 1; border-left: solid $primary; }
    RecordListScreen #count { height: 1; color: $text-muted; padding: 0 1; }
    """

    heading = "Records"
    """The title line ("Concierges")."""
    filter_placeholder = "/ Filter…"
    what_plural = "records"
    """Named in the error when the rows cannot be loaded ("Cannot load concierges")."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: list[RowT] = []
        self._select_id: int | None = None

    # -- for subclasses ---------------------------------------------------------------------------
    def fetch(self, session: Session, search: str) -> Message:
        """Read the rows for `search` (in the loading worker); return the message that shows them."""
        raise NotImplementedError

    def _show_detail(self) -> None:
        """Write the highlighted row (or the lack of one) into #detail."""
        raise NotImplementedError

    def action_edit(self) -> None:
        raise NotImplementedError

    def focus_start(self) -> None:
        """Where a new list starts: the filter (typing searches), or the table when there is no filter."""
        box = self.query_one("#filter", Input)
        (box if box.display else self.query_one("#table", DataTable)).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ROLE_ACTIONS:
            return self.list_action_state(action)
        if action == "to_list":
            return self.filter_focused()
        if action == "filter":
            return None if self.filter_focused() else True
        return True

    def action_to_list(self) -> None:
        self.query_one("#table", DataTable).focus()

    # -- loading ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Label(self.heading, id="title")
        yield FilterInput(placeholder=self.filter_placeholder, id="filter", compact=True)
        with Horizontal(id="body"):
            yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail")
        yield Label("", id="count")
        yield Footer()

    def reload(self, select_id: int | None = None) -> None:
        self._select_id = select_id if select_id is not None else self._selected_id()
        self.load_rows(self.query_one("#filter", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_rows(self, search: str) -> None:
        worker = get_current_worker()
        try:
            with self.ctx.db.sessions() as session:
                loaded = self.fetch(session, search)
        except DataError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", title=f"Cannot load {self.what_plural}")
            return
        if not worker.is_cancelled:
            self.post_message(loaded)

    def show_selection(self) -> None:
        """After the rows are in: put the cursor back on the remembered record and show its detail."""
        if self._select_id is not None:
            table = self.query_one("#table", DataTable)
            for index, r in enumerate(self.rows):
                if r.id == self._select_id:
                    table.move_cursor(row=index)
        self._show_detail()

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        """Enter in the filter opens the highlighted row, as Enter on the list does; the list keeps the focus."""
        self.query_one("#table", DataTable).focus()
        if self._selected() is not None:
            self.action_edit()

    # -- selection --------------------------------------------------------------------------------
    def _selected(self) -> RowT | None:
        table = self.query_one("#table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _selected_id(self) -> int | None:
        row = self._selected()
        return row.id if row else None

    @on(DataTable.RowHighlighted, "#table")
    def highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#table")
    def selected(self) -> None:
        self.action_edit()

    def _saved(self, record_id: int | None) -> None:
        if record_id is not None:
            self.reload(select_id=record_id)

    # -- actions ----------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.focus()

    def action_clear_filter(self) -> None:
        """Escape empties the filter first; with no filter it goes on to the app (back)."""
        box = self.query_one("#filter", Input)
        if not box.value:
            raise SkipAction()
        box.value = ""  # the letters stay in the filter
