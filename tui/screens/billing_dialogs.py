"""The Billing screen's dialogs: ask before closing a month, close it in a worker with progress, the summary,
and the client's answer to a fee-limit notice.

Closing runs in a thread worker: one transaction (`data.billing.close_month` under the month's lock), with
a progress bar per contract. Escape cancels it: the worker's progress callback raises, the transaction is
rolled back and nothing is written (no invoice, the month stays open).

`AskDialog` is the yes/no question of this screen: the safe answer (Cancel) has the focus and there is no
one-letter yes, so a key typed in the same burst as the one that opened it cannot confirm it.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, ProgressBar

from data.billing import CloseResult, close_month
from data.billing_desk import NoticeRow
from data.errors import DataError
from data.locks import check_month_closable, month_label
from tui.context import AppContext
from tui.text import plain

BOX_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 90%; max-width: 78; height: auto; max-height: 100%; border: thick {border}; background: $surface; padding: 0 1;
}}
{name} Label {{ width: 100%; }}
{name} .detail {{ color: $text-muted; margin-top: 1; }}
{name} Horizontal {{ height: auto; margin-top: 1; align-horizontal: right; }}
{name} Button {{ margin-left: 2; }}
"""


class AskDialog(ModalScreen[bool]):
    """`question` with `detail`; dismisses True only when the yes button is pressed."""

    DEFAULT_CSS = BOX_CSS.format(name="AskDialog", border="$warning")
    BINDINGS = [Binding("escape", "no", "Cancel")]

    def __init__(self, question: str, *, yes: str, detail: str = "", no: str = "Cancel") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.question, multiline=True), id="ask-question")
            if self.detail:
                yield Label(plain(self.detail, multiline=True), classes="detail")
            with Horizontal():
                yield Button(plain(f"{self.no_label} (Esc)"), id="ask-no")
                yield Button(plain(self.yes_label), id="ask-yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#ask-no", Button).focus()

    @on(Button.Pressed, "#ask-yes")
    def yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#ask-no")
    def action_no(self) -> None:
        self.dismiss(False)


class Cancelled(Exception):
    """The admin pressed Escape while the month was closing."""


class CloseProgressDialog(ModalScreen[CloseResult | str | None]):
    """Closes `month` in a worker; dismisses with the result, an error sentence, or None when cancelled."""

    DEFAULT_CSS = BOX_CSS.format(name="CloseProgressDialog", border="$primary") + """
    CloseProgressDialog ProgressBar { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    class Progress(Message):
        def __init__(self, done: int, total: int) -> None:
            super().__init__()
            self.done = done
            self.total = total

    class Finished(Message):
        def __init__(self, outcome: CloseResult | str | None) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, ctx: AppContext, month: dt.date) -> None:
        super().__init__()
        self.ctx = ctx
        self.month = month
        self.stop = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Closing {month_label(self.month)}: invoicing every billed contract…"), id="close-what")
            yield ProgressBar(total=None, show_eta=False, id="close-bar")
            with Horizontal():
                yield Button("Cancel (Esc) — nothing is written", id="close-cancel")

    def on_mount(self) -> None:
        self.close_in_worker()

    @work(thread=True, exclusive=True, exit_on_error=False, group="billing-close")
    def close_in_worker(self) -> None:
        def progress(done: int, total: int) -> None:
            if self.stop.is_set():
                raise Cancelled
            self.post_message(self.Progress(done, total))

        now = self.ctx.clock()
        outcome: CloseResult | str | None
        try:
            with self.ctx.db.transaction() as session:
                check_month_closable(session, self.month)
                outcome = close_month(session, self.month, today=now.date(), now=now, progress=progress)
                if self.stop.is_set():
                    raise Cancelled
        except Cancelled:
            outcome = None
        except DataError as exc:
            outcome = str(exc)
        self.post_message(self.Finished(outcome))

    @on(Progress)
    def show_progress(self, message: Progress) -> None:
        bar = self.query_one("#close-bar", ProgressBar)
        bar.update(total=max(message.total, 1), progress=message.done)
        self.query_one("#close-what", Label).update(
            plain(f"Closing {month_label(self.month)}: contract {min(message.done + 1, message.total)} of {message.total}…")
        )

    @on(Finished)
    def finished(self, message: Finished) -> None:
        self.dismiss(message.outcome)

    @on(Button.Pressed, "#close-cancel")
    def action_cancel(self) -> None:
        self.stop.set()
        self.query_one("#close-what", Label).update(plain("Cancelling: rolling back…"))


class CloseSummaryDialog(ModalScreen[None]):
    """What the close produced: one line per invoice and the total."""

    DEFAULT_CSS = BOX_CSS.format(name="CloseSummaryDialog", border="$success") + """
    CloseSummaryDialog DataTable { height: auto; max-height: 12; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "done", "Close")]

    def __init__(self, result: CloseResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.result.line()), id="summary-line")
            yield Label("The month's visits and incidents are now locked; its invoices are listed under the month.",
                        classes="detail")
            table: DataTable[Any] = DataTable(id="summary-invoices", cursor_type="row")
            table.add_columns("Invoice", "Client", Text("Total", justify="right"))
            for i in self.result.invoices:
                table.add_row(i.number, plain(f"{i.client_code} {i.client_name}"), Text(f"¥{int(i.gross_total):,}", justify="right"))
            yield table
            with Horizontal():
                yield Button("OK (Enter)", id="summary-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#summary-ok", Button).focus()

    @on(Button.Pressed, "#summary-ok")
    def action_done(self) -> None:
        self.dismiss(None)


class NoticeAnswerDialog(ModalScreen[str | None]):
    """The client's answer to "limit reached": stop, continue, or not yet (Cancel, focused)."""

    DEFAULT_CSS = BOX_CSS.format(name="NoticeAnswerDialog", border="$warning")
    BINDINGS = [Binding("escape", "later", "Cancel")]

    def __init__(self, notice: NoticeRow) -> None:
        super().__init__()
        self.notice = notice

    def compose(self) -> ComposeResult:
        n = self.notice
        who = f" ({n.person})" if n.person else ""
        with Vertical():
            yield Label(plain(f"Incident {n.incident_id}, {n.client_name}{who}: {n.summary}"), id="notice-what")
            yield Label(plain(f"The fee ¥{int(n.fee):,} passes the limit ¥{int(n.limit):,}. What did the client say?"))
            yield Label("Stop: the incident is closed now and billed at the limit. "
                        "Continue: the work goes on and the full fee is billed.", classes="detail")
            with Horizontal():
                yield Button("Not yet (Esc)", id="answer-later")
                yield Button("Stop at the limit", id="answer-stop", variant="warning")
                yield Button("Continue", id="answer-continue", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#answer-later", Button).focus()

    @on(Button.Pressed, "#answer-stop")
    def stop(self) -> None:
        self.dismiss("stop")

    @on(Button.Pressed, "#answer-continue")
    def go_on(self) -> None:
        self.dismiss("continue")

    @on(Button.Pressed, "#answer-later")
    def action_later(self) -> None:
        self.dismiss(None)
