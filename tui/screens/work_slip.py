"""The work slip (作業伝票) of one visit: actual start and end, and what was done.

A minor routine task (see `data.route.MINOR_TASK_MINUTES`) may leave the text empty. The dialog only
collects the values; the day screen saves them with `data.route.mark_done` (which checks them again).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, TextArea

from data.errors import ValidationError
from data.route import RouteStop
from data.work_slip import SLIP_LATER, not_after_now
from tui.discard import AsksBeforeDiscarding
from tui.keyguard import GuardedScreen
from tui.text import clean, plain


@dataclass(frozen=True)
class SlipValues:
    """What the concierge wrote: actual times on the visit's date and the slip text ("" = none)."""

    start: dt.datetime
    end: dt.datetime
    text: str


def parse_clock(day: dt.date, text: str, field: str) -> dt.datetime:
    """"9:05" / "09:05" on `day`; ValueError with a sentence naming `field` otherwise."""
    try:
        t = dt.time.fromisoformat(text.strip().zfill(5))
    except ValueError:
        raise ValueError(f"{field}: write the time as HH:MM, e.g. 09:05") from None
    return dt.datetime.combine(day, t)


class WorkSlipDialog(AsksBeforeDiscarding, GuardedScreen, ModalScreen[SlipValues | None]):
    """Record a finished visit: start, end, what was done."""

    DEFAULT_CSS = """
    WorkSlipDialog { align: center middle; }
    WorkSlipDialog > Vertical { width: 76; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    WorkSlipDialog TextArea { height: 6; }
    WorkSlipDialog Horizontal { height: auto; }
    WorkSlipDialog Horizontal > Input { width: 1fr; }
    WorkSlipDialog Horizontal > Button { margin-right: 2; margin-top: 1; }
    WorkSlipDialog #slip-error { color: $error; }
    WorkSlipDialog #slip-hint { color: $text-muted; }
    """
    BINDINGS = [("escape", "cancel", "Cancel"), ("ctrl+s", "save", "Save")]

    def __init__(self, stop: RouteStop, now: dt.datetime) -> None:
        super().__init__()
        self.stop = stop
        self.now = now

    def compose(self) -> ComposeResult:
        s = self.stop
        start = s.actual_start or s.arrival
        if s.actual_end is not None:
            end = s.actual_end
        elif self.now.date() == start.date() and self.now >= start:
            end = self.now  # saved right after the work: now (never a time still to come)
        else:
            end = s.end
        hint = ("Minor routine task: the slip text may stay empty." if s.minor
                else "Write what was done (needed for billing; only minor routine tasks may skip it).")
        with Vertical():
            yield Label(plain(f"Work slip (作業伝票) — {s.client} {s.office}, R{s.request_id}"))
            yield Label(plain(s.request, multiline=True))
            with Horizontal():
                started = Input(start.strftime("%H:%M"), placeholder="start HH:MM", id="slip-start")
                started.border_title = "Started (HH:MM)"
                yield started
                ended = Input(end.strftime("%H:%M"), placeholder="end HH:MM", id="slip-end")
                ended.border_title = "Ended (HH:MM)"
                yield ended
            yield TextArea(clean(s.work_slip or "", multiline=True), id="slip-text")
            yield Label(hint, id="slip-hint")
            yield Label("", id="slip-error")
            with Horizontal():
                yield Button("Save (ctrl+s)", variant="primary", id="slip-save")
                yield Button("Cancel", id="slip-cancel")

    def on_mount(self) -> None:
        super().on_mount()  # remembers the slip as opened: Escape asks only when something was changed
        self.query_one("#slip-text", TextArea).focus()

    def current_values(self) -> dict[str, str]:
        return {"start": self.query_one("#slip-start", Input).value, "end": self.query_one("#slip-end", Input).value,
                "text": self.query_one("#slip-text", TextArea).text}

    @on(Button.Pressed, "#slip-cancel")
    def action_cancel(self) -> None:
        self.cancel_asking()

    @on(Button.Pressed, "#slip-save")
    def action_save(self) -> None:
        day = self.stop.arrival.date()
        error = self.query_one("#slip-error", Label)
        try:
            start = parse_clock(day, self.query_one("#slip-start", Input).value, "start")
            end = parse_clock(day, self.query_one("#slip-end", Input).value, "end")
        except ValueError as exc:
            error.update(plain(exc))
            return
        if end < start:
            error.update(f"end: {end:%H:%M} is before the start {start:%H:%M}")
            return
        try:  # done visits feed billing: no work that has not happened yet (saving checks it again)
            not_after_now(end, self.now, "end", SLIP_LATER)
        except ValidationError as exc:
            error.update(plain(exc))
            return
        text = self.query_one("#slip-text", TextArea).text.strip()
        if not text and not self.stop.minor:
            error.update("work slip: write what was done (only minor routine tasks may skip it)")
            return
        self.dismiss(SlipValues(start, end, text))
