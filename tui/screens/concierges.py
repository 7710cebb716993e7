"""The admin's list of concierges with a detail pane; add, edit, deactivate."""

from __future__ import annotations

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.worker import get_current_worker

from data.concierges import ConciergeRow, concierge_rows, set_concierge_active
from data.errors import DataError
from tui.context import AppContext
from tui.screens.concierge_form import ConciergeFormScreen
from tui.widgets.confirm import ConfirmDialog


class ConciergesScreen(Screen[None]):
    """Concierges: skills, home base, working days/hours, max visits, dedicated clients, active."""

    DEFAULT_CSS = """
    ConciergesScreen { layout: vertical; }
    ConciergesScreen #title { height: 1; background: $primary; color: $text; padding: 0 1; width: 1fr; }
    ConciergesScreen #filter { height: 1; margin: 0 1; }
    ConciergesScreen #body { height: 1fr; }
    ConciergesScreen #table { width: 1fr; }
    ConciergesScreen #detail { width: 40%; max-width: 56; padding: 0 1; border-left: solid $primary; }
    ConciergesScreen #count { height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("d", "toggle_active", "(De)activate"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    class Loaded(Message):
        """The rows for the current filter arrived from the loading worker."""

        def __init__(self, rows: list[ConciergeRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: list[ConciergeRow] = []
        self._select_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Label("Concierges", id="title")
        yield Input(placeholder="/ Filter by name, skill, area, client…", id="filter", compact=True)
        with Horizontal(id="body"):
            yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail")
        yield Label("", id="count")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#table", DataTable)
        table.add_columns("code", "name", "skills", "days", "hours", "max", "active")
        table.focus()
        self.reload()

    # ---- loading ---------------------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        self._select_id = select_id if select_id is not None else self._selected_id()
        self.load_rows(self.query_one("#filter", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_rows(self, search: str) -> None:
        worker = get_current_worker()
        try:
            with self.ctx.db.sessions() as session:
                rows = concierge_rows(session, search=search)
        except DataError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", title="Cannot load concierges")
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(rows))

    @on(Loaded)
    def show_rows(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one("#table", DataTable)
        table.clear()
        for r in self.rows:
            table.add_row(
                r.code, r.name, " ".join(r.skills) or "-", _days(r.working_days), r.hours, str(r.max_visits),
                "yes" if r.active else "no", key=str(r.id),
            )
        self.query_one("#count", Label).update(f"{len(self.rows)} concierge{'' if len(self.rows) == 1 else 's'}")
        if self._select_id is not None:
            for index, r in enumerate(self.rows):
                if r.id == self._select_id:
                    table.move_cursor(row=index)
        self._show_detail()

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one("#table", DataTable).focus()

    # ---- selection -------------------------------------------------------------------------------
    def _selected(self) -> ConciergeRow | None:
        table = self.query_one("#table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
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

    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update("No concierge selected.\nPress n to add one.")
            return
        dedicated = "\n".join(f"  {name}" for name in row.dedicated) or "  (none)"
        detail.update(
            f"[b]{row.code} {row.name}[/b]{'' if row.active else '  (inactive)'}\n"
            f"Home base: {row.home_address}\n"
            f"Days: {' '.join(row.working_days)}\n"
            f"Hours: {row.hours}, up to {row.max_visits} visits\n"
            f"Skills: {', '.join(row.skills) or '-'}\n"
            f"Dedicated clients:\n{dedicated}"
        )

    # ---- actions ---------------------------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Escape clears the filter first; with no filter it goes on to the app (back)."""
        box = self.query_one("#filter", Input)
        if not box.value and not box.has_focus:
            raise SkipAction()
        box.value = ""
        self.query_one("#table", DataTable).focus()

    def action_new(self) -> None:
        self.app.push_screen(ConciergeFormScreen(self.ctx), self._saved)

    def action_edit(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("Select a concierge first.")
            return
        self.app.push_screen(ConciergeFormScreen(self.ctx, row.id), self._saved)

    def _saved(self, concierge_id: int | None) -> None:
        if concierge_id is not None:
            self.reload(select_id=concierge_id)

    def action_toggle_active(self) -> None:
        row = self._selected()
        if row is None:
            return
        if row.active:
            question = f"Deactivate {row.name}?"
            detail = "They will no longer be planned for visits; their history stays."
        else:
            question, detail = f"Reactivate {row.name}?", "They will be planned for visits again."

        def answer(yes: bool | None) -> None:
            if yes:
                self._set_active(row, not row.active)

        self.app.push_screen(ConfirmDialog(question, yes="Deactivate" if row.active else "Reactivate", detail=detail), answer)

    def _set_active(self, row: ConciergeRow, active: bool) -> None:
        try:
            with self.ctx.db.transaction() as session:
                set_concierge_active(session, row.id, active, expected_version=row.version)
        except DataError as exc:
            self.notify(f"{exc}", severity="error", title="Not changed")
        else:
            self.notify(f"{row.name} is {'active' if active else 'inactive'} now.")
        self.reload(select_id=row.id)


def _days(days: tuple[str, ...]) -> str:
    if days == ("mon", "tue", "wed", "thu", "fri"):
        return "mon-fri"
    return " ".join(d[:2] for d in days)
