"""The dispatch board: open requests with their SLA state, each concierge's day as a timeline, and
planning — plan the day (or re-plan from now) in a worker with live progress and a cancel key, read the
proposal with the unplanned visits and why, pin or move visits, commit in one transaction.

Collaborators come in through the constructor: the `AppContext` (database, role, clock) and a `Planner`
(`tui.workers_solve.RealPlanner` when None, a fake in tests). Nothing is written before commit.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from data.errors import ConflictError, DataError
from data.planning import (
    DaySnapshot,
    RequestRow,
    commit_plan,
    is_planned_day,
    load_day,
    move_visit,
    open_requests,
    plan_with_excluded,
    unplanned_texts,
)
from data.planning.offers import offer_into_proposal
from data.planning.pins import pin_at_once
from data.planning.summary import PlanSummary, summarize
from dispatch.errors import DispatchError
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Unplanned
from dispatch.replan import Replan
from dispatch.solve import Progress
from tui.context import AppContext
from tui.screens.board_dialogs import DateDialog, MoveDialog, PinDialog, VisitFacts
from tui.screens.board_view import (
    NARROW_WIDTH,
    PIN_MARK,
    URGENCY_SHORT,
    URGENCY_STYLE,
    pinned_ids,
    timeline_rows,
    visit_facts,
)
from tui.screens.board_words import before_after, hhmm, progress_text, short_name, summary_text, time_left
from tui.screens.request_form import IntakeResult, RequestFormScreen
from tui.text import clean, plain
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.timeline import Timeline
from tui.workers_solve import SEARCH_SECONDS, Planner, RealPlanner, SolveFailed, SolveFinished, SolveProgress


class BoardScreen(Screen[None]):
    """The dispatcher's home screen."""

    DEFAULT_CSS = """
    BoardScreen { layout: vertical; }
    BoardScreen #board-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    BoardScreen #top { height: 1fr; }
    BoardScreen #requests { width: 1fr; }
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

    day: reactive[dt.date] = reactive(dt.date(2000, 1, 1), init=False)
    running: reactive[bool] = reactive(False)

    def __init__(self, ctx: AppContext, planner: Planner | None = None, *, day: dt.date | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.database = ctx.db
        self.clock = ctx.clock
        self.planner: Planner = planner if planner is not None else RealPlanner()
        self.snapshot: DaySnapshot | None = None
        self.proposal: Plan | None = None
        self.replan_result: Replan | None = None
        self.warnings: tuple[str, ...] = ()
        self.started = 0.0
        self.best: SolveProgress | None = None
        self._stop = threading.Event()
        self.kept_reasons: dict[str, str] = {}
        """visit id → why it stayed out of the last committed proposal (shown on the committed board)."""
        self._initial_day = day or ctx.today()
        self.requests: list[RequestRow] = []
        self.before: PlanSummary | None = None
        """The committed day in numbers when the shown proposal was made (before → after)."""
        self.status_note = ""
        """What just happened (saved, discarded), shown before the day's summary in the status line."""
        self.last_better = 0.0
        self.narrow: bool | None = None
        self.mode = "plan"

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
            self.snapshot = load_day(session, self.day)
            self.requests = open_requests(session, self.clock())
        self._show()

    def _plan_cells(self) -> dict[str, Text]:
        """The plan column: where each request stands in the shown plan (the proposal while there is one)."""
        snap, plan = self.snapshot, self.proposal
        if snap is None or plan is None:
            return {}
        where = plan.assignment()
        texts = unplanned_texts(snap, plan)
        out: dict[str, Text] = {}
        for v in snap.visits:
            if v in where:
                out[v] = plain(f"{where[v][0]} {hhmm(where[v][1])}", "magenta")
            elif v in texts or any(x.id == v for x in snap.problem.visits):
                out[v] = plain("out: " + texts.get(v, "not planned"), "red")
        return out

    def _unplanned_emergencies(self) -> dict[str, str]:
        """Emergencies of the request list the shown plan leaves out → why."""
        snap = self.snapshot
        if snap is None:
            return {}
        plan = self.proposal or snap.committed
        where = plan.assignment() if plan is not None else {}
        texts = unplanned_texts(snap, self.proposal) if self.proposal is not None else dict(snap.excluded_text)
        out = {}
        for r in self.requests:
            if r.urgency == "emergency" and r.visit not in where and r.status == "open":
                out[r.visit] = texts.get(r.visit, self.kept_reasons.get(r.visit, "not planned yet (p plans, r re-plans from now)"))
        return out

    def _show_requests(self, rows: list[RequestRow]) -> None:
        """Unplanned emergencies first (red, with why), then most urgent first; plan column from the shown plan."""
        table = self.query_one("#request-table", DataTable)
        table.clear()
        now = self.clock()
        cells = self._plan_cells()
        urgent = self._unplanned_emergencies()
        ordered = [r for r in rows if r.visit in urgent] + [r for r in rows if r.visit not in urgent]
        for r in ordered:
            deadline = r.deadline.strftime("%a %H:%M") if r.deadline else ""
            if r.visit in urgent:
                plan_cell = plain(f"UNPLANNED: {urgent[r.visit]}", "bold red")
            else:
                parts = (r.planned or "").split(" ")
                plan_cell = cells.get(r.visit) or plain(f"{parts[0]} {parts[-1]}" if len(parts) == 3 else r.planned or "")
            urgency = Text(URGENCY_SHORT.get(r.urgency, r.urgency), style=URGENCY_STYLE.get(r.urgency, ""))
            if self.narrow:
                table.add_row(time_left(r, now), urgency, r.visit, plain(short_name(clean(r.client), 14)), plan_cell, key=r.visit)
            else:
                label = plain(short_name(clean(r.client), 14) + " " + short_name(clean(r.office), 8))
                table.add_row(time_left(r, now), urgency, r.visit, label, str(r.minutes), deadline, plan_cell, key=r.visit)

    def _status(self) -> None:
        """The status line when nothing runs: what just happened, the shown plan in words, unplanned emergencies."""
        snap = self.snapshot
        if snap is None or self.running:
            return
        plan = self.proposal or snap.committed
        parts = [self.status_note] if self.status_note else []
        urgent = self._unplanned_emergencies()
        if urgent:
            parts.append(f"⚠ {len(urgent)} unplanned emergenc{'y' if len(urgent) == 1 else 'ies'}")
        if self.proposal is not None:
            after = summarize(snap, self.proposal)
            parts.append("Proposal: " + (before_after(self.before, after, self.replan_result) if self.replan_result is not None
                                         else summary_text(after)))
            parts.append("not saved: c commits, d discards")
        elif plan is not None:
            parts.append("Committed: " + summary_text(summarize(snap, plan)))
        else:
            parts.append("Nothing planned for this day yet: p plans it")
        if self.narrow:
            shown = "stops" if self.has_class("pane-stops") else ("unplanned" if self.has_class("pane-unplanned") else "requests")
            parts.append(f"showing {shown} (v switches, ? all keys)")
        text = plain(" · ".join(parts))
        if urgent:
            text.stylize("bold red", len(self.status_note) + (3 if self.status_note else 0),
                         len(self.status_note) + (3 if self.status_note else 0) + len(parts[1 if self.status_note else 0]))
        self.query_one("#progress", Static).update(text)

    def _show(self) -> None:
        snap = self.snapshot
        assert snap is not None
        plan = self.proposal or snap.committed
        state = "proposal (not saved: c commits, d discards)" if self.proposal is not None else (
            "committed plan" if snap.committed is not None else "nothing planned yet (p plans the day)")
        self.query_one("#board-title", Label).update(f"Dispatch board — {snap.date:%a %d %b %Y} — {state}")
        moved = frozenset(m.visit for m in self.replan_result.moves) if self.replan_result is not None else frozenset()
        self.query_one("#timeline", Timeline).rows = timeline_rows(snap, plan, moved)
        self._show_stops(snap, plan)
        self._show_unplanned(snap, plan)
        self._show_requests(self.requests)
        self._status()

    def _show_stops(self, snap: DaySnapshot, plan: Plan | None) -> None:
        table = self.query_one("#proposal", DataTable)
        table.clear()
        if plan is None:
            return
        changes: dict[str, str] = {}
        if self.replan_result is not None:
            for m in self.replan_result.moves:
                after = f"{m.to_concierge} {hhmm(m.new_start)}" if m.new_start is not None and m.to_concierge else "unplanned"
                changes[m.visit] = f"was {m.from_concierge} {hhmm(m.old_start)} → {after}"
            for vid in self.replan_result.inserted:
                changes[vid] = "new"
        pins = pinned_ids(snap)
        for r in plan.routes:
            for s in r.stops:
                v = snap.visits.get(s.visit)
                label = plain(short_name(clean(v.client), 12) + " " + short_name(clean(v.office), 6) if v else s.visit)
                change = plain(changes.get(s.visit, ""), "magenta" if s.visit in changes else "")
                visit = (PIN_MARK if s.visit in pins else "") + s.visit
                table.add_row(plain(r.concierge), hhmm(s.start), hhmm(s.end), visit, label,
                              f"{round(s.travel_seconds / 60)}′", change, key=s.visit)
        title = "Stops — who goes where when" + (f" ({PIN_MARK} pinned)" if pins else "")
        if self.replan_result is not None:
            title += f" ({len(self.replan_result.moves)} moved, changed routes: {', '.join(self.replan_result.changed_routes) or 'none'})"
        if self.warnings:
            title += " ⚠ " + "; ".join(self.warnings)
        self.query_one("#proposal-title", Label).update(plain(title))

    def _show_unplanned(self, snap: DaySnapshot, plan: Plan | None) -> None:
        table = self.query_one("#unplanned", DataTable)
        table.clear()
        if self.proposal is not None:
            rows = list(plan_with_excluded(snap, self.proposal).unplanned)
            texts = unplanned_texts(snap, self.proposal)
        else:  # the committed day: what is still waiting, and what cannot be offered at all
            done = set(plan.assignment()) if plan is not None else set()
            rows = [Unplanned(v.id, Reason(ReasonCode.NOT_SEARCHED)) for v in snap.problem.visits if v.id not in done]
            rows += list(snap.excluded)
            waiting = "not planned yet (p plans the day, r re-plans from now)"
            texts = {u.visit: self.kept_reasons.get(u.visit, waiting) for u in rows} | dict(snap.excluded_text)
        rank = {"emergency": 0}
        rows.sort(key=lambda u: rank.get(snap.visits[u.visit].urgency if u.visit in snap.visits else "", 1))
        for u in rows:
            v = snap.visits.get(u.visit)
            table.add_row(u.visit, Text(v.urgency if v else "", style=URGENCY_STYLE.get(v.urgency if v else "", "")),
                          plain(short_name(clean(v.client), 12) if v else ""), plain(texts.get(u.visit, "")), key=u.visit)
        self.query_one("#unplanned-title", Label).update(f"Unplanned ({len(rows)}) — and why")

    # ---- planning in a worker ------------------------------------------------------------------
    def action_plan_day(self) -> None:
        self._start("plan")

    def action_replan(self) -> None:
        self._start("replan")

    def _start(self, mode: str) -> None:
        if self.running:
            self.notify("A plan is already running (x cancels it).", severity="warning")
            return
        assert self.snapshot is not None
        self.running = True
        self.mode = mode
        self.started = time.monotonic()
        self.last_better = self.started
        self.best = None
        self.status_note = ""
        self._stop = threading.Event()
        self._show_progress()
        # pins set on the board live in the snapshot until commit: plan from it, not from a re-read
        self.run_planner(self.snapshot, mode, self.clock(), self._stop)

    @work(thread=True, exclusive=True, exit_on_error=False, group="solver")
    def run_planner(self, snapshot: DaySnapshot, mode: str, now: dt.datetime, stop: threading.Event) -> None:
        """Runs in a thread; the search itself runs in a child process (see `tui.workers_solve`)."""
        worker = get_current_worker()

        def should_stop() -> bool:
            return stop.is_set() or worker.is_cancelled

        def progress(p: Progress) -> None:
            self.post_message(SolveProgress(p.best_cost, p.elapsed, p.planned, p.plan, p.stage))

        try:
            if mode == "replan":
                result = self.planner.replan(snapshot, now, should_stop=should_stop, on_progress=progress)
                self.post_message(SolveFinished(result.plan, snapshot, result))
            else:
                plan = self.planner.plan(snapshot, should_stop=should_stop, on_progress=progress)
                self.post_message(SolveFinished(plan, snapshot))
        except Exception as exc:  # reported as a sentence by the handler
            self.post_message(SolveFailed(exc))

    def action_cancel_plan(self) -> None:
        if not self.running:
            return
        self._stop.set()
        self.query_one("#progress", Static).update("Cancelling… the best plan so far will be shown")

    def action_search_time(self) -> None:
        """Cycle the search time of the real planner (10, 30, 60, 120 s)."""
        if self.running:
            self.notify("Change the search time before planning (x cancels the running plan).", severity="warning")
            return
        planner = self.planner
        if not isinstance(planner, RealPlanner):
            return
        now = planner.params.time_limit
        nxt = next((s for s in SEARCH_SECONDS if s > now), SEARCH_SECONDS[0])
        self.planner = planner.with_seconds(nxt)
        self.query_one("#progress", Static).update(f"Plan day searches for {nxt:.0f} s (s changes it; x cancels and keeps the best plan so far).")

    def _tick(self) -> None:
        if self.running:
            self._show_progress()

    def _show_progress(self) -> None:
        now = time.monotonic()
        best = self.best
        params = getattr(self.planner, "params", None)
        limit = getattr(params, "time_limit", None)
        whole_day = self.mode == "plan" and self.snapshot is not None  # a re-plan's progress covers the open part only
        summary = summarize(self.snapshot, best.plan) if whole_day and best is not None and best.plan is not None else None  # type: ignore[arg-type]
        if best is not None and best.stage:  # compiling before the search: no clock against the limit yet
            text = f"Planning {self.day:%a %d %b}… {now - self.started:4.1f} s · {best.stage}  (x cancels)"
            self.query_one("#progress", Static).update(plain(text))
            return
        since = now - self.last_better if best is not None else None
        text = progress_text(self.day, now - self.started, float(limit) if isinstance(limit, float | int) else None, summary, since)
        if best is not None and summary is None:
            text = text.replace("  (x cancels", f" · {best.planned} visits planned so far  (x cancels")
        self.query_one("#progress", Static).update(plain(text))

    @on(SolveProgress)
    def solve_progress(self, message: SolveProgress) -> None:
        self.best = message
        self.last_better = time.monotonic()
        self._show_progress()

    @on(SolveFinished)
    def solve_finished(self, message: SolveFinished) -> None:
        self.running = False
        committed = message.snapshot.committed
        self.before = summarize(message.snapshot, committed) if committed is not None else None
        self.snapshot = message.snapshot
        self.proposal = message.plan
        self.replan_result = message.replan
        self.warnings = ()
        status = "cancelled — best plan so far" if message.plan.status is PlanStatus.CANCELLED else f"{message.plan.solve_seconds:.1f} s"
        self.status_note = f"Planned ({status})"
        self._show()

    @on(SolveFailed)
    def solve_failed(self, message: SolveFailed) -> None:
        self.running = False
        error = message.error
        text = str(error) if isinstance(error, DataError | DispatchError) else f"planning failed: {type(error).__name__}: {error}"
        self.query_one("#progress", Static).update(plain(text))
        self.notify(text, severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "solver" and event.state is WorkerState.ERROR and self.running and event.worker.error is not None:
            self.post_message(SolveFailed(event.worker.error))

    # ---- editing the proposal ------------------------------------------------------------------
    def _selected_visit(self) -> str | None:
        for table_id in ("#proposal", "#unplanned", "#request-table"):
            table = self.query_one(table_id, DataTable)
            if table.has_focus and table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                return str(key) if key is not None else None
        table = self.query_one("#proposal", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            return str(key) if key is not None else None
        return None

    def _concierges(self) -> list[tuple[str, str]]:
        assert self.snapshot is not None
        return [(c.id, self.snapshot.concierges[c.id].name) for c in self.snapshot.problem.concierges]

    def action_pin(self) -> None:
        visit = self._selected_visit()
        snap = self.snapshot
        if visit is None or snap is None or visit not in {v.id for v in snap.problem.visits}:
            self.notify("Select a visit of this day first.", severity="warning")
            return
        pin = snap.problem.visit(visit).pinned
        current = (pin.concierge, pin.start) if pin else (None, None)

        def done(result: tuple[str | None, int | None] | None) -> None:
            if result is None or self.snapshot is None:
                return
            try:
                self.snapshot = self.snapshot.with_pin(visit, *result)
            except DataError as exc:
                self.notify(str(exc), severity="error")
                return
            what = " ".join(x for x in (result[0], f"{result[1] // 60:02d}:{result[1] % 60:02d}" if result[1] is not None else None) if x)
            if self._pin_at_once(visit, *result):
                self.notify(f"{visit} pinned to {what}: placed in the proposal by insertion (c commits, p re-plans around it).")
            else:
                self.notify(f"{visit} pinned to {what or 'nothing'}; press p to re-plan (the pin holds).")
            self._show()

        self.app.push_screen(PinDialog(self._facts(visit), self._concierges(), current), done)

    def _pin_at_once(self, visit: str, concierge: str | None, minute: int | None) -> bool:
        """Show the pin's effect now by insertion (`data.planning.pins`); False: the next plan honours it."""
        snap = self.snapshot
        if snap is None:
            return False
        placed = pin_at_once(snap, self.proposal or snap.committed, visit, concierge, minute, self.clock())
        if placed is None:
            return False
        self.proposal, self.replan_result = placed.plan, placed
        return True

    def _facts(self, visit: str) -> VisitFacts:
        assert self.snapshot is not None
        return visit_facts(self.snapshot, self.proposal or self.snapshot.committed, visit)

    def action_move(self) -> None:
        visit = self._selected_visit()
        if visit is None or self.snapshot is None:
            self.notify("Select a visit first.", severity="warning")
            return
        plan = self.proposal or self.snapshot.committed
        if plan is None:
            self.notify("Plan the day first (p).", severity="warning")
            return
        current = next((r.concierge for r in plan.routes if any(s.visit == visit for s in r.stops)), None)

        def done(result: tuple[str, int | None] | None) -> None:
            if result is None or self.snapshot is None:
                return
            try:
                moved = move_visit(self.snapshot, plan, visit, result[0], result[1])
            except (DataError, DispatchError) as exc:
                self.notify(str(exc), severity="error")
                return
            self.proposal = moved.plan
            self.warnings = moved.warnings
            self._show()

        snap = self.snapshot

        def preview(concierge: str, position: int | None) -> str:
            try:
                moved = move_visit(snap, plan, visit, concierge, position)
            except (DataError, DispatchError) as exc:
                return f"cannot: {exc}"
            route = next((r for r in moved.plan.routes if r.concierge == concierge), None)
            stops = [f"{'▶' if st.visit == visit else ''}{st.visit} {hhmm(st.start)}" for st in (route.stops if route else ())]
            return "new times: " + ", ".join(stops) + (" ⚠ " + "; ".join(moved.warnings) if moved.warnings else "")

        self.app.push_screen(MoveDialog(self._facts(visit), self._concierges(), current, preview), done)

    def action_discard(self) -> None:
        """Throw the proposal away (its pins and hand moves too) after a question; Cancel is focused."""
        if self.proposal is None:
            self.notify("No proposal to discard.", severity="warning")
            return
        pins = len(pinned_ids(self.snapshot)) if self.snapshot is not None else 0
        detail = "Pins set on the board and hand moves are lost too." if pins or self.warnings else ""

        def done(yes: bool | None) -> None:
            if yes:
                self.discard_now()

        self.app.push_screen(ConfirmDialog(f"Discard this proposal for {self.day:%a %d %b}? Nothing of it is saved.",
                                           yes="Discard", detail=detail), done)

    def discard_now(self) -> None:
        self.reload()
        self.status_note = "Proposal discarded; nothing was written"
        self._status()

    def ask_before_quit(self, leave: Callable[[], object]) -> bool:
        """Ctrl+Q with a proposal not saved: ask (True: the question is shown), else False."""
        if self.proposal is None:
            return False

        def done(yes: bool | None) -> None:
            if yes:
                leave()

        self.app.push_screen(ConfirmDialog(f"Quit without saving the proposal for {self.day:%a %d %b}?", yes="Quit",
                                           detail="c on the board commits it."), done)
        return True

    def action_commit(self) -> None:
        if self.proposal is None or self.snapshot is None:
            self.notify("Nothing to commit: plan the day first (p).", severity="warning")
            return
        if self.running:
            self.notify("Wait for the plan to finish or cancel it (x).", severity="warning")
            return
        n = self.proposal.planned

        def done(yes: bool | None) -> None:
            if yes:
                self.commit_now()

        self.app.push_screen(ConfirmDialog(f"Save this plan for {self.day:%a %d %b} ({n} visits)?", yes="Commit"), done)

    def commit_now(self) -> None:
        assert self.proposal is not None and self.snapshot is not None
        try:
            with self.database.transaction() as session:
                result = commit_plan(session, self.snapshot, self.proposal)
        except ConflictError as exc:
            self.notify(f"Not saved: {exc}. The board was reloaded.", severity="error", timeout=10)
            self.reload()
            return
        except DataError as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)
            return
        self.notify(f"Plan saved: {result.created} new, {result.updated} updated, {result.removed} removed visits.")
        # what stayed out keeps the optimizer's reason on the committed board (until the day changes)
        self.kept_reasons = {k: f"left out: {t}" for k, t in unplanned_texts(self.snapshot, self.proposal).items()}
        self.reload()
        self.status_note = f"Committed {self.day:%a %d %b} ({result.created} new, {result.updated} updated, {result.removed} removed)"
        self._status()

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
