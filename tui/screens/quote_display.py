"""The quote's result on screen: the fee line, the clusters, the lines table, the totals and warnings,
or the field at fault coloured with its message under its block."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.widgets import Static

from data.errors import ValidationError
from data.quote_form import summary_line
from pricing.money import format_yen
from tui.screens.quote_base import QuoteBase, sentence
from tui.text import clean, counted, plain, styled


class QuoteDisplay(QuoteBase):
    """Shows what the pricing worker found."""

    @on(QuoteBase.Computed)
    def show_quote(self, message: QuoteBase.Computed) -> None:
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
            return sentence(str(error))
        message = sentence(str(error).split(": ", 1)[-1])
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


def _names(names: tuple[str, ...], limit: int = 3) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" +{len(names) - limit}" if len(names) > limit else "")
