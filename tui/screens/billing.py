"""Billing (admin only): close a month into invoices, list a month's invoices, open and export one, and
answer the fee-limit notices of incident plans.

Left: every month that can be billed (newest first), closed or not. Right: the selected month's invoices,
or for a month not closed yet what closing it would do. `c` closes the selected month after asking
(billing_dialogs: a worker with progress, cancellable, then the summary). Enter opens an invoice
(tui/screens/invoice.py), `x` exports it. The second tab lists incidents whose fee reached its limit;
Enter records the client's answer, stop or continue (with the incident's version: an answer recorded by
someone else meanwhile is refused, not overwritten).

Reading happens in thread workers; the screen holds plain rows (data/billing_desk.py), never ORM objects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, OptionList, TabbedContent, TabPane
from textual.widgets.option_list import Option

from data.billing import CloseResult, billed_contracts
from data.billing_desk import BillingMonth, InvoiceRow, NoticeRow, billing_months, limit_notices, month_invoices, record_limit_answer
from data.errors import DataError
from data.export_files import export_invoice
from data.queries import PLAN_LABELS
from tui.context import AppContext
from tui.screens.billing_dialogs import AskDialog, CloseProgressDialog, CloseSummaryDialog, NoticeAnswerDialog
from tui.screens.export_dialog import ExportDialog
from tui.text import file_part, plain, styled

INVOICE_FORMATS = [("Markdown (.md), the 適格請求書", "md", ".md"), ("CSV of the lines (.csv)", "csv", ".csv")]


def yen(value: object) -> Text:
    return Text(f"¥{int(str(value)):,}", justify="right")


def export_invoice_dialog(ctx: AppContext, number: str) -> ExportDialog:
    """The export dialog of one invoice (from the list and from the invoice itself)."""

    def write(fmt: str, path: str) -> Path:
        with ctx.db.transaction() as session:
            return export_invoice(session, number, fmt, path)

    return ExportDialog(f"Export invoice {number}", formats=INVOICE_FORMATS, path=Path.cwd() / f"{file_part(number)}.md", write=write)


class BillingScreen(Screen[None]):
    """`BillingScreen(ctx)`; refuses to show anything to a role without the billing capability."""

    DEFAULT_CSS = """
    BillingScreen #billing-tabs { height: 1fr; }
    BillingScreen TabPane { height: 1fr; padding: 0; }
    BillingScreen #billing-body { height: 1fr; }
    BillingScreen #months { width: 17; height: 1fr; border-right: solid $primary 60%; }
    BillingScreen #month-side { width: 1fr; height: 1fr; }
    BillingScreen #month-state { height: auto; width: 1fr; padding: 0 1; }
    BillingScreen #notices-help { height: auto; width: 1fr; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("c", "close_month", "Close month"),
        Binding("enter", "open", "Open", show=True),
        Binding("x", "export", "Export"),
        Binding("r", "reload", "Reload"),
        Binding("n", "show_tab('tab-notices')", "Fee-limit notices"),
        Binding("i", "show_tab('tab-invoices')", "Invoices"),
    ]

    class Loaded(Message):
        def __init__(self, months: list[BillingMonth]) -> None:
            super().__init__()
            self.months = months

    class NoticesLoaded(Message):
        def __init__(self, notices: list[NoticeRow]) -> None:
            super().__init__()
            self.notices = notices

    class MonthLoaded(Message):
        def __init__(self, month: dt.date, invoices: list[InvoiceRow], contracts: int) -> None:
            super().__init__()
            self.month = month
            self.invoices = invoices
            self.contracts = contracts

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.allowed = ctx.role.can("billing")
        self.months: list[BillingMonth] = []
        self.invoices: list[InvoiceRow] = []
        self.notices: list[NoticeRow] = []
        self.month: dt.date | None = None
        """The month whose invoices are shown (or loading)."""
        self.loading_month = False
        self.focus_when_loaded = False
        """Enter was pressed on the month while its invoices were loading: go to them once shown."""
        self.contracts_of: dict[dt.date, int] = {}
        """Month → contracts billed in it (read with the month; for the close question)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Billing", id="billing-title", classes="screen-title")
        with TabbedContent(id="billing-tabs"):
            with TabPane("Invoices by month", id="tab-invoices"), Horizontal(id="billing-body"):
                yield OptionList(id="months", compact=True)
                with Vertical(id="month-side"):
                    yield Label("Loading…", id="month-state")
                    table: DataTable[Any] = DataTable(id="invoices", cursor_type="row")
                    table.add_columns("Invoice", Text("Total", justify="right"), "Plan", "Client")  # a long name is cut last
                    yield table
            with TabPane("Fee-limit notices", id="tab-notices"):
                yield Label("Incidents whose fee reached its limit: the client must say stop or continue. "
                            "Enter records the answer; i goes back to the invoices.", id="notices-help")
                notices: DataTable[Any] = DataTable(id="notices", cursor_type="row")
                notices.add_columns("Incident", "Client", "Person", Text("Fee", justify="right"), Text("Limit", justify="right"), "What")
                yield notices
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            refusal = self.ctx.refusal("billing")
            self.query_one("#billing-title", Label).update(plain(f"Billing — {refusal}"))
            self.query_one("#billing-tabs").display = False
            self.notify(refusal, severity="error")
            return
        self.load()

    def on_screen_resume(self) -> None:
        if self.allowed and self.months:
            self.load()

    # -- reading ----------------------------------------------------------------------------------
    def load(self) -> None:
        self.load_months()
        self.load_notices()

    @work(thread=True, exclusive=True, exit_on_error=False, group="billing-load")
    def load_months(self) -> None:
        try:
            with self.ctx.db.transaction() as session:
                months = billing_months(session, self.ctx.today())
        except DataError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Loaded(months))

    @work(thread=True, exclusive=True, exit_on_error=False, group="billing-notices")
    def load_notices(self) -> None:
        """Apart from the months: assessing the incidents of the open months takes a moment."""
        try:
            with self.ctx.db.transaction() as session:
                notices = limit_notices(session, self.ctx.clock())
        except DataError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.NoticesLoaded(notices))

    @work(thread=True, exclusive=True, exit_on_error=False, group="billing-month")
    def load_month(self, month: dt.date) -> None:
        try:
            with self.ctx.db.transaction() as session:
                invoices = month_invoices(session, month)
                contracts = 0 if invoices else len(billed_contracts(session, month))
        except DataError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.MonthLoaded(month, invoices, contracts))

    @on(Failed)
    def show_failure(self, message: Failed) -> None:
        self.query_one("#month-state", Label).update(plain(f"Cannot read billing: {message.error}"))
        self.notify(f"Cannot read billing: {message.error}", severity="error")

    @on(Loaded)
    def show_loaded(self, message: Loaded) -> None:
        self.months = message.months
        options = self.query_one("#months", OptionList)
        options.clear_options()
        for m in self.months:
            state = "closed" if m.closed else "open"
            options.add_option(Option(styled((m.label, "bold"), "  ", (state, "green" if m.closed else "yellow")), id=m.label))
        if not self.months:
            self.query_one("#month-state", Label).update("No contract yet: there is nothing to bill.")
        else:
            first_load = self.month is None
            labels = [m.label for m in self.months]
            wanted = self.month.strftime("%Y-%m") if self.month else labels[0]
            self.contracts_of.clear()
            options.highlighted = labels.index(wanted) if wanted in labels else 0
            self.month_highlighted()
            if first_load:
                options.focus()

    @on(NoticesLoaded)
    def show_notices(self, message: NoticesLoaded) -> None:
        notices = self.notices = message.notices
        table = self.query_one("#notices", DataTable)
        table.clear()
        for n in notices:
            table.add_row(str(n.incident_id), plain(n.client_name), plain(n.person or ""), yen(n.fee), yen(n.limit),
                          plain(n.summary), key=str(n.incident_id))
        tabs = self.query_one("#billing-tabs", TabbedContent)
        tabs.get_tab("tab-notices").label = f"Fee-limit notices ({len(notices)})"
        self.query_one("#notices-help", Label).update(
            "Incidents whose fee reached its limit: the client must say stop or continue. Enter records the answer; "
            "i goes back to the invoices." if notices else
            "No incident waits for the client's answer (this month and the months not closed yet). i: invoices."
        )

    @on(OptionList.OptionHighlighted, "#months")
    def month_highlighted(self) -> None:
        month = self.highlighted_month()
        if month is None or (month.month == self.month and self.contracts_of.get(month.month) is not None):
            return
        self.month = month.month
        self.loading_month = True
        self.focus_when_loaded = False
        self.query_one("#month-state", Label).update(f"{month.label}: loading…")
        self.load_month(month.month)

    @on(MonthLoaded)
    def show_month(self, message: MonthLoaded) -> None:
        self.contracts_of[message.month] = message.contracts
        if message.month != self.month:
            return
        self.loading_month = False
        self.invoices = message.invoices
        current = self.current_month()
        table = self.query_one("#invoices", DataTable)
        table.clear()
        for i in self.invoices:
            table.add_row(i.number, yen(i.gross_total), plan_words(i.plan), plain(i.client_name), key=str(i.id))
        label = message.month.strftime("%Y-%m")
        if current is not None and current.closed:
            gross = sum(int(i.gross_total) for i in self.invoices)
            count = f"{len(self.invoices)} invoice{'s' if len(self.invoices) != 1 else ''}"
            dates = f" · issued {self.invoices[0].issue_date:%m-%d}, due {self.invoices[0].due_date:%Y-%m-%d}" if self.invoices else ""
            state = styled((label, "bold"), f" closed · {count} · ¥{gross:,} incl. tax{dates}")
        else:
            contracts = f"{message.contracts} contract{'s' if message.contracts != 1 else ''}"
            state = styled((label, "bold"), " is not closed yet: ", (f"press c to close it ({contracts} to invoice)", "yellow"))
        self.query_one("#month-state", Label).update(state)
        if self.focus_when_loaded and self.invoices:
            table.focus()
        self.focus_when_loaded = False

    def current_month(self) -> BillingMonth | None:
        return next((m for m in self.months if m.month == self.month), None)

    def highlighted_month(self) -> BillingMonth | None:
        index = self.query_one("#months", OptionList).highlighted
        return self.months[index] if index is not None and 0 <= index < len(self.months) else None

    def current_invoice(self) -> InvoiceRow | None:
        table = self.query_one("#invoices", DataTable)
        if not self.invoices or not table.has_focus:
            return None
        return self.invoices[min(max(table.cursor_row, 0), len(self.invoices) - 1)]

    # -- actions ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.allowed:
            return False
        on_notices = self.query_one("#billing-tabs", TabbedContent).active == "tab-notices"
        if action in ("close_month", "export"):
            return not on_notices
        if action == "show_tab":
            return parameters[0] != ("tab-notices" if on_notices else "tab-invoices")
        return True

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#billing-tabs", TabbedContent).active = tab
        if tab == "tab-notices":
            self.query_one("#notices", DataTable).focus()
        else:
            self.query_one("#months", OptionList).focus()
        self.refresh_bindings()

    @on(TabbedContent.TabActivated)
    def tab_changed(self) -> None:
        self.refresh_bindings()

    def action_reload(self) -> None:
        self.load()

    def action_open(self) -> None:
        tabs = self.query_one("#billing-tabs", TabbedContent)
        if tabs.active == "tab-notices":
            self.answer_notice()
            return
        if self.query_one("#months", OptionList).has_focus:
            if self.loading_month:
                self.focus_when_loaded = True
            elif self.invoices:
                self.query_one("#invoices", DataTable).focus()
            else:
                self.notify("No invoices in this month yet: press c to close it.", severity="warning")
            return
        invoice = self.current_invoice()
        if invoice is None:
            self.query_one("#months", OptionList).focus()
        else:
            from tui.screens.invoice import InvoiceScreen

            self.app.push_screen(InvoiceScreen(self.ctx, invoice.id))

    @on(OptionList.OptionSelected, "#months")
    def month_selected(self) -> None:
        self.action_open()

    @on(DataTable.RowSelected, "#invoices")
    def invoice_selected(self) -> None:
        self.action_open()

    @on(DataTable.RowSelected, "#notices")
    def notice_selected(self) -> None:
        self.answer_notice()

    def action_export(self) -> None:
        invoice = self.current_invoice() or (self.invoices[0] if len(self.invoices) == 1 else None)
        if invoice is None:
            if self.invoices:
                self.notify("Pick an invoice in the list first (Tab, then ↑/↓).", severity="warning")
            else:
                self.notify("This month has no invoices to export.", severity="warning")
            return

        def written(path: Path | None) -> None:
            if path is not None:
                self.notify(f"{invoice.number} written to {path}")

        self.app.push_screen(export_invoice_dialog(self.ctx, invoice.number), written)

    def action_close_month(self) -> None:
        month = self.highlighted_month()
        if month is None:
            return
        if month.closed:
            self.notify(f"{month.label} is already closed: its invoices are listed.", severity="warning")
            return
        older = [m.label for m in self.months if m.month < month.month and not m.closed]
        count = self.contracts_of.get(month.month)
        detail = (
            f"Invoices every contract billed in {month.label}{'' if count is None else f' ({count})'} from the seats, visits and incidents "
            f"on record now, then locks the month: its visits and incidents can no longer be changed. "
            "This cannot be undone."
        )
        if older:
            detail += f" Note: {len(older)} earlier month{'s are' if len(older) != 1 else ' is'} not closed yet ({older[-1]} first)."

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(CloseProgressDialog(self.ctx, month.month), self.closed)

        self.app.push_screen(AskDialog(f"Close {month.label}?", yes=f"Close {month.label}", detail=detail), answered)

    def closed(self, outcome: CloseResult | str | None) -> None:
        if outcome is None:
            self.notify("Closing cancelled: nothing was written, the month is still open.", severity="warning")
        elif isinstance(outcome, str):
            self.notify(f"The month was not closed: {outcome}", severity="error")
        else:
            self.app.push_screen(CloseSummaryDialog(outcome))
        self.load()

    # -- fee-limit notices ------------------------------------------------------------------------
    def answer_notice(self) -> None:
        if not self.notices:
            self.notify("No incident waits for the client's answer.")
            return
        table = self.query_one("#notices", DataTable)
        notice = self.notices[min(max(table.cursor_row, 0), len(self.notices) - 1)]

        def answered(answer: str | None) -> None:
            if answer is None:
                return
            try:
                with self.ctx.db.transaction() as session:
                    record_limit_answer(session, notice.incident_id, proceed=answer == "continue",
                                        expected_version=notice.version, now=self.ctx.clock())
            except DataError as exc:
                self.notify(f"Answer not recorded: {exc}", severity="error")
                self.load()
                return
            said = "continue: billed beyond the limit" if answer == "continue" else "stop: closed and billed at the limit"
            self.notify(f"Incident {notice.incident_id} ({notice.client_name}): {said}.")
            self.load()

        self.app.push_screen(NoticeAnswerDialog(notice), answered)


def plan_words(plan: str) -> str:
    return PLAN_LABELS.get(plan, plan)
