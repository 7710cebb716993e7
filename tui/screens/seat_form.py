"""Add or edit one seat line of an office: label, kind, OS, purchase year, count."""

from __future__ import annotations

from sqlalchemy.orm import Session
from textual.app import ComposeResult
from textual.containers import Horizontal

from data.errors import NotFoundError
from data.models import SEAT_KINDS, SEAT_OS, Office, Seat
from data.records import save_seat
from tui.context import AppContext
from tui.screens.record_form import RecordFormScreen
from tui.widgets.form import FormField

KIND_CHOICES = [(k, k) for k in SEAT_KINDS]
OS_CHOICES = [(o, o) for o in SEAT_OS]


class SeatFormScreen(RecordFormScreen):
    """`SeatFormScreen(ctx, office_id=9)` adds a line, `…, seat_id=4` edits one."""

    what = "seats"

    def __init__(self, ctx: AppContext, office_id: int, seat_id: int | None = None) -> None:
        self.office_id = office_id
        super().__init__(ctx, seat_id)
        if seat_id is None:
            self.values = {"label": "PC", "kind": "pc", "os": "windows", "count": "1"}

    def title_text(self) -> str:
        return "Edit seats" if self.record_id is not None else "Add seats (e.g. 5 PCs)"

    def read(self, session: Session, record_id: int) -> tuple[dict[str, str], int | None]:
        seat = session.get(Seat, record_id)
        if seat is None:
            raise NotFoundError(f"seat {record_id} no longer exists")
        return {
            "label": seat.label, "kind": seat.kind, "os": seat.os,
            "purchase_year": str(seat.purchase_year or ""), "count": str(seat.count),
        }, seat.version

    def write(self, session: Session, values: dict[str, str]) -> int:
        office = session.get(Office, self.office_id)
        if office is None:
            raise NotFoundError(f"office {self.office_id} no longer exists")
        seat = save_seat(session, values, seat_id=self.record_id, office=office, expected_version=self.version)
        session.flush()
        return seat.id

    def saved_text(self, values: dict[str, str]) -> str:
        return f"Saved {values.get('count', '')} × {values.get('label', '')}."

    def form_fields(self) -> ComposeResult:
        v = self.values
        with Horizontal(classes="form-row"):
            yield FormField("Count *", "count", v.get("count", "1"))
            yield FormField("Kind *", "kind", v.get("kind", "pc"), choices=KIND_CHOICES)
        with Horizontal(classes="form-row"):
            yield FormField("Label * (unique in the office)", "label", v.get("label", ""), placeholder="事務用PC")
            yield FormField("OS", "os", v.get("os", "windows"), choices=OS_CHOICES)
        yield FormField("Purchase year", "purchase_year", v.get("purchase_year", ""), placeholder="2024")
