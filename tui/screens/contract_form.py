"""The add/edit form of a contract: plan, start month, service hours, limits and plan options."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, SelectionList, Static

from data.concierges import client_choice
from data.contracts import (
    INCIDENT_BILLING,
    INCIDENT_SCOPES,
    PLAN_LABELS,
    ROUNDINGS,
    SERVICE_HOURS,
    VARIANTS,
    add_months,
    contract_form_values,
    format_month,
    save_contract,
)
from data.errors import ConflictError, DataError, NotFoundError, ValidationError
from data.models import Contract
from tui.context import AppContext
from tui.widgets.form import FormField, clear_errors, form_values, show_error

SEAT_FIELDS = ("variant", "rounding")
HOUR_LABELS = {"evening": "Evenings (weekdays after 18:00)", "saturday": "Saturdays", "sunday_holiday": "Sundays and holidays"}
INCIDENT_FIELDS = ("billing", "scope", "max_incidents", "personal_support", "approver")


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v.replace("_", " "), v) for v in values]


class ContractFormScreen(ModalScreen[int | None]):
    """Dismisses with the saved contract's id, or None when cancelled."""

    DEFAULT_CSS = """
    ContractFormScreen { align: center middle; }
    ContractFormScreen > Vertical {
        width: 90%; max-width: 100; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ContractFormScreen #form-title { text-style: bold; height: 1; }
    ContractFormScreen VerticalScroll { height: 1fr; }
    ContractFormScreen .-hidden { display: none; }
    ContractFormScreen #conflict { display: none; height: auto; background: $warning 30%; padding: 0 1; }
    ContractFormScreen #conflict.-shown { display: block; }
    ContractFormScreen #conflict Horizontal, ContractFormScreen #buttons { height: auto; align-horizontal: right; }
    ContractFormScreen Button { margin-left: 1; }
    ContractFormScreen .pick-label { color: $text-muted; height: 1; }
    ContractFormScreen SelectionList { height: auto; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, ctx: AppContext, contract_id: int | None = None, *, client_id: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.contract_id = contract_id
        self.client_id = client_id
        self.version: int | None = None

    def compose(self) -> ComposeResult:
        next_month = format_month(add_months(self.ctx.today(), 1))
        with Vertical():
            yield Label("Edit contract" if self.contract_id else "New contract", id="form-title")
            with Vertical(id="conflict"):
                yield Static("", id="conflict-text")
                with Horizontal():
                    yield Button("Reload (discard my edits)", id="reload", variant="warning")
            with VerticalScroll():
                if self.contract_id is None and self.client_id is None:
                    yield FormField("Client code", "client", placeholder="C0001")
                else:
                    yield Label("", id="client-name")
                yield FormField("Plan", "plan", value="concierge_seats", choices=[(v, k) for k, v in PLAN_LABELS.items()])
                yield FormField("Start month", "start_month", value=next_month,
                                hint="YYYY-MM; service starts on the 1st (a mid-month start is billed in full)")
                yield FormField("Minimum months", "minimum_months", value="3", hint="No cancellation before this")
                yield FormField("Notice months", "notice_months", value="1", hint="Notice before a month end")
                yield Label("Service hours beyond weekdays 9:00-18:00 (space to tick)", classes="pick-label")
                yield SelectionList[str](*[(HOUR_LABELS[h], h) for h in SERVICE_HOURS], id="service-hours", compact=True)
                yield FormField("Fee limit per incident (¥)", "fee_limit", hint="Empty: capped at the consulting fee")
                yield FormField("Dedicated concierge required", "dedicated_required", value="no", choices=[("yes", "yes"), ("no", "no")])
                yield FormField("Seat plan variant", "variant", value="per_cluster", choices=_choices(VARIANTS))
                yield FormField("Unit rounding", "rounding", value="half", choices=_choices(ROUNDINGS))
                yield FormField("Incident billing", "billing", value="annual", choices=_choices(INCIDENT_BILLING))
                yield FormField("Scope", "scope", value="normal", choices=_choices(INCIDENT_SCOPES))
                yield FormField("Max incidents a month", "max_incidents", hint="Required for monthly billing")
                yield FormField("Personal support for", "personal_support")
                yield FormField("Approver", "approver")
                yield FormField("Tariff", "tariff_ref", value="default")
            with Horizontal(id="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Save (Ctrl+S)", id="save", variant="primary")

    def on_mount(self) -> None:
        self._load()
        self._show_plan_fields()
        self.query(FormField).first().control.focus()

    def _load(self) -> None:
        try:
            with self.ctx.db.sessions() as session:
                values: dict[str, str] = {}
                if self.contract_id is not None:
                    contract = session.get(Contract, self.contract_id)
                    if contract is None:
                        raise NotFoundError(f"contract {self.contract_id} no longer exists")
                    values, self.version, self.client_id = contract_form_values(contract), contract.version, contract.client_id
                client = client_choice(session, self.client_id) if self.client_id is not None else None
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Cannot open contract")
            self.dismiss(None)
            return
        if client is not None:
            self.query_one("#client-name", Label).update(f"Client: {client.code} {client.name}")
        for f in self.query(FormField):
            if f.field_name in values:
                f.value = values[f.field_name]
        if "service_hours" in values:
            hours = self.query_one("#service-hours", SelectionList)
            hours.deselect_all()
            for word in values["service_hours"].split():
                hours.select(word)

    @on(Select.Changed, "#input-plan")
    def plan_changed(self) -> None:
        self._show_plan_fields()

    def _show_plan_fields(self) -> None:
        seats = self.query_one("#field-plan", FormField).value != "support_incidents"
        for name in SEAT_FIELDS:
            self.query_one(f"#field-{name}").set_class(not seats, "-hidden")
        for name in INCIDENT_FIELDS:
            self.query_one(f"#field-{name}").set_class(seats, "-hidden")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = {**form_values(self), "service_hours": " ".join(self.query_one("#service-hours", SelectionList).selected)}
        try:
            with self.ctx.db.transaction() as session:
                contract = save_contract(
                    session, values, contract_id=self.contract_id, client_id=self.client_id, expected_version=self.version
                )
                session.flush()
                saved_id = contract.id
        except ValidationError as exc:
            if not show_error(self, exc):
                self.notify(str(exc), severity="error", title="Not saved")
            return
        except ConflictError as exc:
            self._show_conflict(str(exc))
            return
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Not saved")
            return
        clear_errors(self)
        self.notify("Contract saved.")
        self.dismiss(saved_id)

    def _show_conflict(self, message: str) -> None:
        self.query_one("#conflict-text", Static).update(message[:1].upper() + message[1:])
        self.query_one("#conflict").add_class("-shown")
        self.query_one("#reload", Button).focus()

    @on(Button.Pressed, "#reload")
    def reload_theirs(self) -> None:
        self.query_one("#conflict").remove_class("-shown")
        clear_errors(self)
        self._load()
        self._show_plan_fields()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
