"""The quote's offices: rows typed, added and removed, or filled from a client picked by name or code."""

from __future__ import annotations

from textual import on, work
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from data.concierges import find_clients
from data.errors import DataError
from data.quote_form import ClientQuoteForm, client_quote_form
from tui.screens.quote_base import OFFICE_FIELDS, QuoteBase
from tui.text import clean, plain


class QuoteOffices(QuoteBase):
    """The office rows and the client they come from."""

    # ---- office rows -----------------------------------------------------------------------------
    def _add_row(self, values: dict[str, str] | None = None) -> int:
        number = self._rows
        self._rows += 1
        values = values or {}
        placeholders = {"name": "name", "place": "address or lat, lon", "pcs": "PCs", "servers": "srv"}
        inputs = {
            f: Input(clean(values.get(f, "")), placeholder=placeholders[f], id=f"o{number}-{f}", classes=f"o-{f}", compact=True)
            for f in OFFICE_FIELDS
        }
        self._office_inputs[number] = inputs
        self.query_one("#offices", Vertical).mount(Horizontal(*inputs.values(), classes="office-row", id=f"office-{number}"))
        return number

    def action_add_office(self) -> None:
        number = self._add_row()
        self.call_after_refresh(self._office_inputs[number]["name"].focus)

    @on(Button.Pressed, "#add-office")
    def add_office_pressed(self) -> None:
        self.action_add_office()

    @on(Button.Pressed, "#remove-office")
    def remove_last_office(self) -> None:
        numbers = self._row_numbers()
        if len(numbers) <= 1:
            self.notify("A quote needs at least one office.")
            return
        self.query_one(f"#office-{numbers[-1]}").remove()
        del self._office_inputs[numbers[-1]]
        self.extras.pop(numbers[-1], None)
        self._schedule()

    def _fill(self, form: ClientQuoteForm) -> None:
        self._filling = True
        self.client_id = form.client_id
        self.client_title = form.title
        self.query_one("#title", Label).update(plain(f"Quote — {form.title}"))
        self.query_one("#offices", Vertical).remove_children()
        self._office_inputs.clear()
        self.extras.clear()
        self.places.known.update(form.places)
        for values, extra in zip(form.rows, form.extras, strict=True):
            self.extras[self._add_row(values)] = extra
        for name, value in form.options.items():
            try:
                control = self.query_one(f"#opt-{name}")
            except NoMatches:
                continue
            if isinstance(control, Select | Input):
                control.value = value
        self._filling = False

    # ---- client ----------------------------------------------------------------------------------
    def action_find_client(self) -> None:
        self.query_one("#client-search", Input).focus()

    @on(Input.Changed, "#client-search")
    def client_search_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value.strip():
            self.search_clients(event.value)
        else:
            self.query_one("#client-results").remove_class("-shown")

    @work(thread=True, exclusive=True, exit_on_error=False, group="client-search")
    def search_clients(self, text: str) -> None:
        worker = get_current_worker()
        with self.ctx.db.sessions() as session:
            choices = find_clients(session, text, limit=8)
        if not worker.is_cancelled:
            self.post_message(self.ClientsFound(choices))

    @on(QuoteBase.ClientsFound)
    def show_clients(self, message: QuoteBase.ClientsFound) -> None:
        results = self.query_one("#client-results", OptionList)
        results.clear_options()
        results.add_options([Option(plain(f"{c.code} {c.name}"), id=str(c.id)) for c in message.choices] or
                            [Option("No client matches", id="none", disabled=True)])
        results.add_class("-shown")

    @on(Input.Submitted, "#client-search")
    def pick_first_client(self) -> None:
        results = self.query_one("#client-results", OptionList)
        if results.option_count and results.get_option_at_index(0).id not in (None, "none"):
            self._pick(int(str(results.get_option_at_index(0).id)))

    @on(OptionList.OptionSelected, "#client-results")
    def client_picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id not in (None, "none"):
            self._pick(int(str(event.option.id)))

    def _pick(self, client_id: int) -> None:
        self.query_one("#client-results").remove_class("-shown")
        self.query_one("#client-search", Input).value = ""
        self.load_client(client_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="client-load")
    def load_client(self, client_id: int) -> None:
        if self.tariff is None:
            return
        try:
            with self.ctx.db.sessions() as session:
                form = client_quote_form(session, client_id, tariff=self.tariff, today=self.ctx.today())
        except DataError as exc:
            self.post_message(self.ClientLoaded(None, str(exc)))
            return
        self.post_message(self.ClientLoaded(form))

    @on(QuoteBase.ClientLoaded)
    def client_loaded(self, message: QuoteBase.ClientLoaded) -> None:
        if message.form is None:
            self._fee_error(f"Cannot start from that client: {message.error}")
            if not self._row_numbers():
                self._add_row()
            return
        self._fill(message.form)
        self._recalculate()
