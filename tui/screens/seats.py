"""The seat inventory of one office: PCs, servers, printers… with OS, purchase year and count, and the
totals per kind. Add, edit and delete lines (deleting asks first)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from data.archive import delete_seat
from data.errors import DataError
from data.queries import OfficeRow, SeatRow, client_served, office_detail
from tui.context import AppContext
from tui.screens.client_detail import coordinates, totals_text
from tui.text import plain
from tui.widgets.confirm import ConfirmDialog


class SeatsScreen(Screen[None]):
    """`SeatsScreen(ctx, office_id)`."""

    BINDINGS = [
        Binding("n", "add_seats", "Add seats"),
        Binding("e", "edit_seats", "Edit"),
        Binding("delete", "delete_seats", "Delete", key_display="Del"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    class Loaded(Message):
        def __init__(self, office: OfficeRow) -> None:
            super().__init__()
            self.office = office

    class LoadFailed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, ctx: AppContext, office_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.office_id = office_id
        self.office: OfficeRow | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Loading…", id="office-title", classes="screen-title")
        yield Label("", id="office-facts", classes="facts")
        table: DataTable[str | Text] = DataTable(id="seat-lines", cursor_type="row", zebra_stripes=True)
        table.add_columns("Label", "Kind", "OS", "Bought", "Count")
        yield table
        yield Label("", id="office-totals", classes="totals")
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#seat-lines", DataTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="seats")
    def load(self) -> None:
        role = self.ctx.role
        try:
            with self.ctx.db.sessions() as session:
                client_id, office = office_detail(session, self.office_id)
                if role.kind == "concierge" and not client_served(session, client_id, role.concierge_code or ""):
                    self.post_message(self.LoadFailed(f"this office belongs to a client you do not serve ({role})"))
                    return
        except DataError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        self.post_message(self.Loaded(office))

    @on(LoadFailed)
    def show_failure(self, message: LoadFailed) -> None:
        self.query_one("#office-title", Label).update(plain(f"Cannot show these seats: {message.error}"))
        self.notify(f"Cannot show these seats: {message.error}", severity="error")

    @on(Loaded)
    def show_office(self, message: Loaded) -> None:
        office = self.office = message.office
        self.query_one("#office-title", Label).update(plain(f"Seats at {office.name} ({office.code})"))
        self.query_one("#office-facts", Label).update(plain(
            f"{office.address}\n{coordinates(office)} · open {office.opens:%H:%M}-{office.closes:%H:%M}", multiline=True
        ))
        table = self.query_one("#seat-lines", DataTable)
        row = table.cursor_row
        table.clear()
        for seat in office.seats:
            table.add_row(plain(seat.label), seat.kind, seat.os, str(seat.purchase_year or ""),
                          Text(str(seat.count), justify="right"), key=str(seat.id))
        if office.seats:
            table.move_cursor(row=min(max(row, 0), len(office.seats) - 1))
        totals: dict[str, int] = {}
        for seat in office.seats:
            totals[seat.kind] = totals.get(seat.kind, 0) + seat.count
        self.query_one("#office-totals", Label).update(f"Total: {totals_text(totals)}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_seats", "edit_seats", "delete_seats"):
            return self.ctx.role.can("manage_clients")
        return True

    def current(self) -> SeatRow | None:
        if self.office is None or not self.office.seats:
            return None
        table = self.query_one("#seat-lines", DataTable)
        return self.office.seats[min(max(table.cursor_row, 0), len(self.office.seats) - 1)]

    def action_add_seats(self) -> None:
        from tui.screens.seat_form import SeatFormScreen

        self.app.push_screen(SeatFormScreen(self.ctx, office_id=self.office_id), self.seat_saved)

    @on(DataTable.RowSelected, "#seat-lines")
    def action_edit_seats(self) -> None:
        from tui.screens.seat_form import SeatFormScreen

        seat = self.current()
        if seat is not None and self.ctx.role.can("manage_clients"):
            self.app.push_screen(SeatFormScreen(self.ctx, office_id=self.office_id, seat_id=seat.id), self.seat_saved)

    def seat_saved(self, seat_id: int | None) -> None:
        if seat_id is not None:
            self.load()

    def action_delete_seats(self) -> None:
        seat = self.current()
        if seat is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                with self.ctx.db.transaction() as session:
                    delete_seat(session, seat.id, expected_version=seat.version)
            except DataError as exc:
                self.notify(f"Not deleted: {exc}", severity="error")
                return
            self.notify(f"Deleted {seat.count} × {seat.label}.")
            self.load()

        self.app.push_screen(ConfirmDialog(f"Delete {seat.count} × {seat.label} ({seat.kind})?", yes="Delete"), answered)
