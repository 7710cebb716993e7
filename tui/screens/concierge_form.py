"""The add/edit form of a concierge: skills, home base, working days and hours, max visits, dedicated clients."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList, Static

from data.concierges import concierge_form_values
from data.errors import ConflictError, DataError, ValidationError
from data.records import SKILLS, TRAVEL_PROFILES, WEEKDAYS, default_geocoder, save_concierge
from tui.context import AppContext
from tui.widgets.form import FormField, clear_errors, form_values, show_error

YES_NO = [("yes", "yes"), ("no", "no")]


class ConciergeFormScreen(ModalScreen[int | None]):
    """Dismisses with the saved concierge's id, or None when cancelled."""

    DEFAULT_CSS = """
    ConciergeFormScreen { align: center middle; }
    ConciergeFormScreen > Vertical {
        width: 90%; max-width: 100; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ConciergeFormScreen #form-title { text-style: bold; height: 1; }
    ConciergeFormScreen VerticalScroll { height: 1fr; }
    ConciergeFormScreen #conflict { display: none; height: auto; background: $warning 30%; padding: 0 1; }
    ConciergeFormScreen #conflict.-shown { display: block; }
    ConciergeFormScreen #conflict Horizontal, ConciergeFormScreen #buttons { height: auto; align-horizontal: right; }
    ConciergeFormScreen Button { margin-left: 1; }
    ConciergeFormScreen .pick-label { color: $text-muted; height: 1; }
    ConciergeFormScreen SelectionList { height: auto; max-height: 8; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, ctx: AppContext, concierge_id: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.concierge_id = concierge_id
        self.version: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Edit concierge" if self.concierge_id else "New concierge", id="form-title")
            with Vertical(id="conflict"):
                yield Static("", id="conflict-text")
                with Horizontal():
                    yield Button("Reload (discard my edits)", id="reload", variant="warning")
            with VerticalScroll():
                yield FormField("Code", "code", placeholder="K10 (empty: next free code)")
                yield FormField("Name", "name")
                yield FormField("Phone", "phone")
                yield FormField("E-mail", "email")
                yield FormField("Home base address", "home_address", placeholder="東京都千代田区丸の内1丁目")
                yield FormField("Home latitude", "home_lat", hint="Empty: taken from the address")
                yield FormField("Home longitude", "home_lon")
                yield Label("Skills (space to tick)", classes="pick-label")
                yield SelectionList[str](*[(skill, skill) for skill in SKILLS], id="skills", compact=True)
                yield Label("Working days", classes="pick-label")
                yield SelectionList[str](*[(day, day, day in WEEKDAYS[:5]) for day in WEEKDAYS], id="working-days", compact=True)
                yield FormField("Shift start", "shift_start", value="09:00")
                yield FormField("Shift end", "shift_end", value="18:00")
                yield FormField("Max visits a day", "max_visits", value="8")
                yield FormField("Travel", "travel_profile", value="tokyo_rail", choices=[(p, p) for p in TRAVEL_PROFILES])
                yield FormField("Dedicated clients", "dedicated_clients", hint="Client codes, e.g. C0001 C0007")
                yield FormField("Active", "active", value="yes", choices=YES_NO)
            with Horizontal(id="buttons"):
                yield Button("Cancel (Esc)", id="cancel")
                yield Button("Save (Ctrl+S)", id="save", variant="primary")

    def on_mount(self) -> None:
        if self.concierge_id is not None:
            self._load()
        self.query_one("#input-name").focus()

    def _load(self) -> None:
        assert self.concierge_id is not None
        try:
            with self.ctx.db.sessions() as session:
                values, self.version = concierge_form_values(session, self.concierge_id)
        except DataError as exc:
            self.notify(str(exc), severity="error", title="Cannot open concierge")
            self.dismiss(None)
            return
        for f in self.query(FormField):
            if f.field_name in values:
                f.value = values[f.field_name]
        for list_id, name in (("#skills", "skills"), ("#working-days", "working_days")):
            picks = self.query_one(list_id, SelectionList)
            picks.deselect_all()
            for word in values.get(name, "").split():
                picks.select(word)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = {
            **form_values(self),
            "skills": " ".join(self.query_one("#skills", SelectionList).selected),
            "working_days": " ".join(self.query_one("#working-days", SelectionList).selected),
        }
        try:
            with self.ctx.db.transaction() as session:
                concierge = save_concierge(
                    session, values, concierge_id=self.concierge_id, expected_version=self.version,
                    geocoder=default_geocoder(),
                )
                session.flush()
                saved_id = concierge.id
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
        clear_errors(self)
        self.notify(f"Saved concierge {values.get('name', '')}")
        self.dismiss(saved_id)

    def _show_conflict(self, message: str) -> None:
        self.query_one("#conflict-text", Static).update(message[:1].upper() + message[1:])
        self.query_one("#conflict").add_class("-shown")
        self.query_one("#reload", Button).focus()

    @on(Button.Pressed, "#reload")
    def reload_theirs(self) -> None:
        self.query_one("#conflict").remove_class("-shown")
        clear_errors(self)
        self._load()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
