"""The list of concierges with a detail pane; admins add, edit and deactivate, dispatchers only read."""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.orm import Session
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from data.access.users import end_late_sessions
from data.concierges import ConciergeRow, concierge_rows, set_concierge_active
from data.errors import DataError
from data.records import WEEKDAYS
from tui.screens.concierge_form import ConciergeFormScreen
from tui.screens.list_screen import RecordListScreen
from tui.text import clean, plain, styled
from tui.widgets.confirm import ConfirmDialog


class ConciergesScreen(RecordListScreen[ConciergeRow]):
    """Concierges: skills, home base, working days/hours, max visits, dedicated clients, active."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("d", "toggle_active", "(De)activate"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("down", "to_list", "To the list", key_display="↓/Enter"),
    ]

    class Loaded(Message):
        """The rows for the current filter arrived from the loading worker."""

        def __init__(self, rows: list[ConciergeRow]) -> None:
            super().__init__()
            self.rows = rows

    heading = "Concierges"
    filter_placeholder = "/ Filter by name, skill, area, client…"
    what_plural = "concierges"

    ROLE_ACTIONS: ClassVar[dict[str, str]] = {"new": "manage_concierges", "edit": "manage_concierges",
                                              "toggle_active": "manage_concierges"}
    """Adding, editing and (de)activating concierges is for admins; a dispatcher only reads the list."""

    def on_mount(self) -> None:
        table = self.query_one("#table", DataTable)
        table.add_columns("code", "name", "skills", "days", "hours", "max", "active")
        self.focus_start()
        self.reload()

    # ---- loading ---------------------------------------------------------------------------------
    def fetch(self, session: Session, search: str) -> Message:
        return self.Loaded(concierge_rows(session, search=search))

    @on(Loaded)
    def show_rows(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one("#table", DataTable)
        table.clear()
        for r in self.rows:
            table.add_row(
                plain(r.code), plain(r.name), " ".join(r.skills) or "-", _days(r.working_days), r.hours, str(r.max_visits),
                "yes" if r.active else "no", key=str(r.id),
            )
        self.query_one("#count", Label).update(f"{len(self.rows)} concierge{'' if len(self.rows) == 1 else 's'}")
        self.show_selection()

    # ---- selection -------------------------------------------------------------------------------
    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#detail", Static)
        if row is None:
            adds = "\nPress n to add one." if self.ctx.role.can("manage_concierges") else ""
            detail.update(f"No concierge selected.{adds}")
            return
        dedicated = "\n".join(f"  {clean(name)}" for name in row.dedicated) or "  (none)"
        detail.update(styled(
            (f"{row.code} {row.name}", "bold"), "" if row.active else "  (inactive)", "\n",
            f"Home base: {clean(row.home_address)}\n"
            f"Days: {_days(row.working_days)}\n"
            f"Hours: {row.hours}, up to {row.max_visits} visits\n"
            f"Skills: {', '.join(row.skills) or '-'}\n"
            f"Dedicated clients:\n{dedicated}",
            multiline=True,
        ))

    # ---- actions ---------------------------------------------------------------------------------
    def action_new(self) -> None:
        self.app.push_screen(ConciergeFormScreen(self.ctx), self._saved)

    def action_edit(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("Select a concierge first.")
            return
        self.app.push_screen(ConciergeFormScreen(self.ctx, row.id), self._saved)

    def action_toggle_active(self) -> None:
        row = self._selected()
        if row is None:
            return
        if row.active:
            question = f"Deactivate {row.name}?"
            detail = "They will no longer be planned for visits; their history stays."
            if self.ctx.db.engine.dialect.name == "postgresql":
                detail += " Any login of theirs is disabled and its open sessions end."
        else:
            question, detail = f"Reactivate {row.name}?", "They will be planned for visits again."

        def answer(yes: bool | None) -> None:
            if yes:
                self._set_active(row, not row.active)

        self.app.push_screen(ConfirmDialog(question, yes="Deactivate" if row.active else "Reactivate", detail=detail), answer)

    def _set_active(self, row: ConciergeRow, active: bool) -> None:
        try:
            with self.ctx.db.transaction() as session:
                change = set_concierge_active(session, row.id, active, expected_version=row.version)
        except DataError as exc:
            self.notify(f"{exc}", severity="error", title="Not changed")
        else:
            try:
                end_late_sessions(self.ctx.db.engine, change.disabled)
            except DataError as exc:  # the login is disabled all the same; say what did not happen
                self.notify(f"{exc}", severity="warning", title="Sessions")
            self.notify(f"{change.message()}.", title=row.name)
        self.reload(select_id=row.id)


def _days(days: tuple[str, ...]) -> str:
    """One style for every set of days: runs of three or more as "Mon–Fri", others listed ("Mon Wed Sat")."""
    order = [d for d in WEEKDAYS if d in days]
    parts: list[str] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and WEEKDAYS.index(order[end + 1]) == WEEKDAYS.index(order[end]) + 1:
            end += 1
        run = [d.capitalize() for d in order[start : end + 1]]
        parts.append(f"{run[0]}–{run[-1]}" if len(run) >= 3 else " ".join(run))
        start = end + 1
    return " ".join(parts) or "-"
