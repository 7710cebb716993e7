"""The confirmation before cancelling a contract: the earliest end of service, an optional later month."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from data.contract_rows import ContractRow
from data.contracts import (
    CancellationTerms,
    cancel_contract,
    choose_effective,
    format_month,
    parse_notice_day,
)
from data.errors import ConflictError, DataError, ValidationError
from tui.context import AppContext
from tui.keyguard import GuardedScreen
from tui.text import plain
from tui.widgets.form import FormField, clear_errors, form_values, show_error


class CancelContractDialog(GuardedScreen, ModalScreen[CancellationTerms | None]):
    """Shows when the service would end and records the cancellation only on "Cancel contract".

    Dismisses with the recorded terms, or None when the admin keeps the contract (or it changed meanwhile).
    """

    DEFAULT_CSS = """
    CancelContractDialog { align: center middle; }
    CancelContractDialog > Vertical {
        width: 90%; max-width: 76; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    CancelContractDialog #question { text-style: bold; }
    CancelContractDialog #terms { margin: 1 0; }
    CancelContractDialog Horizontal { height: auto; align-horizontal: right; }
    CancelContractDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "keep", "Keep contract")]

    def __init__(self, ctx: AppContext, row: ContractRow) -> None:
        super().__init__()
        self.ctx = ctx
        self.row = row
        self.earliest = row.terms(ctx.today())

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Cancel the {self.row.plan_label} contract of {self.row.client_name}?"), id="question")
            yield Static(plain(self.earliest.describe(), multiline=True), id="terms")
            yield FormField(
                "Notice received on", "requested_on", value=self.ctx.today().isoformat(),
                hint="YYYY-MM-DD; a letter that arrived earlier counts from its day",
            )
            yield FormField(
                "End billing from month", "effective", placeholder=format_month(self.earliest.effective),
                hint=f"Empty: the earliest ({format_month(self.earliest.effective)}); or a later month (YYYY-MM)",
            )
            with Horizontal():
                yield Button("Keep contract (Esc)", id="keep")
                yield Button("Cancel contract", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def _terms(self) -> tuple[CancellationTerms, CancellationTerms]:
        """(earliest, chosen) for the notice day and month typed so far; ValidationError names the field."""
        values = form_values(self)
        earliest = self.row.terms(parse_notice_day(values["requested_on"], self.ctx.today()))
        return earliest, choose_effective(earliest, values["effective"])

    @on(Input.Changed, "#input-effective")
    @on(Input.Changed, "#input-requested_on")
    def preview(self, event: Input.Changed) -> None:
        """Say when the service ends for what is typed so far (the rules live in data.contracts)."""
        try:
            earliest, terms = self._terms()
        except ValidationError as exc:
            show_error(self, exc)
            event.input.focus()
            return
        clear_errors(self)
        self.query_one("#field-effective", FormField).query_one(".form-hint", Label).update(
            f"Empty: the earliest ({format_month(earliest.effective)}); or a later month (YYYY-MM)"
        )
        text = terms.describe() if terms is earliest else (
            f"Service ends {terms.last_day.isoformat()} (last billed month {format_month(terms.last_billed_month)})."
        )
        self.query_one("#terms", Static).update(plain(text, multiline=True))

    @on(Button.Pressed, "#confirm")
    def cancel_now(self) -> None:
        values = form_values(self)
        try:
            requested_on = parse_notice_day(values["requested_on"], self.ctx.today())
            with self.ctx.db.transaction() as session:
                terms = cancel_contract(
                    session, self.row.id, requested_on, effective=values["effective"], expected_version=self.row.version,
                )
        except ValidationError as exc:
            if not show_error(self, exc):
                self.notify(str(exc), severity="error", title="Not cancelled")
            return
        except ConflictError:
            self.notify(
                "Someone else changed this contract meanwhile; the list now shows their version. Check it and try again.",
                severity="error", title="Not cancelled",
            )
            self.dismiss(None)
            return
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Not cancelled")
            return
        self.dismiss(terms)

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss(None)
