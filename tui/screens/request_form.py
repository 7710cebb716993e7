"""New visit request (intake): client search as you type → office, category, routine, urgency, deadline
(defaulted by urgency), minutes, skills, description; the client's dedicated concierge and contract
priority are shown. Nothing is written until Save; the dialog returns `(request id, urgency)`."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from data.errors import DataError
from data.models import CATEGORIES, URGENCIES
from data.planning import ClientChoice, RequestForm, default_deadline, save_request, search_clients
from tui.context import AppContext
from tui.keyguard import GuardedScreen
from tui.text import counted, plain

DEADLINE_FORMAT = "%Y-%m-%d %H:%M"


class RequestFormScreen(GuardedScreen, ModalScreen[tuple[int, str] | None]):
    """The intake form as a dialog."""

    DEFAULT_CSS = """
    RequestFormScreen { align: center middle; }
    RequestFormScreen > VerticalScroll { width: 90; height: 90%; border: thick $primary; background: $surface; padding: 0 2; }
    RequestFormScreen OptionList { height: 6; }
    RequestFormScreen Label.error { color: $error; }
    RequestFormScreen #client-info { color: $accent; }
    RequestFormScreen #billed-note { color: $warning; }
    RequestFormScreen Horizontal { height: auto; }
    RequestFormScreen Horizontal > * { width: 1fr; }
    """
    BINDINGS = [("escape", "dismiss(None)", "Cancel"), ("ctrl+s", "save", "Save")]

    class ClientsFound(Message):
        def __init__(self, text: str, choices: list[ClientChoice]) -> None:
            super().__init__()
            self.text = text
            self.choices = choices

    def __init__(self, ctx: AppContext, client_id: int | None = None) -> None:
        super().__init__()
        self.preselect = client_id
        """A client to start with (e.g. opened from the client's page)."""
        self.ctx = ctx
        self.database = ctx.db
        self.clock = ctx.clock
        self.choices: dict[int, ClientChoice] = {}
        self.client: ClientChoice | None = None
        self.deadline_edited = False

    LABELS = {"client-search": "Client", "deadline": "Deadline (YYYY-MM-DD HH:MM)", "minutes": "Minutes on site",
              "skills": "Skills needed", "description": "What the client needs"}
    """Every box is labelled on its border, also once it holds a value (the placeholder is gone by then)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("New visit request", classes="title")
            yield Input(placeholder="client: type part of the name, kana or code", id="client-search")
            yield OptionList(id="client-results")
            yield Label("", id="client-info")
            yield Select([], prompt="office", id="office")
            with Horizontal():
                yield Select([(c, c) for c in CATEGORIES], value="trouble", allow_blank=False, id="category")
                yield Select([(u, u) for u in URGENCIES], value="normal", allow_blank=False, id="urgency")
            yield Checkbox("Routine (日常, covered by the plan)", value=True, id="routine")
            yield Label("", id="billed-note")
            with Horizontal():
                yield Input(placeholder="deadline YYYY-MM-DD HH:MM", id="deadline")
                yield Input(value="60", placeholder="minutes", id="minutes")
            yield Input(placeholder="skills, space separated (network server printer english …)", id="skills")
            yield Input(placeholder="what the client needs", id="description")
            yield Label("", id="form-error", classes="error")
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        for box_id, label in self.LABELS.items():
            self.query_one(f"#{box_id}", Input).border_title = label
        self._default_deadline()
        self.search("", self.preselect)
        self.query_one("#client-search", Input).focus()

    # search as you type, off the UI thread
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

    @on(Select.Changed, "#urgency")
    def urgency_changed(self) -> None:
        if not self.deadline_edited:
            self._default_deadline()

    @on(Input.Changed, "#deadline")
    def deadline_typed(self, event: Input.Changed) -> None:
        self.deadline_edited = event.value != getattr(self, "_shown_deadline", event.value)

    @on(Checkbox.Changed, "#routine")
    def routine_changed(self, event: Checkbox.Changed) -> None:
        note = "" if event.value else "Non-routine (非日常): billed separately from the plan"
        self.query_one("#billed-note", Label).update(note)

    def _default_deadline(self) -> None:
        urgency = self.query_one("#urgency", Select).value
        deadline = default_deadline(str(urgency), self.clock())
        self._shown_deadline = deadline.strftime(DEADLINE_FORMAT)
        self.query_one("#deadline", Input).value = self._shown_deadline

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        try:
            form = self._form()
            with self.database.transaction() as session:
                request = save_request(session, form, self.clock())
                saved = (request.id, request.urgency)
        except DataError as exc:
            error.update(plain(exc))
            return
        self.dismiss(saved)

    def _form(self) -> RequestForm:
        from data.errors import ValidationError

        if self.client is None:
            raise ValidationError("client: type part of the name and pick the client", field="client")
        office = self.query_one("#office", Select).value
        if not isinstance(office, int):
            raise ValidationError("office: pick an office", field="office")
        text = self.query_one("#minutes", Input).value.strip()
        if not text.isdigit() or len(text) > 4:
            raise ValidationError("minutes: a whole number of minutes from 5 to 480, e.g. 60", field="minutes")
        deadline_text = self.query_one("#deadline", Input).value.strip()
        try:
            deadline = dt.datetime.strptime(deadline_text, DEADLINE_FORMAT) if deadline_text else None
        except ValueError:
            raise ValidationError("deadline: write it as YYYY-MM-DD HH:MM", field="deadline") from None
        return RequestForm(
            client_id=self.client.id,
            office_id=office,
            category=str(self.query_one("#category", Select).value),
            routine=self.query_one("#routine", Checkbox).value,
            urgency=str(self.query_one("#urgency", Select).value),
            deadline=deadline,
            minutes=int(text),
            skills=tuple(self.query_one("#skills", Input).value.split()),
            description=self.query_one("#description", Input).value,
        )
