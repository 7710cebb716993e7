"""The shared shape of the add/edit forms (client, office, seat): fields, Save, Cancel, conflicts.

A subclass says which fields it has (`form_fields`), how to read the record (`read`, returning the
text values and the version it was read at) and how to write it (`write`, inside one transaction).
The base class does the rest the same way everywhere: nothing is written until `data.records`
accepts the whole form; a bad field gets its message under it; a concurrent change by someone else
offers to reload their version; any other failure is a sentence.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Label

from data.errors import ConflictError, DataError, ValidationError, ValidationErrors
from data.fields import collecting
from tui.context import AppContext
from tui.discard import AsksBeforeDiscarding
from tui.keyguard import GuardedScreen
from tui.text import plain
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.form import clear_errors, form_values, show_error


class RecordFormScreen(AsksBeforeDiscarding, GuardedScreen, Screen[int | None]):
    """Dismisses with the saved record's id, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    what = "record"
    """Shown in titles and messages ("client", "office", "seat")."""

    def __init__(self, ctx: AppContext, record_id: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.record_id = record_id
        self.version: int | None = None
        self.values: dict[str, str] = {}
        if record_id is not None:
            self.values, self.version = self.read_values()

    # -- for subclasses ---------------------------------------------------------------------------
    def form_fields(self) -> ComposeResult:
        """The FormFields (and any extra widgets) of this form."""
        yield from ()

    def read(self, session: Session, record_id: int) -> tuple[dict[str, str], int | None]:
        raise NotImplementedError

    def write(self, session: Session, values: dict[str, str]) -> int:
        """Validate and save in the caller's transaction; return the record id."""
        raise NotImplementedError

    def title_text(self) -> str:
        return f"Edit {self.what}" if self.record_id is not None else f"New {self.what}"

    def saved_text(self, values: dict[str, str]) -> str:
        return f"{self.what.capitalize()} saved."

    # -- shared behaviour -------------------------------------------------------------------------
    def read_values(self) -> tuple[dict[str, str], int | None]:
        assert self.record_id is not None
        with self.ctx.db.sessions() as session:
            return self.read(session, self.record_id)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(plain(self.title_text()), classes="screen-title", id="form-title")
        with VerticalScroll(classes="form-body", id="form-body"):
            yield from self.form_fields()
        with Horizontal(classes="form-buttons"):
            yield Label("", id="form-message", classes="error-text")
            yield Button("Cancel", id="cancel", compact=True)
            yield Button("Save (Ctrl+S)", id="save", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        first = self.query("#form-body Input, #form-body Select").first(Widget)
        first.focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = form_values(self)
        message = self.query_one("#form-message", Label)
        try:
            with self.ctx.db.transaction() as session, collecting():  # every bad field at once
                record_id = self.write(session, values)
        except ValidationError as exc:
            if show_error(self, exc, aliases=self.aliases()):
                count = len(exc.errors) if isinstance(exc, ValidationErrors) else 1
                message.update(f"Not saved: see the {count} fields marked in red." if count > 1 else "Not saved: see the field marked in red.")
            else:
                message.update(plain(f"Not saved: {exc}"))
                self.notify(f"Not saved: {exc}", severity="error")
            return
        except ConflictError as exc:
            self.offer_reload(str(exc))
            return
        except DataError as exc:
            clear_errors(self)
            message.update(plain(exc))
            self.notify(f"Not saved: {exc}", severity="error")
            return
        except SQLAlchemyError as exc:  # a constraint the validators missed: still a sentence, not a traceback
            reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
            message.update(plain(f"The database refused it: {reason}"))
            self.notify(f"Not saved: the database refused it ({reason})", severity="error")
            return
        self.notify(self.saved_text(values))
        message.update("")
        self.dismiss(record_id)

    def aliases(self) -> dict[str, str]:
        """Validator field name -> form field name, where they differ."""
        return {}

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.cancel_asking()

    def offer_reload(self, reason: str) -> None:
        def answered(reload: bool | None) -> None:
            if reload:
                self.reload()

        self.app.push_screen(
            ConfirmDialog(
                f"Not saved: {reason}", yes="Reload",
                detail="Reload shows their version (your changes here are dropped); Cancel keeps your text.",
            ),
            answered,
        )

    def reload(self) -> None:
        """Replace the form's text with the record as stored now."""
        if self.record_id is None:
            return
        try:
            self.values, self.version = self.read_values()
        except DataError as exc:
            self.notify(f"Could not reload: {exc}", severity="error")
            return
        from tui.widgets.form import fields

        clear_errors(self)
        for field in fields(self):
            if field.field_name in self.values:
                field.value = self.values[field.field_name]
        self.call_after_refresh(self.remember_clean)
        self.notify(f"Reloaded the {self.what} as it is stored now.")
