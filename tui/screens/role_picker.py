"""Who is using the app? Shown at start-up when `--as` is not given: admin, dispatcher, or one of the
active concierges. Dismisses with the chosen `Role` (None = quit).

On PostgreSQL the picker only narrows the login's role: an admin is offered everything, a dispatcher
the dispatcher and the concierges (a concierge login never sees the picker)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from data.access.identity import SignedIn, check_view
from data.errors import AccessDenied
from data.queries import ConciergeChoice
from tui.context import Role
from tui.text import plain


class RolePickerScreen(ModalScreen[Role | None]):
    """A list of roles; Enter picks, Escape quits."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Quit")]

    def __init__(self, concierges: list[ConciergeChoice], *, signed_in: SignedIn | None = None) -> None:
        super().__init__(classes="dialog")
        self.concierges = concierges
        self.signed_in = signed_in

    def offered(self, role: Role) -> bool:
        """Only the login's own role and narrower ones (everything on SQLite)."""
        try:
            check_view(self.signed_in, role.kind, role.concierge_code)
        except AccessDenied:
            return False
        return True

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.signed_in is None:
                yield Label("Concierge Desk — who is using it?", classes="role-title")
            else:  # the login decides; the picker only narrows the view
                yield Label(f"Concierge Desk — signed in as {self.signed_in.describe()}: look as", classes="role-title")
            yield Label("↑/↓ to choose, Enter to open, Escape to quit", classes="muted")
            options = [
                Option("Admin — clients, offices, seats, contracts, quotes, billing", id="admin"),
                Option("Dispatcher — requests and the dispatch board", id="dispatcher"),
            ]
            options += [Option(plain(f"Concierge {c.code} — {c.name} (my day)"), id=f"concierge:{c.code}") for c in self.concierges]
            yield OptionList(*[o for o in options if self.offered(Role.parse(o.id or ""))], id="roles")

    @on(OptionList.OptionSelected, "#roles")
    def choose_role(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(Role.parse(event.option.id))
