"""The admin's quote: offices typed, picked or loaded from a client; the breakdown follows the typing.

The form text goes to `data.quote_form.quote_from_form` (validation and the pricing call) in a thread
worker, 0.3 s after the last keystroke; the screen only shows the result or the field at fault.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from data.concierges import ClientChoice, find_clients
from data.errors import DataError, ValidationError
from data.quote_form import (
    ClientQuoteForm,
    OfficeExtras,
    Places,
    client_quote_form,
    quote_from_form,
    summary_line,
)
from data.quotes import save_quote
from data.records import default_geocoder
from pricing.errors import PricingError
from pricing.money import format_yen
from pricing.quote import Quote
from pricing.tariff import Tariff, load_tariff
from tui.context import AppContext
from tui.screens.quote_export import QuoteExportDialog
from tui.text import clean, counted, file_part, plain, styled

DEBOUNCE = 0.3
OFFICE_FIELDS = ("name", "place", "pcs", "servers")
YES_NO = [("no", "no"), ("yes", "yes")]
OPTION_FIELDS: tuple[tuple[str, str, list[tuple[str, str]] | None, str], ...] = (
    ("rounding", "Unit rounding", [("half units", "half"), ("whole after 10s", "whole_after")], "half"),
    ("service_hours", "Extra hours", None, ""),
    ("visits_per_month", "Visits/month", None, ""),
    ("response_hours", "Response (h)", None, "24"),
    ("team_size", "Team size", None, "1"),
    ("visiting", "Visiting", [("on site", "on_site"), ("trouble only", "trouble_only"), ("remote only", "remote_only")], "on_site"),
    ("first_line_support", "Own 1st line", YES_NO, "no"),
    ("low_it_literacy", "Low IT literacy", YES_NO, "no"),
    ("start", "Start month", None, ""),
)
HINTS = {"service_hours": "e.g. evening saturday sunday_holiday", "visits_per_month": "empty: estimated", "start": "YYYY-MM (contract terms)"}


class QuoteScreen(Screen[None]):
    """A monthly quote for offices typed here or for an existing client (`client_id`)."""

    DEFAULT_CSS = """
    QuoteScreen { layout: vertical; }
    QuoteScreen #title { height: 1; background: $primary; color: $text; padding: 0 1; width: 1fr; }
    QuoteScreen #fee { height: auto; padding: 0 1; text-style: bold; color: $success; }
    QuoteScreen #fee.-error { color: $error; }
    QuoteScreen #body { height: 1fr; }
    QuoteScreen #inputs { width: 1fr; min-width: 38; padding: 0 1 0 0; }
    QuoteScreen #breakdown { width: 1fr; min-width: 38; border-left: solid $primary; padding: 0 0 0 1; }
    QuoteScreen .section { text-style: bold; margin-top: 1; height: 1; }
    QuoteScreen #client-results { height: auto; max-height: 6; display: none; }
    QuoteScreen #client-results.-shown { display: block; }
    QuoteScreen .office-row, QuoteScreen .option-row { height: 1; }
    QuoteScreen .office-row Input { margin-right: 1; }
    QuoteScreen .o-name { width: 1fr; }
    QuoteScreen .o-place { width: 2fr; }
    QuoteScreen .o-pcs { width: 6; }
    QuoteScreen .o-servers { width: 5; }
    QuoteScreen .option-row Label { width: 16; }
    QuoteScreen .option-row Input, QuoteScreen .option-row Select { width: 1fr; }
    QuoteScreen Input.-invalid { background: $error 40%; }
    QuoteScreen .error { color: $error; height: auto; }
    QuoteScreen #office-buttons { height: 1; }
    QuoteScreen #office-buttons Button { margin-right: 1; }
    QuoteScreen #offices { height: auto; }
    QuoteScreen #lines { height: auto; margin-top: 1; }
    QuoteScreen #clusters, QuoteScreen #totals, QuoteScreen #warnings { height: auto; }
    QuoteScreen #warnings { color: $warning; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save quote"),
        Binding("ctrl+e", "export", "Export"),
        Binding("ctrl+o", "add_office", "Add office"),
        Binding("ctrl+l", "find_client", "From client"),
        Binding("ctrl+r", "saved_quotes", "Saved quotes"),
    ]

    class Computed(Message):
        """The worker priced the form (quote) or found a bad field (error)."""

        def __init__(self, serial: int, quote: Quote | None, error: ValidationError | None) -> None:
            super().__init__()
            self.serial = serial
            self.quote = quote
            self.error = error

    class ClientsFound(Message):
        def __init__(self, choices: list[ClientChoice]) -> None:
            super().__init__()
            self.choices = choices

    class ClientLoaded(Message):
        def __init__(self, form: ClientQuoteForm | None, error: str | None = None) -> None:
            super().__init__()
            self.form = form
            self.error = error

    def __init__(self, ctx: AppContext, client_id: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.client_id = client_id
        self.client_title = ""
        self.quote: Quote | None = None
        self.tariff: Tariff | None = None
        self.places = Places(geocoder=default_geocoder())
        self.extras: dict[int, OfficeExtras] = {}
        """Row number → seats on record that the typed fields do not show (old devices, other OS)."""
        self._rows = 0
        self._office_inputs: dict[int, dict[str, Input]] = {}
        """Row number → its inputs by field, in row order (rows are mounted later than they are added)."""
        self._serial = 0
        self._shown_serial = 0
        self._priced_form = ""
        """The form text last sent to pricing (unchanged text is not priced again)."""
        self._timer: Timer | None = None
        self._filling = False

    # ---- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Label("Quote", id="title")
        yield Static("Type the offices and their PCs; the fee appears here.", id="fee")
        with Horizontal(id="body"):
            with VerticalScroll(id="inputs"):
                yield Input(placeholder="From client: type a name or code (Ctrl+L)", id="client-search", compact=True)
                yield OptionList(id="client-results", compact=True)
                yield Label("Offices: name · address or lat,lon · PCs · servers", classes="section")
                yield Vertical(id="offices")
                yield Static("", id="offices-error", classes="error")
                with Horizontal(id="office-buttons"):
                    yield Button("+ office", id="add-office", compact=True)
                    yield Button("- last", id="remove-office", compact=True)
                yield Label("Options", classes="section")
                for name, label, choices, default in OPTION_FIELDS:
                    with Horizontal(classes="option-row"):
                        yield Label(label)
                        if choices is None:
                            yield Input(default, placeholder=HINTS.get(name, ""), id=f"opt-{name}", compact=True)
                        else:
                            yield Select(choices, value=default, allow_blank=False, id=f"opt-{name}", compact=True)
                yield Static("", id="options-error", classes="error")
            with VerticalScroll(id="breakdown"):
                yield Static("", id="clusters")
                yield Static("", id="lines")
                yield Static("", id="totals")
                yield Static("", id="warnings")
        yield Footer()

    def on_mount(self) -> None:
        try:
            self.tariff = load_tariff(self.ctx.tariff_path)
        except PricingError as exc:
            self._fee_error(f"The tariff cannot be read: {exc}")
        if self.client_id is not None:
            self.query_one("#fee", Static).update("Loading the client's offices and seats…")
            self.load_client(self.client_id)
        else:
            number = self._add_row()
            self.call_after_refresh(self._office_inputs[number]["name"].focus)

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

    def _row_numbers(self) -> list[int]:
        return list(self._office_inputs)

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

    @on(ClientsFound)
    def show_clients(self, message: ClientsFound) -> None:
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

    @on(ClientLoaded)
    def client_loaded(self, message: ClientLoaded) -> None:
        if message.form is None:
            self._fee_error(f"Cannot start from that client: {message.error}")
            if not self._row_numbers():
                self._add_row()
            return
        self._fill(message.form)
        self._recalculate()

    # ---- pricing as they type --------------------------------------------------------------------
    @on(Input.Changed, "#inputs Input")
    @on(Select.Changed, "#inputs Select")
    def form_changed(self, event: Input.Changed | Select.Changed) -> None:
        if not self._filling and event.control is not None and event.control.id != "client-search":
            self._schedule()

    @property
    def pricing_pending(self) -> bool:
        """True while a keystroke waits for the debounce or its pricing has not been shown yet."""
        return self._timer is not None or self._shown_serial != self._serial

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._recalculate)

    def _form(self) -> tuple[list[dict[str, str]], dict[str, str], list[OfficeExtras | None]]:
        numbers = self._row_numbers()
        rows = [{f: box.value for f, box in self._office_inputs[n].items()} for n in numbers]
        options: dict[str, str] = {}
        for name, *_ in OPTION_FIELDS:
            control = self.query_one(f"#opt-{name}")
            if isinstance(control, Select):
                options[name] = "" if control.is_blank() else str(control.value)
            elif isinstance(control, Input):
                options[name] = control.value
        return rows, options, [self.extras.get(n) for n in numbers]

    def _recalculate(self) -> None:
        self._timer = None
        if self.tariff is None:
            return
        rows, options, extras = self._form()
        form = repr((rows, options, extras))
        if form == self._priced_form:
            return  # e.g. the Changed events of a client's rows just filled in
        self._priced_form = form
        self._serial += 1
        self.price(self._serial, rows, options, extras)

    @work(thread=True, exclusive=True, exit_on_error=False, group="quote")
    def price(self, serial: int, rows: list[dict[str, str]], options: dict[str, str], extras: list[OfficeExtras | None]) -> None:
        assert self.tariff is not None
        try:
            result = quote_from_form(rows, options, self.tariff, self.places, extras)
        except ValidationError as exc:
            self.post_message(self.Computed(serial, None, exc))
            return
        self.post_message(self.Computed(serial, result, None))

    @on(Computed)
    def show_quote(self, message: Computed) -> None:
        if message.serial != self._serial:
            return  # a newer keystroke is being priced
        self._shown_serial = message.serial
        if message.error is not None and message.error.field == "offices":
            self._mark_invalid(None)
            self.quote = None
            fee = self.query_one("#fee", Static)
            fee.remove_class("-error")
            fee.update("Type the offices and their PCs; the fee appears here.")
            return
        problem = self._mark_invalid(message.error)
        if message.error is not None or message.quote is None:
            self.quote = None
            self._fee_error(f"Not priced: {problem}")
            for part in ("#clusters", "#lines", "#totals", "#warnings"):
                self.query_one(part, Static).update("")
            return
        self.quote = q = message.quote
        fee = self.query_one("#fee", Static)
        fee.remove_class("-error")
        fee.update(plain(summary_line(q)))
        clusters = [f" (offices within {q.cluster_km} km share a concierge)"]
        for c in q.clusters:
            units = counted(f"{c.seats.units.normalize():f}", "unit") if c.priced else "not priced"
            clusters.append(f" {c.number}. {_names(c.office_names)}: {c.seats.pcs} PCs, {c.seats.servers} srv → {units}")
        count = f"{len(q.clusters)} cluster{'s' if len(q.clusters) != 1 else ''}"
        self.query_one("#clusters", Static).update(styled((count, "bold"), "\n".join(clusters), multiline=True))
        table = Table(box=None, expand=True, padding=(0, 1, 0, 0), show_edge=False)
        table.add_column("line", ratio=1, overflow="fold")
        table.add_column("qty × unit", justify="right", no_wrap=True)
        table.add_column("net", justify="right", no_wrap=True)
        for line in q.lines:
            table.add_row(plain(line.label), f"{line.quantity.normalize():f} × {format_yen(line.unit_price)}", format_yen(line.net))
        self.query_one("#lines", Static).update(table)
        totals = [f"\nRecommended: {q.recommended.replace('_', ' ')}"]
        for name, plan in q.plans.items():
            if name != q.recommended:
                spot = f" + {format_yen(plan.spot_fee_gross)}/visit" if plan.spot_fee_gross else ""
                totals.append(f"Also: {name.replace('_', ' ')} {format_yen(plan.gross_total)}{spot} "
                              f"(≈{format_yen(plan.expected_gross_total)} at {plan.expected_visits} visits)")
        self.query_one("#totals", Static).update(styled(
            f"Net {format_yen(q.net_total)}   Tax {format_yen(q.tax)}   ", (f"Total {format_yen(q.gross_total)}", "bold"),
            "\n".join(totals), multiline=True,
        ))
        self.query_one("#warnings", Static).update(plain("\n".join(f"⚠ {clean(w)}" for w in q.warnings), multiline=True))

    def _fee_error(self, text: str) -> None:
        fee = self.query_one("#fee", Static)
        fee.add_class("-error")
        fee.update(plain(text))

    def _mark_invalid(self, error: ValidationError | None) -> str:
        """Colour the field at fault and put the message under its block (offices or options); return it."""
        for box in self.query("#inputs Input.-invalid"):
            box.remove_class("-invalid")
        self.query_one("#offices-error", Static).update("")
        self.query_one("#options-error", Static).update("")
        if error is None:
            return ""
        if not error.field:
            return _sentence(str(error))
        message = _sentence(str(error).split(": ", 1)[-1])
        if error.field.startswith("offices"):
            parts = error.field.split(".")
            if len(parts) == 3:
                numbers = self._row_numbers()
                index = int(parts[1])
                if index < len(numbers):
                    culprit = self._office_inputs[numbers[index]].get(parts[2])
                    if culprit is not None:
                        culprit.add_class("-invalid")
                    message = f"Office {index + 1}, {parts[2]}: {message}"
            self.query_one("#offices-error", Static).update(plain(message))
            return message
        for control in self.query(f"#opt-{error.field}"):
            control.add_class("-invalid")
        message = f"{error.field.replace('_', ' ').capitalize()}: {message}"
        self.query_one("#options-error", Static).update(plain(message))
        return message

    # ---- save and export -------------------------------------------------------------------------
    def _current(self) -> Quote | None:
        """The quote of what is typed now (pricing at once if a keystroke is still pending)."""
        if self.tariff is None:
            self.notify("No tariff: the quote cannot be priced.", severity="error")
            return None
        if self._timer is not None or self.quote is None:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self._serial += 1
            rows, options, extras = self._form()
            try:
                result: Quote | None = quote_from_form(rows, options, self.tariff, self.places, extras)
                error = None
            except ValidationError as exc:
                result, error = None, exc
            self.post_message(self.Computed(self._serial, result, error))
            if result is None:
                self.notify(f"Fix the quote first: {_sentence(str(error))}", severity="error")
            return result
        return self.quote

    def action_save(self) -> None:
        q = self._current()
        if q is None:
            return
        try:
            with self.ctx.db.transaction() as session:
                row = save_quote(session, q, self.client_id, now=self.ctx.clock())
                quote_id = row.id
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Quote not saved")
            return
        self.notify(f"Quote #{quote_id} saved: {format_yen(q.gross_total)} a month incl. tax.")

    def action_export(self) -> None:
        q = self._current()
        if q is None:
            return
        title = f"Quote for {self.client_title}" if self.client_title else "Quote"
        stem = f"quote-{file_part(self.client_title.split(' ')[0]) if self.client_title else 'new'}-{self.ctx.today():%Y-%m-%d}"

        def written(path: Any) -> None:
            if path is not None:
                self.notify(f"Quote written to {path}")

        self.app.push_screen(QuoteExportDialog(q, title=title, created=self.ctx.clock(), file_stem=stem), written)


    def action_saved_quotes(self) -> None:
        """The saved quotes of this client (of every client when the quote is not for one)."""
        from tui.screens.saved_quotes import SavedQuotesScreen

        self.app.push_screen(SavedQuotesScreen(self.ctx, self.client_id, self.client_title))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(names: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit}" if len(names) > limit else "")

