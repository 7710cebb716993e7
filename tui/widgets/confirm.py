"""A yes/no question before anything hard to reverse (archive, delete, cancel a contract).

    from tui.widgets.confirm import ConfirmDialog

    def action_archive(self) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                ...  # do it
        self.app.push_screen(ConfirmDialog("Archive Acme Ltd?", yes="Archive"), done)

The question and detail are shown literally (they usually quote a name: see tui.text).
The dialog dismisses with True (the yes button or `y`) or False (the no button, `n` or Escape).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.keyguard import GuardedScreen
from tui.text import plain


class ConfirmDialog(GuardedScreen, ModalScreen[bool]):
    """Ask `question`; the focused default is the safe answer (no)."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 70; max-width: 100%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmDialog Label { width: 100%; }
    ConfirmDialog .confirm-detail { color: $text-muted; margin-top: 1; }
    ConfirmDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "Cancel", detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.question, multiline=True), id="confirm-question")
            if self.detail:
                yield Label(plain(self.detail, multiline=True), classes="confirm-detail")
            with Horizontal():
                yield Button(plain(f"{self.no_label} (n)"), id="confirm-no")
                yield Button(plain(f"{self.yes_label} (y)"), id="confirm-yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def decline(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
