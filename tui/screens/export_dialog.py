"""Where to write a document (an invoice, a saved quote): a format, a file path, Write or Cancel.

    ExportDialog("Export INV-202610-00012", formats=[("Markdown (.md)", "md", ".md"), ("CSV (.csv)", "csv", ".csv")],
                 path=Path.cwd() / "INV-202610-00012.md", write=lambda fmt, path: export(fmt, path))

Enter in the File field or Ctrl+S writes. `write(format, path_text)` does the work (one transaction when
it reads the database) and returns the path written; a `ValidationError` it raises is shown as one line
under the field it names (the path: empty, a folder, a missing folder, not writable), and the dialog
stays open. Dismisses with the path, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from data.errors import DataError, ValidationError
from tui.text import plain
from tui.widgets.form import FormField, form_values, show_error

Format = tuple[str, str, str]
"""(shown text, value passed to `write`, file suffix)."""


class ExportDialog(ModalScreen[Path | None]):
    """`path` names the default file; its folder is the one the last export went to (this run), else `path`'s."""

    last_folder: Path | None = None
    """Where the previous export of this app run was written (offered again: month end exports many)."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 90%; max-width: 80; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    ExportDialog #export-title { text-style: bold; margin-bottom: 1; }
    ExportDialog Horizontal { height: auto; align-horizontal: right; }
    ExportDialog Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel"), Binding("ctrl+s", "write", "Write")]

    def __init__(self, title: str, *, formats: list[Format], path: Path, write: Callable[[str, str], Path]) -> None:
        super().__init__()
        self.title_text = title
        self.formats = formats
        self.path = (ExportDialog.last_folder / path.name) if ExportDialog.last_folder else path
        self.writer = write

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), id="export-title")
            yield FormField("Format", "format", value=self.formats[0][1], choices=[(label, value) for label, value, _ in self.formats])
            yield FormField("File (a new or existing file in an existing folder)", "path", value=str(self.path))
            with Horizontal():
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Write (Ctrl+S)", id="write", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#input-path").focus()

    @on(Select.Changed, "#input-format")
    def format_changed(self) -> None:
        """Keep the file's suffix in step with the format."""
        values = form_values(self)
        path = Path(values["path"])
        suffixes = {suffix for _, _, suffix in self.formats}
        wanted = next(suffix for _, value, suffix in self.formats if value == values["format"])
        if path.name and (path.suffix in suffixes or not path.suffix):
            self.query_one("#field-path", FormField).value = str(path.with_suffix(wanted))

    @on(Button.Pressed, "#write")
    @on(Input.Submitted, "#input-path")
    def action_write(self) -> None:
        values = form_values(self)
        try:
            path = self.writer(values["format"], values["path"])
        except ValidationError as exc:
            if not show_error(self, exc):
                self.notify(str(exc), severity="error", title="Not written")
            return
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Not written")
            return
        ExportDialog.last_folder = path.parent
        self.dismiss(path)

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)
