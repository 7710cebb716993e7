"""Pick a client by typing part of its name (for "Open client…" and "Quote for client…").

The search runs in a thread worker; the dialog dismisses with the client id (None = cancelled).
A concierge is offered only the clients they serve.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from data.errors import DataError
from data.queries import ClientRow, list_clients
from tui.context import AppContext
from tui.text import counted, plain


class ClientPickerScreen(ModalScreen[int | None]):
    """Type to search, ↓ to the list, Enter to pick."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("down", "to_list", "List", show=False)]

    class Found(Message):
        """Matches of one search, from the worker."""

        def __init__(self, rows: list[ClientRow], total: int) -> None:
            super().__init__()
            self.rows = rows
            self.total = total

    def __init__(self, ctx: AppContext, *, title: str = "Open client") -> None:
        super().__init__(classes="dialog")
        self.ctx = ctx
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"{self.title_text}: type part of the name, kana or code"), classes="role-title")
            yield Input(placeholder="e.g. ベーカリー or C0001", id="client-search")
            yield OptionList(id="client-matches")
            yield Label("", id="client-count", classes="muted")

    def on_mount(self) -> None:
        self.search("")

    @on(Input.Changed, "#client-search")
    def search_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @on(Input.Submitted, "#client-search")
    def pick_first(self) -> None:
        matches = self.query_one("#client-matches", OptionList)
        if matches.option_count:
            option = matches.get_option_at_index(matches.highlighted or 0)
            assert option.id is not None
            self.dismiss(int(option.id))

    @on(OptionList.OptionSelected, "#client-matches")
    def pick(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(int(event.option.id))

    def action_to_list(self) -> None:
        self.query_one("#client-matches", OptionList).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="client-search")
    def search(self, text: str) -> None:
        served = self.ctx.role.concierge_code if self.ctx.role.kind == "concierge" else None
        try:
            with self.ctx.db.sessions() as session:
                page = list_clients(session, search=text, limit=30, served_by=served)
        except DataError as exc:
            self.post_message(self.Found([], 0))
            self.notify(f"Could not search the clients: {exc}", severity="error")
            return
        self.post_message(self.Found(list(page.rows), page.total))

    @on(Found)
    def show_matches(self, message: Found) -> None:
        rows, total = message.rows, message.total
        matches = self.query_one("#client-matches", OptionList)
        matches.clear_options()
        matches.add_options([Option(plain(f"{r.name}  ({r.code}, {counted(r.offices, 'office')}, {counted(r.pcs, 'PC')})"), id=str(r.id))
                             for r in rows])
        if rows:
            matches.highlighted = 0
        more = f" — showing {len(rows)}" if total > len(rows) else ""
        noun = "client" if total == 1 else "clients"
        self.query_one("#client-count", Label).update(f"{total} matching {noun}{more}")
