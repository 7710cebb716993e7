"""The quote screen's state and what its parts call on each other (tui/screens/quote.py puts the parts together).

`QuoteBase` holds what the admin has on screen — the office rows' inputs, the client, the tariff, the last
quote, the pricing serials and the debounce timer — and the messages the workers post, so the parts
(`quote_offices`, `quote_pricing`, `quote_display`, `quote_saving`) each read as one responsibility.
"""

from __future__ import annotations

from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from data.concierges import ClientChoice
from data.errors import ValidationError
from data.quote_form import ClientQuoteForm, OfficeExtras, Places
from data.records import default_geocoder
from pricing.quote import Quote
from pricing.tariff import Tariff
from tui.context import AppContext

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


class QuoteBase(Screen[None]):
    """The quote screen's state (no widgets, no keys)."""

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

    def _row_numbers(self) -> list[int]:
        return list(self._office_inputs)

    # ---- provided by the parts (tui/screens/quote_pricing.py, quote_display.py) ------------------
    def _schedule(self) -> None:
        """Price the form once the typing pauses (debounced)."""
        raise NotImplementedError

    def _recalculate(self) -> None:
        """Price the form now if it changed since it was last priced."""
        raise NotImplementedError

    def _current(self) -> Quote | None:
        """The quote of what is typed now, or None (the user was told why)."""
        raise NotImplementedError

    def _fee_error(self, text: str) -> None:
        """Show `text` as an error in the fee line."""
        raise NotImplementedError


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
