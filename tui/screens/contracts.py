"""The admin's contracts: plan, start month, service hours, limits, and cancellation with its earliest date."""

from __future__ import annotations

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.worker import get_current_worker

from data.concierges import ClientChoice, client_choice
from data.contracts import CancellationTerms, ContractRow, contract_rows, count_contracts, format_month, withdraw_cancellation
from data.errors import DataError
from tui.context import AppContext
from tui.screens.contract_cancel import CancelContractDialog
from tui.screens.contract_form import ContractFormScreen
from tui.widgets.confirm import ConfirmDialog

LIMIT = 500
"""Contracts listed at most; the filter narrows a large book."""


def _yen(amount: object) -> str:
    return f"¥{int(amount):,}" if amount is not None else "-"  # type: ignore[call-overload]


class ContractsScreen(Screen[None]):
    """All contracts, or one client's (`client_id`)."""

    DEFAULT_CSS = """
    ContractsScreen { layout: vertical; }
    ContractsScreen #title { height: 1; background: $primary; color: $text; padding: 0 1; width: 1fr; }
    ContractsScreen #filter { height: 1; margin: 0 1; }
    ContractsScreen #body { height: 1fr; }
    ContractsScreen #table { width: 1fr; }
    ContractsScreen #detail { width: 40%; max-width: 56; padding: 0 1; border-left: solid $primary; }
    ContractsScreen #count { height: 1; color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("c", "cancel_contract", "Cancel contract"),
        Binding("w", "withdraw", "Withdraw cancellation", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    class Loaded(Message):
        """Rows for the current filter arrived from the loading worker."""

        def __init__(self, rows: list[ContractRow], client: ClientChoice | None, total: int) -> None:
            super().__init__()
            self.rows = rows
            self.client = client
            self.total = total

    def __init__(self, ctx: AppContext, client_id: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.client_id = client_id
        self.rows: list[ContractRow] = []
        self._select_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Label("Contracts", id="title")
        yield Input(placeholder="/ Filter by client name or code…", id="filter", compact=True)
        with Horizontal(id="body"):
            yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail")
        yield Label("", id="count")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#table", DataTable)
        table.add_column("client", width=22)
        table.add_columns("plan", "start", "hours", "status", "earliest end")
        if self.client_id is not None:
            self.query_one("#filter", Input).display = False
        table.focus()
        self.reload()

    # ---- loading ---------------------------------------------------------------------------------
    def reload(self, select_id: int | None = None) -> None:
        self._select_id = select_id if select_id is not None else self._selected_id()
        self.load_rows(self.query_one("#filter", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load_rows(self, search: str) -> None:
        worker = get_current_worker()
        try:
            with self.ctx.db.sessions() as session:
                rows = contract_rows(session, self.ctx.today(), client_id=self.client_id, search=search, limit=LIMIT)
                client = client_choice(session, self.client_id) if self.client_id is not None else None
                total = count_contracts(session, client_id=self.client_id, search=search) if len(rows) >= LIMIT else len(rows)
        except DataError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", title="Cannot load contracts")
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(rows, client, total))

    @on(Loaded)
    def show_rows(self, message: Loaded) -> None:
        self.rows = message.rows
        if message.client is not None:
            self.query_one("#title", Label).update(f"Contracts of {message.client.code} {message.client.name}")
        table = self.query_one("#table", DataTable)
        table.clear()
        for r in self.rows:
            table.add_row(
                f"{r.client_code} {r.client_name}", "seats" if r.plan == "concierge_seats" else "incidents",
                format_month(r.start_month), " ".join(h[:3] for h in r.service_hours) or "std", r.status_text,
                "-" if r.status != "active" else r.earliest_end.isoformat(), key=str(r.id),
            )
        self.query_one("#count", Label).update(
            f"{len(self.rows)} contract{'' if len(self.rows) == 1 else 's'}"
            f"{f' of {message.total} (filter to narrow)' if message.total > len(self.rows) else ''} · "
            f"earliest end = if the client gave notice today ({self.ctx.today().isoformat()})"
        )
        if self._select_id is not None:
            for index, r in enumerate(self.rows):
                if r.id == self._select_id:
                    table.move_cursor(row=index)
        self._show_detail()

    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one("#table", DataTable).focus()

    # ---- selection -------------------------------------------------------------------------------
    def _selected(self) -> ContractRow | None:
        table = self.query_one("#table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _selected_id(self) -> int | None:
        row = self._selected()
        return row.id if row else None

    @on(DataTable.RowHighlighted, "#table")
    def highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#table")
    def selected(self) -> None:
        self.action_edit()

    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update("No contract selected.\nPress n to add one.")
            return
        lines = [
            f"[b]{row.client_name}[/b]",
            f"{row.plan_label}: {row.summary}",
            f"Since {format_month(row.start_month)}; minimum {row.minimum_months} months, notice {row.notice_months}",
            f"Service hours: weekdays 9-18{''.join(' + ' + h.replace('_', '/') for h in row.service_hours)}",
            f"Fee limit: {_yen(row.fee_limit)}",
        ]
        if row.status == "active":
            lines += ["", row.terms(self.ctx.today()).describe(), "c: cancel contract"]
        elif row.cancelled_effective is not None:
            lines += ["", f"Cancelled: service {row.status_text}, not billed from {format_month(row.cancelled_effective)}",
                      "w: withdraw the cancellation"]
        detail.update("\n".join(lines))

    # ---- actions ---------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            box.focus()

    def action_clear_filter(self) -> None:
        """Escape clears the filter first; with no filter it goes on to the app (back)."""
        box = self.query_one("#filter", Input)
        if not box.value and not box.has_focus:
            raise SkipAction()
        box.value = ""
        self.query_one("#table", DataTable).focus()

    def action_new(self) -> None:
        self.app.push_screen(ContractFormScreen(self.ctx, client_id=self.client_id), self._saved)

    def action_edit(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("Select a contract first.")
            return
        self.app.push_screen(ContractFormScreen(self.ctx, row.id), self._saved)

    def _saved(self, contract_id: int | None) -> None:
        if contract_id is not None:
            self.reload(select_id=contract_id)

    def action_cancel_contract(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("Select a contract first.")
            return
        if row.status != "active":
            self.notify(f"This contract is already cancelled ({row.status_text}).")
            return

        def done(terms: CancellationTerms | None) -> None:
            if terms is not None:
                self.notify(f"Cancelled: service ends {terms.last_day.isoformat()}.")
            self.reload(select_id=row.id)

        self.app.push_screen(CancelContractDialog(self.ctx, row), done)

    def action_withdraw(self) -> None:
        row = self._selected()
        if row is None or row.status != "cancelled":
            self.notify("Only a cancelled contract can be reinstated.")
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                with self.ctx.db.transaction() as session:
                    withdraw_cancellation(session, row.id, expected_version=row.version)
            except DataError as exc:
                self.notify(str(exc), severity="error", title="Not changed")
            else:
                self.notify(f"The contract of {row.client_name} runs on.")
            self.reload(select_id=row.id)

        self.app.push_screen(
            ConfirmDialog(f"Withdraw the cancellation of {row.client_name}?", yes="Withdraw",
                          detail="The contract runs on and is billed again from the month it would have ended."),
            answer,
        )
