"""Pricing as the admin types: a debounce timer, then `data.quote_form.quote_from_form` in a thread worker.

The worker posts `QuoteBase.Computed` with a serial so an older result never replaces a newer one;
`_current` prices at once when a key (save, export) needs the quote of what is typed now.
"""

from __future__ import annotations

from textual import on, work
from textual.widgets import Input, Select

from data.errors import ValidationError
from data.quote_form import OfficeExtras, quote_from_form
from pricing.quote import Quote
from tui.screens.quote_base import DEBOUNCE, OPTION_FIELDS, QuoteBase, sentence


class QuotePricing(QuoteBase):
    """Prices the form after each pause in the typing."""

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
                self.notify(f"Fix the quote first: {sentence(str(error))}", severity="error")
            return result
        return self.quote
