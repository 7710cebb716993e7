"""One client: contact facts and contract on top; tabs with offices, seats (all offices, with totals)
and open requests. From here the admin edits the client, adds or edits an office, opens an office's
seat inventory, archives the client or quotes it. A concierge may open only a client they serve."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, TabbedContent, TabPane

from data.errors import DataError
from data.queries import PLAN_LABELS, ClientDetail, OfficeRow, client_detail, client_served
from tui.context import AppContext
from tui.messages import Navigate
from tui.screens.client_archive import confirm_archive
from tui.screens.saved_quotes import SavedQuotesTab, load_saved_quotes, saved_quotes_table
from tui.text import plain, styled

KIND_LABELS = {
    "pc": ("PC", "PCs"), "server": ("server", "servers"), "printer": ("printer", "printers"),
    "network": ("network device", "network devices"), "smartphone": ("phone", "phones"), "other": ("other", "other"),
}
HOURS_LABELS = {"evening": "evenings", "saturday": "Saturdays", "sunday_holiday": "Sundays/holidays"}


def totals_text(totals: dict[str, int]) -> str:
    if not totals:
        return "No seats yet"
    return " · ".join(f"{totals[k]} {KIND_LABELS[k][totals[k] != 1]}" for k in KIND_LABELS if k in totals)


def coordinates(office: OfficeRow) -> str:
    precision = f" ({office.precision})" if office.precision else ""
    return f"{office.lat:.4f}, {office.lon:.4f}{precision}"


class ClientDetailScreen(SavedQuotesTab, Screen[None]):
    """`ClientDetailScreen(ctx, client_id=7)`."""

    BINDINGS = [
        Binding("enter", "seats", "Seats", show=True),
        Binding("o", "add_office", "Add office"),
        Binding("d", "edit_office", "Edit office"),
        Binding("e", "edit_client", "Edit"),
        Binding("a", "archive", "Archive"),
        Binding("q", "quote", "Quote"),
    ]

    class Loaded(Message):
        def __init__(self, detail: ClientDetail) -> None:
            super().__init__()
            self.detail = detail

    class LoadFailed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, ctx: AppContext, client_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.client_id = client_id
        self.detail: ClientDetail | None = None
        self.select_office: int | None = None
        """An office to put the cursor on once the offices are loaded again (a new office just saved)."""

    @property
    def manages(self) -> bool:
        return self.ctx.role.can("manage_clients")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Loading…", id="client-name", classes="screen-title")
        with Vertical(classes="facts"):
            yield Label("", id="client-facts")
            yield Label("", id="client-contract")
        with TabbedContent(id="client-tabs"):
            with TabPane("Offices", id="tab-offices"):
                offices: DataTable[str | Text] = DataTable(id="offices", cursor_type="row")
                offices.add_columns("Office", "PCs", "Srv", "Hours", "Coordinates", "Address")
                yield offices
            with TabPane("Seats", id="tab-seats"):
                seats: DataTable[str | Text] = DataTable(id="seats", cursor_type="row")
                seats.add_columns("Office", "Label", "Kind", "OS", "Year", "Count")
                yield seats
                yield Label("", id="seat-totals", classes="totals")
            with TabPane("Open requests", id="tab-requests"):
                requests: DataTable[str | Text] = DataTable(id="requests", cursor_type="row")
                requests.add_columns("Received", "Office", "Urgency", "Status", "What")
                yield requests
            if self.ctx.role.can("quote"):
                with TabPane("Saved quotes", id="tab-quotes"):
                    yield saved_quotes_table()
        yield Footer()

    def on_mount(self) -> None:
        self.load()
        self.query_one("#offices", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self.detail is not None:
            self.load()
        tabs = self.query_one("#client-tabs", TabbedContent)
        if tabs.active == "tab-offices" and not isinstance(self.focused, DataTable):
            self.query_one("#offices", DataTable).focus()  # back from Seats or a form: on the list, not the tabs

    def load(self) -> None:
        self.load_detail()
        if self.ctx.role.can("quote"):
            load_saved_quotes(self, self.ctx, self.client_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="client-detail")
    def load_detail(self) -> None:
        role = self.ctx.role
        try:
            with self.ctx.db.sessions() as session:
                if role.kind == "concierge" and not client_served(session, self.client_id, role.concierge_code or ""):
                    self.post_message(self.LoadFailed(f"this client is not one you serve ({role})"))
                    return
                detail = client_detail(session, self.client_id, with_contracts=role.can("contracts"))
        except DataError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        self.post_message(self.Loaded(detail))

    @on(LoadFailed)
    def show_failure(self, message: LoadFailed) -> None:
        self.query_one("#client-name", Label).update(plain(f"Cannot show this client: {message.error}"))
        self.notify(f"Cannot show this client: {message.error}", severity="error")

    @on(Loaded)
    def show_detail(self, message: Loaded) -> None:
        d = self.detail = message.detail
        archived = "  [archived]" if not d.active else ""
        kana = f"  {d.name_kana}" if d.name_kana else ""
        self.query_one("#client-name", Label).update(plain(f"{d.name} ({d.code}){kana}{archived}"))
        contact = " · ".join(x for x in (d.contact_person, d.phone, d.email) if x) or "no contact yet"
        dedicated = f"dedicated concierge {d.dedicated}" if d.dedicated else "no dedicated concierge"
        language = "English" if d.language == "en" else "日本語"
        self.query_one("#client-facts", Label).update(styled(contact, "\n", language, " · ", dedicated, multiline=True))
        contract = self.query_one("#client-contract", Label)
        contract.update(plain(self.contract_text(d)))
        contract.display = bool(self.contract_text(d))
        self.fill_offices(d)
        self.fill_seats(d)
        self.fill_requests(d)
        tabs = self.query_one("#client-tabs", TabbedContent)
        tabs.get_tab("tab-offices").label = f"Offices ({len(d.offices)})"
        tabs.get_tab("tab-requests").label = f"Open requests ({len(d.open_requests)})"

    def contract_text(self, d: ClientDetail) -> str:
        if not self.ctx.role.can("contracts"):
            return ""
        active = [c for c in d.contracts if c.status == "active"]
        if not active:
            return "No active contract"
        c = active[-1]
        hours = ", ".join(HOURS_LABELS.get(h, h) for h in c.service_hours)
        extra = f" + {hours}" if hours else ""
        ends = f", ends {c.cancelled_effective:%Y-%m}" if c.cancelled_effective else ""
        return f"Contract: {PLAN_LABELS.get(c.plan, c.plan)} plan since {c.start_month:%Y-%m}, weekdays 9-18{extra}{ends}"

    def fill_offices(self, d: ClientDetail) -> None:
        table = self.query_one("#offices", DataTable)
        row = table.cursor_row
        table.clear()
        for office in d.offices:
            table.add_row(
                plain(office.name),
                Text(str(office.count("pc")), justify="right"), Text(str(office.count("server")), justify="right"),
                f"{office.opens:%H:%M}-{office.closes:%H:%M}", plain(coordinates(office)), plain(office.address),
                key=str(office.id),
            )
        if d.offices:
            wanted = next((i for i, o in enumerate(d.offices) if o.id == self.select_office), None)
            table.move_cursor(row=wanted if wanted is not None else min(row, len(d.offices) - 1))
            self.select_office = None

    def fill_seats(self, d: ClientDetail) -> None:
        table = self.query_one("#seats", DataTable)
        table.clear()
        for office in d.offices:
            for seat in office.seats:
                table.add_row(plain(office.name), plain(seat.label), seat.kind, seat.os, str(seat.purchase_year or ""),
                              Text(str(seat.count), justify="right"), key=str(seat.id))
        self.query_one("#seat-totals", Label).update(f"Total: {totals_text(d.totals())}")

    def fill_requests(self, d: ClientDetail) -> None:
        table = self.query_one("#requests", DataTable)
        table.clear()
        for r in d.open_requests:
            table.add_row(f"{r.received_at:%m-%d %H:%M}", plain(r.office), r.urgency, r.status, plain(r.description),
                          key=str(r.id))

    # -- actions ----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_office", "edit_office", "edit_client", "archive"):
            return self.manages
        if action == "quote":
            return self.ctx.role.can("quote")
        return True

    def current_office(self) -> OfficeRow | None:
        if self.detail is None or not self.detail.offices:
            return None
        table = self.query_one("#offices", DataTable)
        return self.detail.offices[min(max(table.cursor_row, 0), len(self.detail.offices) - 1)]

    @on(DataTable.RowSelected, "#offices")
    def action_seats(self) -> None:
        from tui.screens.seats import SeatsScreen

        office = self.current_office()
        if office is None:
            self.notify("This client has no office yet: press o to add one.", severity="warning")
            return
        self.app.push_screen(SeatsScreen(self.ctx, office.id))

    def action_add_office(self) -> None:
        from tui.screens.office_form import OfficeFormScreen

        self.app.push_screen(OfficeFormScreen(self.ctx, client_id=self.client_id), self.office_saved)

    def action_edit_office(self) -> None:
        from tui.screens.office_form import OfficeFormScreen

        office = self.current_office()
        if office is not None:
            self.app.push_screen(OfficeFormScreen(self.ctx, client_id=self.client_id, office_id=office.id), self.office_saved)

    def office_saved(self, office_id: int | None) -> None:
        if office_id is not None:
            self.query_one("#client-tabs", TabbedContent).active = "tab-offices"
            self.select_office = office_id  # the reload on resume puts the cursor on it
            self.load()
            self.query_one("#offices", DataTable).focus()

    def action_edit_client(self) -> None:
        from tui.screens.client_form import ClientFormScreen

        self.app.push_screen(ClientFormScreen(self.ctx, client_id=self.client_id))

    def action_quote(self) -> None:
        self.post_message(Navigate("quote-client", client_id=self.client_id))

    def action_archive(self) -> None:
        d = self.detail
        if d is None:
            return
        confirm_archive(
            self, self.ctx, client_id=d.id, name=d.name, active=d.active, version=d.version,
            detail="It leaves the client list; its history is kept.", done=self.load,
        )
