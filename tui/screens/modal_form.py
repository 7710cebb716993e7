"""The shared shape of the pop-up add/edit forms (concierge, contract): fields, Save, Cancel, conflicts.

Unlike `RecordFormScreen` (a full screen whose conflicts ask in a dialog), these float over their list
and show a concurrent change as a banner with a Reload button. A subclass says which fields it has
(`form_fields`, with `pick_lists` for its SelectionLists), how to read the record (`read`) and how to
write it (`write`, inside one transaction); the base class does the rest.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList, Static

from data.errors import ConflictError, DataError, ValidationError
from data.fields import collecting
from tui.context import AppContext
from tui.discard import AsksBeforeDiscarding
from tui.keyguard import GuardedScreen
from tui.text import plain
from tui.widgets.form import FormField, clear_errors, form_values, show_error


class ModalFormScreen(AsksBeforeDiscarding, GuardedScreen, ModalScreen[int | None]):
    """Dismisses with the saved record's id, or None when cancelled."""

    DEFAULT_CSS = """
    ModalFormScreen { align: center middle; }
    ModalFormScreen > Vertical {
        width: 90%; max-width: 100; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ModalFormScreen #form-title { text-style: bold; height: 1; }
    ModalFormScreen VerticalScroll { height: 1fr; }
    ModalFormScreen #conflict { display: none; height: auto; background: $warning 30%; padding: 0 1; }
    ModalFormScreen #conflict.-shown { display: block; }
    ModalFormScreen #conflict Horizontal, ModalFormScreen #buttons { height: auto; align-horizontal: right; }
    ModalFormScreen Button { margin-left: 1; }
    ModalFormScreen .pick-label { color: $text-muted; height: 1; }
    ModalFormScreen SelectionList { height: auto; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    what = "record"
    """Shown in the title and messages ("concierge", "contract")."""
    pick_lists: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(SelectionList id, value name): lists whose picks travel as one space-separated value."""

    def __init__(self, ctx: AppContext, record_id: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.record_id = record_id
        self.version: int | None = None

    # -- for subclasses ---------------------------------------------------------------------------
    def form_fields(self) -> ComposeResult:
        """The FormFields (and any extra widgets) of this form."""
        yield from ()

    def read(self, session: Session) -> dict[str, str]:
        """The stored values (setting `version`); raise DataError when the record is gone."""
        raise NotImplementedError

    def write(self, session: Session, values: dict[str, str]) -> int:
        """Validate and save in the caller's transaction; return the record id."""
        raise NotImplementedError

    def saved_text(self, values: dict[str, str]) -> str:
        return f"{self.what.capitalize()} saved."

    def after_commit(self) -> None:
        """What follows a committed save, before its message (nothing by default)."""

    # -- shared behaviour -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Edit {self.what}" if self.record_id else f"New {self.what}", id="form-title")
            with Vertical(id="conflict"):
                yield Static("", id="conflict-text")
                with Horizontal():
                    yield Button("Reload (discard my edits)", id="reload", variant="warning")
            with VerticalScroll():
                yield from self.form_fields()
            with Horizontal(id="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Save (Ctrl+S)", id="save", variant="primary")

    def load(self) -> None:
        """Fill the form with the record as stored now; close it when the record cannot be read."""
        try:
            with self.ctx.db.sessions() as session:
                values = self.read(session)
        except DataError as exc:
            self.notify(str(exc), severity="error", title=f"Cannot open {self.what}")
            self.dismiss(None)
            return
        self.show_values(values)

    def show_values(self, values: dict[str, str]) -> None:
        for f in self.query(FormField):
            if f.field_name in values:
                f.value = values[f.field_name]
        for list_id, name in self.pick_lists:
            if name in values:
                picks = self.query_one(list_id, SelectionList)
                picks.deselect_all()
                for word in values[name].split():
                    picks.select(word)
        self.call_after_refresh(self.remember_clean)

    def current_values(self) -> dict[str, str]:
        return {
            **form_values(self),
            **{name: " ".join(self.query_one(list_id, SelectionList).selected) for list_id, name in self.pick_lists},
        }

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = self.current_values()
        try:
            with self.ctx.db.transaction() as session, collecting():  # every bad field at once
                saved_id = self.write(session, values)
        except ValidationError as exc:
            if not show_error(self, exc):
                self.notify(str(exc), severity="error", title="Not saved")
            return
        except ConflictError as exc:
            self._show_conflict(str(exc))
            return
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Not saved")
            return
        except SQLAlchemyError as exc:  # a constraint the validators missed: still a sentence, not a traceback
            reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
            self.notify(f"The database refused it: {reason}", severity="error", title="Not saved")
            return
        clear_errors(self)
        self.after_commit()
        self.notify(self.saved_text(values))
        self.dismiss(saved_id)

    def _show_conflict(self, message: str) -> None:
        self.query_one("#conflict-text", Static).update(plain(message[:1].upper() + message[1:], multiline=True))
        self.query_one("#conflict").add_class("-shown")
        self.query_one("#reload", Button).focus()

    @on(Button.Pressed, "#reload")
    def reload_theirs(self) -> None:
        self.query_one("#conflict").remove_class("-shown")
        clear_errors(self)
        self.load()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.cancel_asking()
