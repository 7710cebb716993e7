"""The client list: filter as you type, sort by any column, open, add, edit, archive.

Rows come a page at a time from `data.queries.list_clients` in a thread worker, so 10,000 clients
open as fast as 40; the next page loads when the cursor nears the end. A concierge sees only the
clients they serve and no fees.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist
from textual.worker import get_current_worker

from data.errors import DataError
from data.queries import CLIENT_SORTS, PLAN_LABELS, ClientFee, ClientPage, ClientRow, ClientSort, list_clients, monthly_fees
from tui.context import AppContext
from tui.list_keys import FilterInput, ListKeys
from tui.messages import Navigate
from tui.screens.client_archive import confirm_archive
from tui.text import plain

PAGE = 200
FEE_DELAY = 0.3
"""Seconds the rows stay on screen before their fees are priced (typing on does not price at all)."""
FEE_CHUNK = 25
"""Clients priced per step of the fee worker (about a screenful)."""
FILTER_DELAY = 0.15
"""Seconds of typing pause before the list is searched again."""

COLUMNS: tuple[tuple[str, str, int], ...] = (
    # key, label, width (name gets the rest of the room)
    ("name", "Name", 0),
    ("offices", "Off", 3),
    ("pcs", "PCs", 4),
    ("servers", "Srv", 3),
    ("plan", "Plan", 9),
    ("dedicated", "Dedicated", 11),
    ("fee", "Fee incl. tax", 17),
)
WIDE = 120
"""From this terminal width the fee column spells out a two-tier fee ("¥30,800 + ¥13,200/visit")."""


class ClientsScreen(ListKeys, Screen[None]):
    """Every client (that this role may see) in a table; the filter has the letters until Enter or ↓."""

    ROLE_ACTIONS: ClassVar[dict[str, str]] = {
        "new_client": "manage_clients", "edit_client": "manage_clients", "archive_client": "manage_clients",
        "toggle_archived": "manage_clients", "quote_client": "quote",
    }

    BINDINGS = [
        Binding("enter", "open_client", "Open", show=True),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("s", "next_sort", "Sort"),
        Binding("n", "new_client", "New"),
        Binding("e", "edit_client", "Edit"),
        Binding("a", "archive_client", "Archive"),
        Binding("h", "toggle_archived", "Archived"),
        Binding("q", "quote_client", "Quote"),
        Binding("escape", "leave_filter", "Clear filter", show=False),
        Binding("down", "to_list", "To the list", key_display="↓/Enter"),
    ]

    class Loaded(Message):
        """A page of clients arrived from the worker."""

        def __init__(self, page: ClientPage, generation: int) -> None:
            super().__init__()
            self.page = page
            self.generation = generation

    class LoadFailed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class FeesPriced(Message):
        """Monthly fees of some listed clients (priced after the rows are shown)."""

        def __init__(self, fees: dict[int, ClientFee], generation: int) -> None:
            super().__init__()
            self.fees = fees
            self.generation = generation

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: list[ClientRow] = []
        self.total = 0
        self.sort: ClientSort = "name"
        self.descending = False
        self.show_archived = False
        self.generation = 0
        """Counts list reloads; a late page of an older search is dropped."""
        self.rows_generation = 0
        """The reload whose rows are on screen (== generation once the newest page has arrived)."""
        self.loading_more = False
        self.filter_timer: Timer | None = None
        self.search_pending = False
        """A filter change waits for its typing pause (FILTER_DELAY) before the search runs."""
        self.keep_cursor_on: int | None = None
        self.fee_timer: Timer | None = None
        self.fees: dict[int, ClientFee] = {}
        """Monthly fees priced so far (client id -> fee, tax included)."""

    @property
    def manages(self) -> bool:
        return self.ctx.role.can("manage_clients")

    @property
    def shows_fees(self) -> bool:
        return self.ctx.role.can("quote")

    @property
    def shows_plans(self) -> bool:
        return self.ctx.role.can("contract_plans")

    def shown(self, key: str) -> bool:
        """The fee column is for roles that quote, the plan column for those that may read contracts."""
        return (key != "fee" or self.shows_fees) and (key != "plan" or self.shows_plans)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(plain(self.heading()), id="clients-title", classes="screen-title")
        yield FilterInput(placeholder="Filter: type part of a name, kana or code · Enter opens · ↓ the list", id="filter",
                          classes="filter", compact=True, select_on_focus=False)
        table: DataTable[str | Text] = DataTable(id="clients", cursor_type="row", zebra_stripes=True)
        yield table
        yield Label("Loading…", id="clients-status", classes="status-line")
        yield Footer()

    def heading(self) -> str:
        if self.ctx.role.kind == "concierge":
            return f"Clients served by {self.ctx.role.concierge_code}"
        return "Clients" + (" (archived included)" if self.show_archived else "")

    def on_mount(self) -> None:
        table = self.query_one("#clients", DataTable)
        for key, label, width in COLUMNS:
            if not self.shown(key):
                continue
            table.add_column(label, key=key, width=self.column_width(key, width) if width else self.name_width())
        self.reload()
        self.query_one("#filter", Input).focus()

    def on_screen_resume(self) -> None:
        if self.rows:  # back from a detail view or a form: show what changed
            self.reload(keep_cursor=True)

    # -- loading ----------------------------------------------------------------------------------
    def column_width(self, key: str, width: int) -> int:
        return 23 if key == "fee" and self.wide() else width

    def name_width(self) -> int:
        fixed = sum(self.column_width(k, w) + 2 for k, _, w in COLUMNS if w and self.shown(k))
        return max(15, self.app.size.width - fixed - 6)  # 2 for padding, 2 for the scrollbar, 2 spare

    @on(Resize)
    def fit_columns(self) -> None:
        table = self.query_one("#clients", DataTable)
        column = table.columns.get(ColumnKey("name"))
        if column is not None:
            column.width = self.name_width()
            fee = table.columns.get(ColumnKey("fee"))
            if fee is not None:
                fee.width = self.column_width("fee", 17)
                self.show_fees(self.FeesPriced(dict(self.fees), self.generation))
            table.refresh(layout=True)

    def reload(self, *, keep_cursor: bool = False) -> None:
        """Load the first page again (new filter, sort, or data changed)."""
        self.search_pending = False
        table = self.query_one("#clients", DataTable)
        if keep_cursor and self.rows and 0 <= table.cursor_row < len(self.rows):
            self.keep_cursor_on = self.rows[table.cursor_row].id
        self.generation += 1
        if self.fee_timer is not None:
            self.fee_timer.stop()
        self.load(self.query_one("#filter", Input).value, 0, self.generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="clients")
    def load(self, search: str, offset: int, generation: int) -> None:
        """Read one page in a thread; the result comes back as a Loaded message."""
        served = self.ctx.role.concierge_code if self.ctx.role.kind == "concierge" else None
        try:
            with self.ctx.db.sessions() as session:
                page = list_clients(
                    session, search=search, sort=self.sort, descending=self.descending, offset=offset, limit=PAGE,
                    include_archived=self.show_archived, served_by=served, with_plans=self.shows_plans,
                )
        except DataError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        except Exception as exc:
            self.post_message(self.LoadFailed(f"the client list could not be read ({exc.__class__.__name__}: {exc})"))
            return
        self.post_message(self.Loaded(page, generation))

    @on(Loaded)
    def show_page(self, message: Loaded) -> None:
        if message.generation != self.generation:
            return  # an older search finished late
        table = self.query_one("#clients", DataTable)
        page = message.page
        if page.offset == 0:
            self.rows = []
            table.clear()
        self.rows_generation = message.generation
        self.loading_more = False
        self.total = page.total
        for row in page.rows:
            self.rows.append(row)
            table.add_row(*self.cells(row), key=str(row.id))
        self.update_status()
        if self.shows_fees and page.rows:
            ids, generation = [r.id for r in page.rows], message.generation
            self.fee_timer = self.set_timer(FEE_DELAY, lambda: self.price(ids, generation))
        if self.keep_cursor_on is not None:
            index = next((i for i, r in enumerate(self.rows) if r.id == self.keep_cursor_on), None)
            if index is not None:
                table.move_cursor(row=index)
            self.keep_cursor_on = None

    @work(thread=True, exclusive=True, exit_on_error=False, group="client-fees")
    def price(self, ids: list[int], generation: int) -> None:
        """Price the listed seat-plan clients in a thread, a screenful at a time; the list is usable meanwhile.

        A newer search cancels this worker; it stops between chunks.
        """
        worker = get_current_worker()
        for start in range(0, len(ids), FEE_CHUNK):
            if worker.is_cancelled or generation != self.generation:
                return
            try:
                with self.ctx.db.sessions() as session:
                    fees = monthly_fees(session, ids[start : start + FEE_CHUNK], tariff_path=self.ctx.tariff_path,
                                        today=self.ctx.today())
            except Exception:  # fees are extra information: leave the column blank
                return
            self.post_message(self.FeesPriced(fees, generation))

    @on(FeesPriced)
    def show_fees(self, message: FeesPriced) -> None:
        if message.generation != self.generation:
            return
        table = self.query_one("#clients", DataTable)
        for client_id, fee in message.fees.items():
            try:
                table.update_cell(str(client_id), "fee", Text(self.fee_words(fee), justify="right"))
            except (RowDoesNotExist, CellDoesNotExist):  # the list changed meanwhile
                continue
        self.fees.update(message.fees)

    @on(LoadFailed)
    def show_failure(self, message: LoadFailed) -> None:
        self.loading_more = False
        self.query_one("#clients-status", Label).update(plain(f"Could not load clients: {message.error}"))
        self.notify(f"Could not load clients: {message.error}", severity="error")

    def cells(self, row: ClientRow) -> list[str | Text]:
        name = plain(row.name, "dim" if not row.active else "")
        if not row.active:
            name.append(" (archived)", style="italic")
        cells: list[str | Text] = [
            name,
            Text(str(row.offices), justify="right"),
            Text(str(row.pcs), justify="right"),
            Text(str(row.servers), justify="right"),
            *([PLAN_LABELS.get(row.plan or "", row.plan or "—")] if self.shows_plans else []),
            plain(row.dedicated or ""),
        ]
        if self.shows_fees:
            cells.append(Text(self.fee_words(self.fees.get(row.id)), justify="right"))
        return cells

    def wide(self) -> bool:
        return self.app.size.width >= WIDE

    def fee_words(self, fee: ClientFee | None) -> str:
        return "" if fee is None else fee.words(short=not self.wide())

    def update_status(self) -> None:
        shown = len(self.rows)
        more = f", showing {shown} (more load as you scroll)" if shown < self.total else ""
        direction = "↓" if self.descending else "↑"
        noun = "client" if self.total == 1 else "clients"
        text = f"{self.total} {noun}{more} · sorted by {self.sort} {direction} · Enter opens"
        if not self.total and self.query_one("#filter", Input).value:
            text = "No client matches the filter · Escape clears it"
        self.query_one("#clients-status", Label).update(text)

    @on(DataTable.RowHighlighted, "#clients")
    def load_more_near_end(self, event: DataTable.RowHighlighted) -> None:
        if not self.loading_more and len(self.rows) < self.total and event.cursor_row >= len(self.rows) - 20:
            self.loading_more = True
            self.load(self.query_one("#filter", Input).value, len(self.rows), self.generation)

    # -- filter and sort --------------------------------------------------------------------------
    @on(Input.Changed, "#filter")
    def filter_changed(self) -> None:
        if self.filter_timer is not None:
            self.filter_timer.stop()
        self.search_pending = True
        self.filter_timer = self.set_timer(FILTER_DELAY, self.reload)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        """Enter in the filter opens the highlighted client (the first match); back from it, the list has focus."""
        self.query_one("#clients", DataTable).focus()
        if self.search_pending or self.rows_generation != self.generation:
            return  # Enter came before the matches: stay on the list rather than open a stale row
        self.action_open_client()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_to_list(self) -> None:
        self.query_one("#clients", DataTable).focus()

    def action_leave_filter(self) -> None:
        """Escape empties the filter (the letters stay there); with no filter it goes on to the app (back)."""
        filter_input = self.query_one("#filter", Input)
        if not filter_input.value:
            raise SkipAction()
        filter_input.value = ""

    @on(DataTable.HeaderSelected, "#clients")
    def sort_by_header(self, event: DataTable.HeaderSelected) -> None:
        for key in CLIENT_SORTS:
            if key == event.column_key.value:
                self.set_sort(key)

    def action_next_sort(self) -> None:
        order = [s for s in CLIENT_SORTS if s != "code" and self.shown(s)]
        index = order.index(self.sort) if self.sort in order else -1
        self.set_sort(order[(index + 1) % len(order)])

    def set_sort(self, key: ClientSort) -> None:
        if key == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = key, key in ("offices", "pcs", "servers")
        self.reload()

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.query_one("#clients-title", Label).update(plain(self.heading()))
        self.reload()

    # -- actions on the highlighted client --------------------------------------------------------
    def current(self) -> ClientRow | None:
        table = self.query_one("#clients", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.ROLE_ACTIONS:
            return self.list_action_state(action)
        if action == "next_sort":
            return None if self.filter_focused() else True
        if action == "focus_filter":
            return None if self.filter_focused() else True
        if action == "leave_filter":
            return bool(self.query_one("#filter", Input).value)
        if action == "open_client":
            return not self.query_one("#filter", Input).has_focus
        if action == "to_list":
            return self.query_one("#filter", Input).has_focus
        return True

    @on(DataTable.RowSelected, "#clients")
    def action_open_client(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(Navigate("open-client", client_id=row.id))

    def action_quote_client(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(Navigate("quote-client", client_id=row.id))

    def action_new_client(self) -> None:
        from tui.screens.client_form import ClientFormScreen

        def created(client_id: int | None) -> None:
            if client_id is not None:
                self.keep_cursor_on = client_id
                self.post_message(Navigate("open-client", client_id=client_id))

        self.app.push_screen(ClientFormScreen(self.ctx), created)

    def action_edit_client(self) -> None:
        from tui.screens.client_form import ClientFormScreen

        row = self.current()
        if row is not None:
            self.app.push_screen(ClientFormScreen(self.ctx, client_id=row.id))

    def action_archive_client(self) -> None:
        row = self.current()
        if row is None:
            return
        confirm_archive(
            self, self.ctx, client_id=row.id, name=row.name, active=row.active,
            detail="It leaves the list; its visits, incidents and invoices are kept. H shows archived clients.",
            done=lambda: self.reload(keep_cursor=True),
        )
