"""One invoice as the client receives it (適格請求書): number, month, client, issuer and its T-number, the
lines with their tax rate, net and tax per rate, totals, due date and bank account. `x` exports it as
`concierge billing export` does (Markdown or CSV). Amounts are the stored ones (data/invoice_export.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from data.billing import get_invoice
from data.errors import DataError
from data.invoice_export import invoice_document
from data.queries import PLAN_LABELS
from tui.context import AppContext
from tui.text import plain, styled


def _yen(value: Any) -> Text:
    return Text(f"¥{int(value):,}", justify="right")


class InvoiceScreen(Screen[None]):
    """`InvoiceScreen(ctx, invoice_id)`."""

    DEFAULT_CSS = """
    InvoiceScreen #invoice-facts { height: auto; padding: 0 1; }
    InvoiceScreen #invoice-facts Label, InvoiceScreen #basis, InvoiceScreen #totals { width: 1fr; }
    InvoiceScreen #lines { height: 1fr; min-height: 4; }
    InvoiceScreen #basis { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    InvoiceScreen #totals { height: auto; padding: 0 1; }
    """
    BINDINGS = [Binding("x", "export", "Export")]

    class Loaded(Message):
        def __init__(self, document: dict[str, Any] | None, error: str = "") -> None:
            super().__init__()
            self.document = document
            self.error = error

    def __init__(self, ctx: AppContext, invoice_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.invoice_id = invoice_id
        self.document: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Loading the invoice…", id="invoice-title", classes="screen-title")
        with Vertical(id="invoice-facts"):
            yield Label("", id="invoice-client")
            yield Label("", id="invoice-issuer")
            yield Label("", id="invoice-payment")
        table: DataTable[Any] = DataTable(id="lines", cursor_type="row")
        table.add_columns(Text("#", justify="right"), "Item", Text("Qty", justify="right"), Text("Unit price", justify="right"),
                          Text("Net", justify="right"), "Tax")
        yield table
        yield Label("", id="basis")
        yield Label("", id="totals")
        yield Footer()

    def on_mount(self) -> None:
        if not self.ctx.role.can("billing"):
            self.query_one("#invoice-title", Label).update(plain(f"Invoice — {self.ctx.refusal('billing')}"))
            return
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="invoice-load")
    def load(self) -> None:
        try:
            with self.ctx.db.transaction() as session:
                document = invoice_document(session, get_invoice(session, self.invoice_id))
        except DataError as exc:
            self.post_message(self.Loaded(None, str(exc)))
            return
        self.post_message(self.Loaded(document))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        d = self.document = message.document
        if d is None:
            self.query_one("#invoice-title", Label).update(plain(f"Cannot show the invoice: {message.error}"))
            return
        client, issuer, payment = d["client"], d["issuer"], d["payment"]
        plan = PLAN_LABELS.get(d["contract"]["plan"], d["contract"]["plan"])
        self.query_one("#invoice-title", Label).update(plain(f"Invoice {d['number']} · {d['month']} · {plan} plan"))
        self.query_one("#invoice-client", Label).update(styled(
            ("To ", "dim"), (f"{client['name']} ({client['code']})", "bold"), ("  issued ", "dim"), d["issue_date"],
        ))
        self.query_one("#invoice-issuer", Label).update(styled(
            ("From ", "dim"), issuer["name"] or "", ("  registration no. ", "dim"), (issuer["registration_number"] or "", "bold"),
        ))
        self.query_one("#invoice-payment", Label).update(styled(
            ("Pay by bank transfer to ", "dim"), payment["bank_account"] or "", ("  by ", "dim"), payment["due_date"],
        ))
        table = self.query_one("#lines", DataTable)
        table.clear()
        for line in d["lines"]:
            table.add_row(Text(str(line["position"]), justify="right"), plain(line["label"]), Text(str(line["quantity"]), justify="right"),
                          _yen(line["unit_price"]), _yen(line["net"]), line["tax_rate"], key=str(line["position"]))
        rates = "   ".join(f"{r['rate']}: net ¥{r['net']:,}, tax ¥{r['tax']:,}" for r in d["per_rate"])
        self.query_one("#totals", Label).update(styled(
            ("Per tax rate  ", "dim"), rates, "\n",
            ("Net ", "dim"), f"¥{d['net_total']:,}", ("  tax ", "dim"), f"¥{d['tax']:,}",
            ("  Total incl. tax ", "dim"), (f"¥{d['gross_total']:,}", "bold green"), multiline=True,
        ))
        self.show_basis()
        table.focus()

    @on(DataTable.RowHighlighted, "#lines")
    def show_basis(self) -> None:
        if self.document is None or not self.document["lines"]:
            self.query_one("#basis", Label).update("No lines.")
            return
        table = self.query_one("#lines", DataTable)
        line = self.document["lines"][min(max(table.cursor_row, 0), len(self.document["lines"]) - 1)]
        self.query_one("#basis", Label).update(styled(("Basis: ", "dim"), line["basis"] or "—"))

    def action_export(self) -> None:
        if self.document is None:
            return
        from tui.screens.billing import export_invoice_dialog

        number = self.document["number"]

        def written(path: Path | None) -> None:
            if path is not None:
                self.notify(f"{number} written to {path}")

        self.app.push_screen(export_invoice_dialog(self.ctx, number), written)
