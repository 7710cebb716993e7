"""Who is using the app? Shown at start-up when `--as` is not given: admin, dispatcher, or one of the
active concierges. Dismisses with the chosen `Role` (None = quit)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from data.queries import ConciergeChoice
from tui.context import Role
from tui.text import plain


class RolePickerScreen(ModalScreen[Role | None]):
    """A list of roles; Enter picks, Escape quits."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Quit")]

    def __init__(self, concierges: list[ConciergeChoice]) -> None:
        super().__init__(classes="dialog")
        self.concierges = concierges

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Concierge Desk — who is using it?", classes="role-title")
            yield Label("↑/↓ to choose, Enter to open, Escape to quit", classes="muted")
            options = [
                Option("Admin — clients, offices, seats, contracts, quotes, billing", id="admin"),
                Option("Dispatcher — requests and the dispatch board", id="dispatcher"),
            ]
            options += [Option(plain(f"Concierge {c.code} — {c.name} (my day)"), id=f"concierge:{c.code}") for c in self.concierges]
            yield OptionList(*options, id="roles")

    @on(OptionList.OptionSelected, "#roles")
    def choose_role(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(Role.parse(event.option.id))
