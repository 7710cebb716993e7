"""Where to write a quote (Markdown or plain text)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select

from data.errors import ValidationError
from data.quote_form import write_quote
from pricing.quote import Quote
from tui.text import plain
from tui.widgets.form import FormField, form_values, show_error


class QuoteExportDialog(ModalScreen[Path | None]):
    """Dismisses with the written file's path, or None when cancelled."""

    DEFAULT_CSS = """
    QuoteExportDialog { align: center middle; }
    QuoteExportDialog > Vertical {
        width: 90%; max-width: 76; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    QuoteExportDialog Horizontal { height: auto; align-horizontal: right; }
    QuoteExportDialog Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel"), Binding("ctrl+s", "write", "Write")]

    def __init__(self, quote: Quote, *, title: str, created: dt.datetime, file_stem: str) -> None:
        super().__init__()
        self.quote = quote
        self.title_text = title
        self.created = created
        self.file_stem = file_stem

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Export: {self.title_text}"), id="export-title")
            yield FormField("Format", "format", value="markdown", choices=[("Markdown (.md)", "markdown"), ("Plain text (.txt)", "text")])
            yield FormField("File", "path", value=str(Path.cwd() / f"{self.file_stem}.md"))
            with Horizontal():
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Write (Ctrl+S)", id="write", variant="primary")

    @on(Select.Changed, "#input-format")
    def format_changed(self) -> None:
        """Keep the file extension in step with the format."""
        values = form_values(self)
        path = Path(values["path"])
        suffix = ".md" if values["format"] == "markdown" else ".txt"
        if path.suffix in (".md", ".txt", ""):
            self.query_one("#field-path", FormField).value = str(path.with_suffix(suffix))

    @on(Button.Pressed, "#write")
    def action_write(self) -> None:
        try:
            path = write_quote(self.quote, form_values(self), title=self.title_text, created=self.created)
        except ValidationError as exc:
            if not show_error(self, exc):
                self.notify(str(exc), severity="error", title="Not written")
            return
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)
