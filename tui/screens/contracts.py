"""The admin's contracts: plan, start month, service hours, limits, and cancellation with its earliest date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.cells import cell_len
from sqlalchemy.orm import Session
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from data.concierges import ClientChoice, client_choice
from data.contract_rows import ContractRow, contract_rows, count_contracts
from data.contracts import CancellationTerms, format_month, withdraw_cancellation
from data.errors import DataError
from tui.context import AppContext
from tui.screens.contract_cancel import CancelContractDialog
from tui.screens.contract_form import ContractFormScreen
from tui.screens.list_screen import RecordListScreen
from tui.text import clean, counted, plain, styled
from tui.widgets.confirm import ConfirmDialog

LIMIT = 500
"""Contracts listed at most; the filter narrows a large book."""


def _yen(amount: object) -> str:
    return f"¥{int(amount):,}" if amount is not None else "-"  # type: ignore[call-overload]


OTHER_COLUMNS = (("plan", 9), ("start", 7), ("hours", 5), ("status", 9), ("earliest end", 12))
"""Columns after the client's, with their widths; a cancelled contract's end is in the last column."""


class ContractsScreen(RecordListScreen[ContractRow]):
    """All contracts, or one client's (`client_id`)."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("c", "cancel_contract", "Cancel contract"),
        Binding("w", "withdraw", "Withdraw cancellation", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("down", "to_list", "To the list", key_display="↓/Enter"),
    ]

    class Loaded(Message):
        """Rows for the current filter arrived from the loading worker."""

        def __init__(self, rows: list[ContractRow], client: ClientChoice | None, total: int) -> None:
            super().__init__()
            self.rows = rows
            self.client = client
            self.total = total

    heading = "Contracts"
    filter_placeholder = "/ Filter by client name or code…"
    what_plural = "contracts"

    def __init__(self, ctx: AppContext, client_id: int | None = None) -> None:
        super().__init__(ctx)
        self.client_id = client_id

    def on_mount(self) -> None:
        table = self.query_one("#table", DataTable)
        self.add_columns(table)
        if self.client_id is not None:
            self.query_one("#filter", Input).display = False
        self.focus_start()
        self.reload()

    def add_columns(self, table: DataTable[Any]) -> None:
        table.add_column("client", width=self.client_width(), key="client")
        for label, width in OTHER_COLUMNS:
            table.add_column(label, width=width)

    # ---- loading ---------------------------------------------------------------------------------
    def fetch(self, session: Session, search: str) -> Message:
        rows = contract_rows(session, self.ctx.today(), client_id=self.client_id, search=search, limit=LIMIT)
        client = client_choice(session, self.client_id) if self.client_id is not None else None
        total = count_contracts(session, client_id=self.client_id, search=search) if len(rows) >= LIMIT else len(rows)
        return self.Loaded(rows, client, total)

    @on(Loaded)
    def show_rows(self, message: Loaded) -> None:
        self.rows = message.rows
        if message.client is not None:
            self.query_one("#title", Label).update(plain(f"Contracts of {message.client.code} {message.client.name}"))
        table = self.query_one("#table", DataTable)
        table.clear(columns=True)
        self.add_columns(table)
        for r in self.rows:
            table.add_row(
                plain(f"{r.client_code} {r.client_name}"), "seats" if r.plan == "concierge_seats" else "incidents",
                format_month(r.start_month), " ".join(h[:3] for h in r.service_hours) or "std", r.status,
                _last_day(r), key=str(r.id),
            )
        self.query_one("#count", Label).update(
            f"{len(self.rows)} contract{'' if len(self.rows) == 1 else 's'}"
            f"{f' of {message.total} (filter to narrow)' if message.total > len(self.rows) else ''} · "
            f"earliest end = if the client gave notice today ({self.ctx.today().isoformat()})"
        )
        self.show_selection()

    def on_resize(self) -> None:
        if self.rows:
            self.reload()  # the client column follows the terminal's width

    def client_width(self) -> int:
        """The client column takes the room the other columns leave: whole names on a wide terminal."""
        table = self.query_one("#table", DataTable)
        others = sum(width + 2 * table.cell_padding for _, width in OTHER_COLUMNS)
        longest = max((cell_len(f"{r.client_code} {r.client_name}") for r in self.rows), default=16)
        # The same room whether or not the vertical scrollbar shows at this moment (the rows arrive from a
        # worker: measured before and after a layout, the column came out two cells apart).
        scrollbar = table.styles.scrollbar_size_vertical
        room = table.content_region.width - scrollbar - others - 2 * table.cell_padding
        return max(16, min(longest, room))

    # ---- selection -------------------------------------------------------------------------------
    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#detail", Static)
        if row is None:
            detail.update("No contract selected.\nPress n to add one.")
            return
        lines = [
            f"{row.plan_label}: {clean(row.summary)}",
            f"Since {format_month(row.start_month)}; minimum {counted(row.minimum_months, 'month')}, "
            f"notice {counted(row.notice_months, 'month')} before a month end",
            f"Service hours: weekdays 9-18{''.join(' + ' + h.replace('_', '/') for h in row.service_hours)}",
            f"Fee limit: {_yen(row.fee_limit)}",
        ]
        if row.status == "active":
            lines += ["", row.terms(self.ctx.today()).describe(), "c: cancel contract"]
        elif row.cancelled_effective is not None:
            lines += ["", f"Cancelled: service {row.status_text}, not billed from {format_month(row.cancelled_effective)}",
                      "w: withdraw the cancellation"]
        detail.update(styled((row.client_name, "bold"), "\n", "\n".join(lines), multiline=True))

    # ---- actions ---------------------------------------------------------------------------------
    def action_new(self) -> None:
        self.app.push_screen(ContractFormScreen(self.ctx, client_id=self.client_id), self._saved)

    def action_edit(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("Select a contract first.")
            return
        self.app.push_screen(ContractFormScreen(self.ctx, row.id), self._saved)

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


def _last_day(row: ContractRow) -> str:
    """The earliest end of a running contract, the end of a cancelled one ("-" when neither applies)."""
    if row.status == "active":
        return row.earliest_end.isoformat()
    if row.cancelled_effective is not None:
        return (row.cancelled_effective - dt.timedelta(days=1)).isoformat()
    return "-"
