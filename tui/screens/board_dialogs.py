"""Small dialogs of the dispatch board: pin a visit, move one by hand, go to a date (confirmations: tui.widgets.confirm)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from tui.text import plain


def parse_hhmm(text: str) -> int | None:
    """"13:30" → 810 minutes; "" → None; raises ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    t = dt.time.fromisoformat(text if len(text) > 4 else text.zfill(5))
    return t.hour * 60 + t.minute


@dataclass(frozen=True)
class VisitFacts:
    """The visit a dialog acts on, as the dispatcher knows it."""

    visit: str
    client: str
    office: str
    urgency: str
    minutes: int
    window: str
    """"start 10:00–16:00" (office hours and the client's window), or ""."""
    assigned: str
    """"K01 10:40" in the shown plan, or "not planned"."""

    def lines(self) -> str:
        head = f"{self.visit}  {self.client} {self.office}".strip()
        rest = " · ".join(x for x in (self.urgency, f"{self.minutes} min" if self.minutes else "", self.window, f"now: {self.assigned}") if x)
        return f"{head}\n{rest}"


DIALOG_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical { width: 64; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
ModalScreen Label.error { color: $error; }
ModalScreen Label.facts { color: $text-muted; margin-bottom: 1; }
ModalScreen Label.field { margin-top: 1; text-style: bold; }
ModalScreen Label.preview { margin-top: 1; color: $accent; }
ModalScreen Horizontal { height: auto; margin-top: 1; }
ModalScreen Button { margin-right: 2; }
"""


class PinDialog(ModalScreen[tuple[str | None, int | None] | None]):
    """Pin a visit to a concierge and/or a start time; both empty removes the pin."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, facts: VisitFacts, concierges: list[tuple[str, str]], current: tuple[str | None, int | None]) -> None:
        super().__init__()
        self.facts = facts
        self.visit = facts.visit
        self.concierges = concierges
        self.current = current

    def compose(self) -> ComposeResult:
        conc, start = self.current
        with Vertical():
            yield Label(plain(f"Pin {self.visit}: to a concierge, a start time, or both (both empty: no pin)"))
            yield Label(plain(self.facts.lines(), multiline=True), classes="facts")
            yield Label("Concierge", classes="field")
            yield Select([(plain(f"{c} {n}"), c) for c, n in self.concierges], value=conc if conc else Select.NULL,
                         prompt="any concierge", id="pin-concierge")
            yield Label("Start time", classes="field")
            yield Input(value=f"{start // 60:02d}:{start % 60:02d}" if start is not None else "", placeholder="HH:MM, e.g. 13:30 (empty: any time)",
                        id="pin-start")
            yield Label("", id="pin-error", classes="error")
            with Horizontal():
                yield Button("Pin", variant="primary", id="pin-ok")
                yield Button("Cancel", id="pin-cancel")

    @on(Button.Pressed, "#pin-cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#pin-ok")
    def accept(self) -> None:
        value = self.query_one("#pin-concierge", Select).value
        conc = value if isinstance(value, str) else None
        try:
            start = parse_hhmm(self.query_one("#pin-start", Input).value)
        except ValueError:
            self.query_one("#pin-error", Label).update("start: write the time as HH:MM, e.g. 13:30")
            return
        self.dismiss((conc, start))


class MoveDialog(ModalScreen[tuple[str, int | None] | None]):
    """Move a visit by hand to a concierge, at a position in the route (empty: by time)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, facts: VisitFacts, concierges: list[tuple[str, str]], current: str | None,
                 preview: Callable[[str, int | None], str] | None = None) -> None:
        super().__init__()
        self.facts = facts
        self.visit = facts.visit
        self.concierges = concierges
        self.current = current
        self.preview = preview

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Move {self.visit} by hand"))
            yield Label(plain(self.facts.lines(), multiline=True), classes="facts")
            yield Label("To concierge", classes="field")
            yield Select([(plain(f"{c} {n}"), c) for c, n in self.concierges], value=self.current or self.concierges[0][0],
                         allow_blank=False, id="move-concierge")
            yield Label("Position in the route", classes="field")
            yield Input(placeholder="1 = first stop (empty: by time)", id="move-position")
            yield Label("", id="move-preview", classes="preview")
            yield Label("", id="move-error", classes="error")
            with Horizontal():
                yield Button("Move", variant="primary", id="move-ok")
                yield Button("Cancel", id="move-cancel")

    def on_mount(self) -> None:
        self.show_preview()

    @on(Select.Changed, "#move-concierge")
    @on(Input.Changed, "#move-position")
    def show_preview(self) -> None:
        """The concierge's route with the visit moved there, before anything changes."""
        if self.preview is None:
            return
        conc = self.query_one("#move-concierge", Select).value
        text = self.query_one("#move-position", Input).value.strip()
        if not isinstance(conc, str) or (text and not (text.isdecimal() and int(text) >= 1)):
            return
        self.query_one("#move-preview", Label).update(plain(self.preview(conc, int(text) - 1 if text else None)))

    @on(Button.Pressed, "#move-cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#move-ok")
    def accept(self) -> None:
        conc = self.query_one("#move-concierge", Select).value
        text = self.query_one("#move-position", Input).value.strip()
        if text and not (text.isdecimal() and int(text) >= 1):
            self.query_one("#move-error", Label).update("position: a number from 1, or empty")
            return
        assert isinstance(conc, str)
        self.dismiss((conc, int(text) - 1 if text else None))


class DateDialog(ModalScreen[dt.date | None]):
    """Go to a date: YYYY-MM-DD, or +N / -N days from the shown day."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, shown: dt.date) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Go to date (shown now: {self.shown:%a %Y-%m-%d})")
            yield Label("Date", classes="field")
            yield Input(placeholder="YYYY-MM-DD, or +1 / -3 days", id="date-input")
            yield Label("", id="date-error", classes="error")
            yield Label("Enter goes there, Escape stays", classes="facts")

    @on(Input.Submitted, "#date-input")
    def accept(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            relative = text[:1] in ("+", "-") and text[1:].isdecimal()
            day = self.shown + dt.timedelta(days=int(text)) if relative else dt.date.fromisoformat(text)
        except (ValueError, OverflowError):
            self.query_one("#date-error", Label).update(plain(f"date: {text[:40]!r} is not YYYY-MM-DD or +N/-N days (years 1-9999)"))
            return
        self.dismiss(day)
