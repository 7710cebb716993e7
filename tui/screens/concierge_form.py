"""The add/edit form of a concierge: skills, home base, working days and hours, max visits, dedicated clients."""

from __future__ import annotations

import contextlib

from sqlalchemy.orm import Session
from textual.app import ComposeResult
from textual.widgets import Label, SelectionList

from data.access.users import end_late_sessions
from data.concierges import ActiveChange, active_change, concierge_form_values
from data.errors import DataError
from data.records import SKILLS, TRAVEL_PROFILES, WEEKDAYS, default_geocoder, save_concierge
from tui.context import AppContext
from tui.screens.modal_form import ModalFormScreen
from tui.widgets.form import FormField

YES_NO = [("yes", "yes"), ("no", "no")]


class ConciergeFormScreen(ModalFormScreen):
    """Dismisses with the saved concierge's id, or None when cancelled."""

    DEFAULT_CSS = """
    ConciergeFormScreen SelectionList { max-height: 8; }
    """

    what = "concierge"
    pick_lists = (("#skills", "skills"), ("#working-days", "working_days"))

    def __init__(self, ctx: AppContext, concierge_id: int | None = None) -> None:
        super().__init__(ctx, concierge_id)
        self.change: ActiveChange | None = None
        self.was_active: bool | None = None
        """What the last save did to the concierge's activity (and, on PostgreSQL, their login)."""

    def form_fields(self) -> ComposeResult:
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

    def on_mount(self) -> None:
        if self.record_id is not None:
            self.load()
        self.query_one("#input-name").focus()

    def read(self, session: Session) -> dict[str, str]:
        assert self.record_id is not None
        values, self.version = concierge_form_values(session, self.record_id)
        self.was_active = values["active"] == "yes"
        return values

    def write(self, session: Session, values: dict[str, str]) -> int:
        concierge = save_concierge(
            session,
            values,
            concierge_id=self.record_id,
            expected_version=self.version,
            geocoder=default_geocoder(),
        )
        self.change = active_change(session, concierge, self.was_active)
        session.flush()
        return concierge.id

    def after_commit(self) -> None:
        if self.change is not None and self.change.disabled:
            with contextlib.suppress(DataError):  # the login is disabled all the same (the commit did it)
                end_late_sessions(self.ctx.db.engine, self.change.disabled)

    def saved_text(self, values: dict[str, str]) -> str:
        saved = f"Saved concierge {values.get('name', '')}"
        return f"{saved}: {self.change.message()}" if self.change is not None else saved
