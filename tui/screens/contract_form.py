"""The add/edit form of a contract: plan, start month, service hours, limits and plan options."""

from __future__ import annotations

from sqlalchemy.orm import Session
from textual import on
from textual.app import ComposeResult
from textual.widgets import Label, Select, SelectionList

from data.concierges import ClientChoice, client_choice
from data.contracts import (
    INCIDENT_BILLING,
    INCIDENT_SCOPES,
    PLAN_LABELS,
    ROUNDING_WORDS,
    ROUNDINGS,
    SCOPE_WORDS,
    SERVICE_HOURS,
    VARIANT_WORDS,
    VARIANTS,
    add_months,
    contract_form_values,
    format_month,
    save_contract,
)
from data.errors import NotFoundError
from data.models import Contract
from tui.context import AppContext
from tui.screens.modal_form import ModalFormScreen
from tui.text import plain
from tui.widgets.form import FormField

SEAT_FIELDS = ("variant", "rounding")
HOUR_LABELS = {"evening": "Evenings (weekdays after 18:00)", "saturday": "Saturdays", "sunday_holiday": "Sundays and holidays"}
INCIDENT_FIELDS = ("billing", "scope", "max_incidents", "personal_support", "approver")


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    words = {**VARIANT_WORDS, **ROUNDING_WORDS, **SCOPE_WORDS}
    return [(words.get(v, v.replace("_", " ")), v) for v in values]


class ContractFormScreen(ModalFormScreen):
    """Dismisses with the saved contract's id, or None when cancelled."""

    DEFAULT_CSS = """
    ContractFormScreen .-hidden { display: none; }
    """

    what = "contract"
    pick_lists = (("#service-hours", "service_hours"),)

    def __init__(self, ctx: AppContext, contract_id: int | None = None, *, client_id: int | None = None) -> None:
        super().__init__(ctx, contract_id)
        self.client_id = client_id
        self.client: ClientChoice | None = None

    def form_fields(self) -> ComposeResult:
        next_month = format_month(add_months(self.ctx.today(), 1))
        if self.record_id is None and self.client_id is None:
            yield FormField("Client code", "client", placeholder="C0001")
        else:
            yield Label("", id="client-name")
        yield FormField("Plan", "plan", value="concierge_seats", choices=[(v, k) for k, v in PLAN_LABELS.items()])
        yield FormField(
            "Start month", "start_month", value=next_month, hint="YYYY-MM; service starts on the 1st (a mid-month start is billed in full)"
        )
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

    def on_mount(self) -> None:
        self.load()
        self.query(FormField).first().control.focus()

    def read(self, session: Session) -> dict[str, str]:
        values: dict[str, str] = {}
        if self.record_id is not None:
            contract = session.get(Contract, self.record_id)
            if contract is None:
                raise NotFoundError(f"contract {self.record_id} no longer exists")
            values, self.version, self.client_id = contract_form_values(contract), contract.version, contract.client_id
        self.client = client_choice(session, self.client_id) if self.client_id is not None else None
        return values

    def show_values(self, values: dict[str, str]) -> None:
        if self.client is not None:
            self.query_one("#client-name", Label).update(plain(f"Client: {self.client.code} {self.client.name}"))
        super().show_values(values)

    def load(self) -> None:
        super().load()
        self._show_plan_fields()

    @on(Select.Changed, "#input-plan")
    def plan_changed(self) -> None:
        self._show_plan_fields()

    def _show_plan_fields(self) -> None:
        seats = self.query_one("#field-plan", FormField).value != "support_incidents"
        for name in SEAT_FIELDS:
            self.query_one(f"#field-{name}").set_class(not seats, "-hidden")
        for name in INCIDENT_FIELDS:
            self.query_one(f"#field-{name}").set_class(seats, "-hidden")

    def write(self, session: Session, values: dict[str, str]) -> int:
        contract = save_contract(session, values, contract_id=self.record_id, client_id=self.client_id, expected_version=self.version)
        session.flush()
        return contract.id
