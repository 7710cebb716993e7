"""The quote kept: saved to the database (one transaction), exported to a file, or the client's saved quotes."""

from __future__ import annotations

from typing import Any

from data.errors import DataError
from data.quotes import save_quote
from pricing.money import format_yen
from tui.screens.quote_base import QuoteBase
from tui.screens.quote_export import QuoteExportDialog
from tui.text import file_part


class QuoteSaving(QuoteBase):
    """Save, export, saved quotes."""

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
