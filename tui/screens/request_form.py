"""New visit request (intake): client search as you type → office, category, urgency, routine, deadline
(defaulted by urgency), minutes, the client's time window, skills, what the client needs — every field
labelled — and the best slots for it as it is typed (`tui.widgets.offer_panel`).

Save (Ctrl+S) checks the whole form and shows every problem at once. Enter on a slot (or "Save + pin
slot") saves the request pinned to that concierge and start. Nothing is written before; the dialog returns
an `IntakeResult` (the new request, and the chosen slot for the board to put into its proposal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from data.errors import DataError, ValidationError
from data.models import CATEGORIES, URGENCIES
from data.planning import ClientChoice, RequestForm, add_business_days, default_deadline, search_clients
from data.planning.form import DEADLINE_FORMAT, parse_intake, request_errors
from data.planning.offers import ChosenOffer, save_with_offer
from dispatch.plan import Plan
from tui.context import AppContext
from tui.keyguard import GuardedScreen
from tui.text import counted, plain
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.offer_panel import OfferPanel

#: Days the form offers slots on: today and the next business days.
OFFER_BUSINESS_DAYS = 5
#: Form field → the control that shows its problem.
CONTROLS = {
    "client": "#client-search", "office": "#office", "category": "#category", "urgency": "#urgency",
    "deadline": "#deadline", "minutes": "#minutes", "window_start": "#window-start", "window_end": "#window-end",
    "skills": "#skills", "description": "#description",
}


@dataclass(frozen=True)
class IntakeResult:
    """What the intake dialog returns: the saved request, and the slot it was pinned to (None: no slot)."""

    request_id: int
    urgency: str
    offer: ChosenOffer | None = None


def offer_days(today: dt.date) -> list[tuple[str, dt.date]]:
    """(label, date) of today and the next OFFER_BUSINESS_DAYS business days."""
    days = [today] + [add_business_days(dt.datetime.combine(today, dt.time()), n).date() for n in range(1, OFFER_BUSINESS_DAYS + 1)]
    names = {0: " (today)", 1: " (tomorrow)"}
    return [(f"{d:%a %d %b}{names.get((d - today).days, '')}", d) for d in days]


class RequestFormScreen(GuardedScreen, ModalScreen[IntakeResult | None]):
    """The intake form as a dialog."""

    DEFAULT_CSS = """
    RequestFormScreen { align: center middle; }
    RequestFormScreen > Vertical { width: 100%; max-width: 110; height: 100%; max-height: 40; border: round $primary;
                                   background: $surface; padding: 0 1; }
    RequestFormScreen #form-title { text-style: bold; height: 1; }
    RequestFormScreen VerticalScroll { height: 1fr; }
    RequestFormScreen .row { height: 1; }
    RequestFormScreen .field-label { width: 9; color: $text-muted; }
    RequestFormScreen .inner-label { width: auto; color: $text-muted; padding: 0 1 0 2; }
    RequestFormScreen #client-results { height: auto; max-height: 4; margin-left: 9; }
    RequestFormScreen #client-info { color: $accent; margin-left: 9; height: auto; }
    RequestFormScreen #billed-note { color: $warning; margin-left: 9; height: auto; }
    RequestFormScreen #category, RequestFormScreen #urgency { width: 16; }
    RequestFormScreen #routine { width: auto; margin-left: 2; }
    RequestFormScreen #deadline { width: 18; }
    RequestFormScreen #minutes { width: 5; }
    RequestFormScreen #window-start, RequestFormScreen #window-end { width: 7; }
    RequestFormScreen .-invalid { background: $error 35%; }
    RequestFormScreen #form-error { color: $error; height: auto; max-height: 6; }
    RequestFormScreen #buttons { height: 1; align-horizontal: right; }
    RequestFormScreen #buttons Button { margin-left: 2; }
    """
    BINDINGS = [("escape", "cancel", "Cancel"), ("ctrl+s", "save", "Save")]

    class ClientsFound(Message):
        def __init__(self, text: str, choices: list[ClientChoice]) -> None:
            super().__init__()
            self.text = text
            self.choices = choices

    def __init__(
        self, ctx: AppContext, client_id: int | None = None, *, day: dt.date | None = None, proposal: tuple[dt.date, Plan] | None = None
    ) -> None:
        super().__init__()
        self.preselect = client_id
        """A client to start with (e.g. opened from the client's page)."""
        self.ctx = ctx
        self.database = ctx.db
        self.clock = ctx.clock
        self.choices: dict[int, ClientChoice] = {}
        self.client: ClientChoice | None = None
        self.deadline_edited = False
        self._shown_deadline = ""
        today = ctx.today()
        self.days = offer_days(today)
        self.offer_day = day if day is not None and day in {d for _, d in self.days} else today
        self.proposal = proposal

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New visit request", id="form-title")
            with VerticalScroll():
                with Horizontal(classes="row"):
                    yield Label("Client", classes="field-label")
                    yield Input(placeholder="type part of the name, kana or code", id="client-search", compact=True)
                yield OptionList(id="client-results", compact=True)
                yield Label("", id="client-info")
                with Horizontal(classes="row"):
                    yield Label("Office", classes="field-label")
                    yield Select([], prompt="pick the client first", id="office", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Category", classes="field-label")
                    yield Select([(c, c) for c in CATEGORIES], value="trouble", allow_blank=False, id="category", compact=True)
                    yield Label("Urgency", classes="inner-label")
                    yield Select([(u, u) for u in URGENCIES], value="normal", allow_blank=False, id="urgency", compact=True)
                    yield Checkbox("Routine (日常)", value=True, id="routine", compact=True)
                yield Label("", id="billed-note")
                with Horizontal(classes="row"):
                    yield Label("Deadline", classes="field-label")
                    yield Input(placeholder="YYYY-MM-DD HH:MM", id="deadline", compact=True)
                    yield Label("Minutes", classes="inner-label")
                    yield Input(value="60", placeholder="60", id="minutes", compact=True)
                    yield Label("Window", classes="inner-label")
                    yield Input(placeholder="from", id="window-start", compact=True)
                    yield Label("–")
                    yield Input(placeholder="to", id="window-end", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Skills", classes="field-label")
                    yield Input(placeholder="space separated: network server printer mac english …", id="skills", compact=True)
                with Horizontal(classes="row"):
                    yield Label("Needs", classes="field-label")
                    yield Input(placeholder="what the client needs (shown to the concierge)", id="description", compact=True)
                yield OfferPanel(self.ctx, self.days, self.offer_day, self.proposal)
            yield Static("", id="form-error")
            with Horizontal(id="buttons"):
                yield Button("Save  Ctrl+S", variant="primary", id="save", compact=True)
                yield Button("Save + pin slot", id="save-pin", compact=True)
                yield Button("Cancel  Esc", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._default_deadline()
        self.search("", self.preselect)
        self.query_one("#client-search", Input).focus()

    # ---- the client: search as you type, off the UI thread -------------------------------------
    @on(Input.Changed, "#client-search")
    def client_typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="client-search")
    def search(self, text: str, client_id: int | None = None) -> None:
        with self.database.sessions() as session:
            found = search_clients(session, text, client_id=client_id)
        self.post_message(self.ClientsFound(text, found))

    def on_request_form_screen_clients_found(self, message: ClientsFound) -> None:
        if message.text != self.query_one("#client-search", Input).value:
            return  # an older search answered late
        results = self.query_one("#client-results", OptionList)
        results.clear_options()
        self.choices = {c.id: c for c in message.choices}
        results.add_options([Option(plain(f"{c.name}  ({c.code}, {counted(len(c.offices), 'office')})"), id=str(c.id)) for c in message.choices])
        if self.preselect is not None and self.preselect in self.choices:
            self._pick(self.choices[self.preselect])
            self.preselect = None
        elif len(message.choices) == 1 and message.text:
            self._pick(message.choices[0])
        elif self.client is not None and self.client.id not in self.choices:
            self._unpick()

    @on(OptionList.OptionSelected, "#client-results")
    def client_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._pick(self.choices[int(event.option.id)])

    def _unpick(self) -> None:
        self.client = None
        self.query_one("#office", Select).set_options([])
        self.query_one("#client-info", Label).update("")
        self.offers_soon()

    def _pick(self, choice: ClientChoice) -> None:
        self.client = choice
        office = self.query_one("#office", Select)
        office.set_options([(plain(f"{name} — {address}"), oid) for oid, name, address in choice.offices])
        if choice.offices:
            office.value = choice.offices[0][0]
        dedicated = choice.dedicated or "none"
        if choice.dedicated and choice.dedicated_required:
            dedicated += " (required by the contract)"
        self.query_one("#client-info", Label).update(plain(f"{choice.name}: dedicated concierge {dedicated} · priority {choice.priority_label}"))
        self.offers_soon()

    # ---- fields that change the offers ---------------------------------------------------------
    @on(Select.Changed, "#urgency")
    def urgency_changed(self) -> None:
        if not self.deadline_edited:
            self._default_deadline()
        self.offers_soon()

    @on(Input.Changed, "#deadline")
    def deadline_typed(self, event: Input.Changed) -> None:
        self.deadline_edited = event.value != self._shown_deadline
        self.offers_soon()

    @on(Select.Changed, "#office")
    @on(Input.Changed, "#minutes, #window-start, #window-end, #skills")
    def offer_field_changed(self) -> None:
        self.offers_soon()

    @on(Checkbox.Changed, "#routine")
    def routine_changed(self, event: Checkbox.Changed) -> None:
        note = "" if event.value else "Non-routine (非日常): billed separately from the plan"
        self.query_one("#billed-note", Label).update(note)

    def _default_deadline(self) -> None:
        urgency = self.query_one("#urgency", Select).value
        deadline = default_deadline(str(urgency), self.clock())
        self._shown_deadline = deadline.strftime(DEADLINE_FORMAT)
        self.query_one("#deadline", Input).value = self._shown_deadline

    def offers_soon(self) -> None:
        """Ask the slot panel for offers on what is typed now (it waits for a pause in typing)."""
        form, _ = self._read()
        self.query_one(OfferPanel).show_for(form)

    # ---- saving ----------------------------------------------------------------------------------
    def _values(self) -> dict[str, str]:
        values = {name: str(self.query_one(selector, Input).value) for name, selector in CONTROLS.items()
                  if name not in ("client", "office", "category", "urgency")}
        for name in ("office", "category", "urgency"):
            value = self.query_one(CONTROLS[name], Select).value
            values[name] = "" if value is Select.NULL else str(value)
        return values

    def _read(self) -> tuple[RequestForm | None, list[ValidationError]]:
        return parse_intake(self._values(), client_id=self.client.id if self.client else None,
                            routine=self.query_one("#routine", Checkbox).value)

    def show_errors(self, errors: list[ValidationError]) -> None:
        """Every problem at once: listed above the buttons, each field marked; the first one focused."""
        for selector in CONTROLS.values():
            self.query_one(selector).remove_class("-invalid")
        lines = []
        for e in errors:
            lines.append(str(e))
            if e.field in CONTROLS:
                self.query_one(CONTROLS[e.field]).add_class("-invalid")
        self.query_one("#form-error", Static).update(plain("\n".join(lines), multiline=True))
        first = next((e.field for e in errors if e.field in CONTROLS), None)
        if first is not None:
            control: Widget = self.query_one(CONTROLS[first])
            control.focus()

    def typed_anything(self) -> bool:
        """Has the dispatcher written anything a cancel would throw away (a client, minutes, window, skills, needs)?"""
        texts = {"#client-search": "", "#minutes": "60", "#window-start": "", "#window-end": "", "#skills": "", "#description": ""}
        if any(self.query_one(k, Input).value.strip() != v for k, v in texts.items()):
            return True
        return self.deadline_edited

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close the form; when something was typed, ask first (keeping the form is the focused answer)."""
        if not self.typed_anything():
            self.dismiss(None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Throw away this request? What you typed is not saved.", yes="Throw away",
                                           no="Keep editing"), answer)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        self._save(None)

    @on(Button.Pressed, "#save-pin")
    def save_pinned(self) -> None:
        slot = self.query_one(OfferPanel).highlighted
        if slot is None:
            self.notify("No slot to pin yet: wait for the slots under the form, or save without one (Ctrl+S).", severity="warning")
            return
        self._save(slot.chosen)

    @on(OfferPanel.Chosen)
    def slot_chosen(self, message: OfferPanel.Chosen) -> None:
        form, _ = self._read()
        if form != message.form:
            self.notify("The slots are being updated for your last change; choose again in a moment.", severity="warning")
            return
        self._save(message.slot.chosen)

    def _save(self, chosen: ChosenOffer | None) -> None:
        now = self.clock()
        form, errors = self._read()
        try:
            if form is not None:
                with self.database.sessions() as session:
                    errors += request_errors(session, form, now)
            if form is None or errors:
                self.show_errors(errors)
                return
            with self.database.transaction() as session:
                request = save_with_offer(session, form, now, chosen)
                saved = IntakeResult(request.id, request.urgency, chosen)
        except ValidationError as exc:
            self.show_errors([exc])
            return
        except DataError as exc:
            self.query_one("#form-error", Static).update(plain(str(exc)))
            return
        self.dismiss(saved)
