"""The dispatch board: open requests with their SLA state, each concierge's day as a timeline, and
planning — plan the day (or re-plan from now) in a worker with live progress and a cancel key, read the
proposal with the unplanned visits and why, pin or move visits, commit in one transaction.

The screen is put together from parts over one state (`board_base.BoardBase`): `board_display` fills the
panes, `board_solving` runs the search, `board_editing` pins, moves, discards and commits; this file holds
the layout, the keys, loading a day, dates and intake. Collaborators come in through the constructor: the
`AppContext` (database, role, clock) and a `Planner` (`tui.workers_solve.RealPlanner` when None, a fake in
tests). Nothing is written before commit.
"""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Static

from data.errors import DataError
from data.planning import is_planned_day, load_day, open_requests
from data.planning.offers import offer_into_proposal
from dispatch.errors import DispatchError
from tui.screens.board_dialogs import DateDialog
from tui.screens.board_display import BoardDisplay
from tui.screens.board_editing import BoardEditing
from tui.screens.board_solving import BoardSolving
from tui.screens.board_view import NARROW_WIDTH
from tui.screens.request_form import IntakeResult, RequestFormScreen
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.timeline import Timeline


class BoardScreen(BoardEditing, BoardSolving, BoardDisplay):
    """The dispatcher's home screen: the parts (display, solving, editing) over one state (board_base)."""

    DEFAULT_CSS = """
    BoardScreen { layout: vertical; }
    BoardScreen #board-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    BoardScreen #top { height: 1fr; }
    BoardScreen #right { width: 1fr; }
    BoardScreen #request-table, BoardScreen #proposal { height: 1fr; }
    BoardScreen Timeline { height: auto; max-height: 12; }
    BoardScreen #unplanned { height: 7; }
    BoardScreen #progress { height: auto; max-height: 2; background: $boost; padding: 0 1; }
    BoardScreen #requests { width: 76; }
    BoardScreen.narrow #requests { width: 1fr; }
    BoardScreen.narrow #right { display: none; }
    BoardScreen.narrow.pane-stops #right { display: block; }
    BoardScreen.narrow.pane-stops #requests { display: none; }
    BoardScreen.narrow #unplanned, BoardScreen.narrow #unplanned-title { display: none; }
    BoardScreen.narrow.pane-unplanned #top { display: none; }
    BoardScreen.narrow.pane-unplanned #unplanned, BoardScreen.narrow.pane-unplanned #unplanned-title { display: block; }
    BoardScreen.narrow.pane-unplanned #unplanned { height: 1fr; }
    BoardScreen.narrow Timeline { max-height: 7; }
    BoardScreen.wide #unplanned { height: 9; }
    BoardScreen.wide Timeline { max-height: 16; }
    BoardScreen .section { text-style: bold; padding: 0 1; }
    """
    BINDINGS = [
        Binding("p", "plan_day", "Plan day"),
        Binding("r", "replan", "Re-plan from now"),
        Binding("x", "cancel_plan", "Cancel plan"),
        Binding("n", "new_request", "New request"),
        Binding("i", "pin", "Pin"),
        Binding("m", "move", "Move"),
        Binding("c", "commit", "Commit"),
        Binding("d", "discard", "Discard"),
        Binding("left_square_bracket", "day(-1)", "Prev day"),
        Binding("right_square_bracket", "day(1)", "Next day"),
        Binding("t", "today", "Today"),
        Binding("g", "go_to_date", "Go to date"),
        Binding("s", "search_time", "Search time", show=False),
        Binding("o", "open_day", "Concierge's day"),
        Binding("v", "switch_pane", "Requests/Stops/Unplanned"),
        Binding("ctrl+n", "new_request", "New request", show=False),
    ]



    def compose(self) -> ComposeResult:
        yield Label("", id="board-title")
        with Horizontal(id="top"):
            with Vertical(id="requests"):
                yield Label("Open requests (urgency, deadline)", classes="section")
                yield DataTable(id="request-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="right"):
                yield Label("Stops", classes="section", id="proposal-title")
                yield DataTable(id="proposal", cursor_type="row")
        yield Label("Each concierge's day — visits as blocks, ─ travel, B break, · free", classes="section", id="timeline-title")
        yield Timeline(id="timeline")
        yield Label("Unplanned", classes="section", id="unplanned-title")
        yield DataTable(id="unplanned", cursor_type="row")
        yield Static("", id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self._set_width(self.app.size.width)
        self.set_interval(0.5, self._tick)
        self.day = self._initial_day

    def on_resize(self) -> None:
        if self._set_width(self.app.size.width) and self.snapshot is not None:
            self._show_requests(self.requests)
            self._show()

    def _set_width(self, width: int) -> bool:
        """Stack the panes below `NARROW_WIDTH` columns (shorter columns); True when the layout changed."""
        narrow = width < NARROW_WIDTH
        if narrow == self.narrow:
            return False
        self.narrow = narrow
        self.set_class(narrow, "narrow")
        self.set_class(width >= 130, "wide")
        requests = self.query_one("#request-table", DataTable)
        requests.clear(columns=True)
        columns: tuple[tuple[str, int | None], ...] = (("left", 10), ("urg", 4), ("req", 5), ("client", 14), ("plan", None)) if narrow else (
            ("time left", 10), ("urg", 4), ("req", 5), ("client / office", 18), ("min", 3), ("due", 9), ("plan", None))
        for name, cells in columns:
            requests.add_column(name, width=cells)
        stops = self.query_one("#proposal", DataTable)
        stops.clear(columns=True)
        stop_columns: tuple[tuple[str, int | None], ...] = (
            ("who", 3), ("start", 5), ("end", 5), ("visit", 6), ("client / office", 19), ("trv", 3), ("change", None))
        for name, cells in stop_columns:
            stops.add_column(name, width=cells)
        unplanned = self.query_one("#unplanned", DataTable)
        unplanned.clear(columns=True)
        unplanned_columns: tuple[tuple[str, int | None], ...] = (("visit", 6), ("urgency", 9), ("client", 12), ("why", None))
        for name, cells in unplanned_columns:
            unplanned.add_column(name, width=cells)
        return True

    def action_switch_pane(self) -> None:
        """Narrow terminal: the top half shows the open requests, the stops or the unplanned visits (v cycles)."""
        if self.narrow:
            if self.has_class("pane-stops"):
                self.set_class(False, "pane-stops")
                self.set_class(True, "pane-unplanned")
                target = "#unplanned"
            elif self.has_class("pane-unplanned"):
                self.set_class(False, "pane-unplanned")
                target = "#request-table"
            else:
                self.set_class(True, "pane-stops")
                target = "#proposal"
            self.query_one(target, DataTable).focus()
            self._status()
        else:
            self.query_one("#request-table" if self.query_one("#proposal", DataTable).has_focus else "#proposal", DataTable).focus()

    def on_unmount(self) -> None:
        self._stop.set()  # leaving the board (or the app) ends a running search; its process exits

    # ---- loading -------------------------------------------------------------------------------
    def watch_day(self) -> None:
        self.kept_reasons = {}
        self.reload()

    def reload(self) -> None:
        """Read the chosen day and the request list again; drops any proposal."""
        self.proposal = None
        self.replan_result = None
        self.warnings = ()
        self.before = None
        with self.database.sessions() as session:
            now = self.clock()
            self.snapshot = load_day(session, self.day, now=now)
            self.requests = open_requests(session, now)
        self._show()


    def action_open_day(self) -> None:
        """The day of the selected stop's concierge (or the first concierge) on the shown date."""
        from tui.screens.day import DayScreen

        plan = self.proposal or (self.snapshot.committed if self.snapshot else None)
        visit = self._selected_visit()
        code = next((r.concierge for r in plan.routes for st in r.stops if st.visit == visit), None) if plan else None
        if self.proposal is not None:
            self.notify("The day screen shows the committed plan; this proposal is not saved yet.", severity="warning")
        self.app.push_screen(DayScreen(self.ctx, code, day=self.day))

    # ---- dates and intake -----------------------------------------------------------------------
    def action_day(self, delta: int) -> None:
        if self.running:
            self.notify("Cancel the running plan first (x).", severity="warning")
            return
        self.day = self.day + dt.timedelta(days=delta)

    def action_today(self) -> None:
        if not self.running:
            self.day = self.clock().date()

    def action_go_to_date(self) -> None:
        if self.running:
            self.notify("Cancel the running plan first (x).", severity="warning")
            return

        def chosen(day: dt.date | None) -> None:
            if day is not None:
                self.day = day

        self.app.push_screen(DateDialog(self.day), chosen)

    def action_new_request(self) -> None:
        def saved(result: IntakeResult | None) -> None:
            if result is None:
                return
            if result.offer is not None:
                self.apply_offer(result)
                return
            request_id, urgency = result.request_id, result.urgency
            self.notify(f"Request R{request_id} saved.")
            self.reload()
            self.status_note = f"R{request_id} ({urgency}) saved"
            self._status()
            today = self.clock().date()
            with self.database.sessions() as session:
                planned = is_planned_day(session, today)
            if urgency == "emergency" and planned:
                def answer(yes: bool | None) -> None:
                    if yes:
                        if self.day != today:
                            self.day = today
                        self.action_replan()

                self.app.push_screen(ConfirmDialog("Emergency on a day already planned: re-plan from now? "
                                                   "Visits in progress and done stay; you see who moves before committing.",
                                                   yes="Re-plan from now"), answer)

        proposal = (self.day, self.proposal) if self.proposal is not None else None
        self.app.push_screen(RequestFormScreen(self.ctx, day=self.day, proposal=proposal), saved)

    # ---- a slot chosen at intake (tui/widgets/offer_panel.py, data/planning/offers.py) -------------------
    def apply_offer(self, result: IntakeResult) -> None:
        """The new request is saved pinned to the chosen slot: show that day with it in the proposal at once."""
        offer, before, proposal = result.offer, self.snapshot, self.proposal
        assert offer is not None
        if self.day != offer.day:
            self.day = offer.day  # reloads
        else:
            self.reload()
        assert self.snapshot is not None
        try:
            self.snapshot, placed = offer_into_proposal(before, proposal, self.snapshot, result.request_id, offer, self.clock())
        except (DataError, DispatchError) as exc:
            self.notify(f"R{result.request_id} saved, pinned to {offer.concierge} {offer.start:%H:%M}; {exc}", severity="warning")
            return
        self.proposal, self.replan_result, self.warnings = placed.plan, placed, ()
        self.notify(f"R{result.request_id} saved and pinned to {offer.concierge} {offer.start:%a %H:%M}: see the proposal, c commits it.")
        self._show()
