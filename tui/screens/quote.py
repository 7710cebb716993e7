"""The admin's quote: offices typed, picked or loaded from a client; the breakdown follows the typing.

The form text goes to `data.quote_form.quote_from_form` (validation and the pricing call) in a thread
worker, 0.3 s after the last keystroke; the screen only shows the result or the field at fault.

The screen is put together from parts over one state (`quote_base.QuoteBase`): `quote_offices` holds the
office rows and the client they come from, `quote_pricing` prices as the admin types, `quote_display`
shows the result or the field at fault, `quote_saving` saves and exports; this file holds the layout,
the keys and the start (tariff, client).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static

from pricing.errors import PricingError
from pricing.tariff import load_tariff
from tui.screens.quote_base import HINTS, OPTION_FIELDS
from tui.screens.quote_display import QuoteDisplay
from tui.screens.quote_offices import QuoteOffices
from tui.screens.quote_pricing import QuotePricing
from tui.screens.quote_saving import QuoteSaving


class QuoteScreen(QuoteSaving, QuotePricing, QuoteDisplay, QuoteOffices):
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
        Binding("ctrl+e", "export", "Export", priority=True),  # over a text box's own Ctrl+E (end of line)
        Binding("ctrl+o", "add_office", "Add office"),
        Binding("ctrl+l", "find_client", "From client"),
        Binding("ctrl+r", "saved_quotes", "Saved quotes"),
    ]

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
