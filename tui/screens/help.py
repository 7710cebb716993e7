"""The full key list (`?` or F1): the keys of the current screen and the screens of this role."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from tui.text import styled


def key_label(key: str) -> str:
    """"f2" -> "F2", "ctrl+n" -> "Ctrl+N"."""
    return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in key.split("+"))


class HelpScreen(ModalScreen[None]):
    """Keys of the screen underneath, then where each screen key goes."""

    BINDINGS = [Binding("escape", "dismiss", "Close"), Binding("question_mark", "dismiss", "Close", key_display="?")]

    def __init__(self, here: list[tuple[str, str]], screens: list[tuple[str, str, str]]) -> None:
        super().__init__(classes="dialog")
        self.here = here
        self.screens = screens

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Label("Keys on this screen", classes="section-title")
                keys: DataTable[str] = DataTable(id="keys-here", classes="help-table", cursor_type="none", show_header=False)
                keys.add_columns("Key", "Does")
                seen: set[tuple[str, str]] = set()
                for key, text in self.here:
                    if (key, text) not in seen:
                        seen.add((key, text))
                        keys.add_row(key, text)
                keys.add_row("?/F1", "This list of keys")
                keys.add_row("Ctrl+P", "Command palette: every screen and action, clients by name")
                keys.add_row("Ctrl+T", "Light / dark theme")
                keys.add_row("Escape", "Back (or close a dialog)")
                keys.add_row("Tab", "Next field or panel (Shift+Tab: previous)")
                keys.add_row("Ctrl+Q", "Quit")
                yield keys
                if self.screens:
                    yield Label("Screens", classes="section-title")
                    for key, title, text in self.screens:  # wrapped, never cut: the whole description
                        yield Static(styled((f"{key_label(key):<7}", "bold"), f"{title}: {text}"), classes="help-screen")
            yield Label("Escape closes this list", classes="muted")
