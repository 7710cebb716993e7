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

from rich.cells import set_cell_size
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
    all_unplanned,
    commit_plan,
    is_planned_day,
    load_day,
    move_visit,
    open_requests,
    plan_with_excluded,
    unplanned_texts,
)
from dispatch.errors import DispatchError
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Unplanned
from dispatch.replan import Replan
from dispatch.solve import Progress
from tui.context import AppContext
from tui.screens.board_dialogs import DateDialog, MoveDialog, PinDialog
from tui.screens.request_form import RequestFormScreen
from tui.text import clean, plain
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.timeline import Block, Timeline, TimelineRow
from tui.workers_solve import SEARCH_SECONDS, Planner, RealPlanner, SolveFailed, SolveFinished, SolveProgress

URGENCY_STYLE = {"emergency": "bold red", "high": "dark_orange", "normal": "", "low": "grey50"}


def hhmm(seconds: int) -> str:
    m = seconds // 60
    return f"{m // 60:02d}:{m % 60:02d}"


def sla_text(row: RequestRow) -> Text:
    """Time left before the 24 h aim; overdue in red."""
    minutes = int(row.aim_left.total_seconds() // 60)
    if minutes < 0:
        return Text(f"late {(-minutes) // 60}h{(-minutes) % 60:02d}", style="bold red")
    style = "dark_orange" if minutes < 4 * 60 else "green"
    return Text(f"{minutes // 60}h{minutes % 60:02d}", style=style)


def timeline_rows(snapshot: DaySnapshot, plan: Plan | None, moved: frozenset[str] = frozenset()) -> tuple[TimelineRow, ...]:
    """One row per working concierge from a plan (proposal or committed)."""
    routes = {r.concierge: r for r in plan.routes} if plan is not None else {}
    fixed = {v.id: v.status.value for v in snapshot.problem.visits if v.status.value != "open"}
    rows = []
    for c in snapshot.problem.concierges:
        info = snapshot.concierges[c.id]
        blocks: list[Block] = []
        r = routes.get(c.id)
        if r is not None:
            for s in r.stops:
                if s.travel_seconds:
                    blocks.append(Block("travel", (s.arrival - s.travel_seconds) // 60, s.arrival // 60))
                v = snapshot.visits.get(s.visit)
                style = fixed.get(s.visit) or ("moved" if s.visit in moved else (v.urgency if v else "normal"))
                blocks.append(Block("visit", s.start // 60, s.end // 60, s.visit, style))
            if r.break_start is not None and r.break_end is not None:
                blocks.append(Block("break", r.break_start // 60, r.break_end // 60))
        busy = sum(b.end - b.start for b in blocks if b.kind == "visit")
        free = max(0, c.shift_end - c.shift_start - busy - sum(b.end - b.start for b in blocks if b.kind != "visit"))
        rows.append(TimelineRow(f"{c.id} {info.name}", tuple(blocks), f"free {free // 60}h{free % 60:02d}"))
    return tuple(rows)


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
    BoardScreen #progress { height: 1; background: $boost; padding: 0 1; }
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
        self.query_one("#request-table", DataTable).add_columns("24h aim", "urgency", "req", "client / office", "min", "due", "plan")
        self.query_one("#proposal", DataTable).add_columns("who", "start", "end", "visit", "client / office", "trv", "change")
        self.query_one("#unplanned", DataTable).add_columns("visit", "urgency", "client", "why")
        self.set_interval(0.5, self._tick)
        self.day = self._initial_day

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
        with self.database.sessions() as session:
            self.snapshot = load_day(session, self.day)
            requests = open_requests(session, self.clock())
        self._show_requests(requests)
        self._show()

    def _show_requests(self, rows: list[RequestRow]) -> None:
        table = self.query_one("#request-table", DataTable)
        table.clear()
        for r in rows:
            deadline = r.deadline.strftime("%a %H:%M") if r.deadline else ""
            label = plain(set_cell_size(clean(f"{r.client} {r.office}"), 16).rstrip())
            table.add_row(
                sla_text(r), Text(r.urgency, style=URGENCY_STYLE.get(r.urgency, "")), r.visit,
                label, str(r.minutes), deadline, plain((r.planned or "").split(" ")[0]), key=r.visit,
            )

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
        for r in plan.routes:
            for s in r.stops:
                v = snap.visits.get(s.visit)
                label = plain(set_cell_size(clean(f"{v.client} {v.office}"), 16).rstrip() if v else s.visit)
                change = plain(changes.get(s.visit, ""), "magenta" if s.visit in changes else "")
                table.add_row(plain(r.concierge), hhmm(s.start), hhmm(s.end), s.visit, label,
                              f"{round(s.travel_seconds / 60)}′", change, key=s.visit)
        title = "Stops — who goes where when"
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
        for u in rows:
            v = snap.visits.get(u.visit)
            table.add_row(u.visit, Text(v.urgency if v else "", style=URGENCY_STYLE.get(v.urgency if v else "", "")),
                          plain(v.client if v else ""), plain(texts.get(u.visit, "")), key=u.visit)
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
        self.started = time.monotonic()
        self.best = None
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
            self.post_message(SolveProgress(p.best_cost, p.elapsed, p.planned, p.stage))

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
        elapsed = time.monotonic() - self.started
        best = self.best
        text = f"Planning {self.day:%a %d %b}… {elapsed:4.1f} s"
        params = getattr(self.planner, "params", None)
        limit = getattr(params, "time_limit", None)
        if isinstance(limit, float | int) and elapsed > limit + 1:
            text += " (search done: explaining what stays unplanned)"
        elif isinstance(limit, float | int):
            text += f" of {limit:.0f} s"
        if best is not None and best.stage:
            text += f" · {best.stage}"
        elif best is not None:
            text += f" · best cost {best.best_cost:,} · {best.planned} visits planned"
        self.query_one("#progress", Static).update(text + "  (x cancels)")

    @on(SolveProgress)
    def solve_progress(self, message: SolveProgress) -> None:
        self.best = message
        self._show_progress()

    @on(SolveFinished)
    def solve_finished(self, message: SolveFinished) -> None:
        self.running = False
        self.snapshot = message.snapshot
        self.proposal = message.plan
        self.replan_result = message.replan
        self.warnings = ()
        status = "cancelled — best plan so far" if message.plan.status is PlanStatus.CANCELLED else message.plan.status.value
        self.query_one("#progress", Static).update(
            f"Proposal ({status}): {message.plan.planned} planned, {len(all_unplanned(message.snapshot, message.plan))} unplanned, "
            f"{message.plan.solve_seconds:.1f} s. Nothing is saved until you commit (c).")
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
            self.notify(f"{visit} pinned to {what or 'nothing'}; press p to re-plan (the pin holds).")

        self.app.push_screen(PinDialog(visit, self._concierges(), current), done)

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

        self.app.push_screen(MoveDialog(visit, self._concierges(), current), done)

    def action_discard(self) -> None:
        if self.proposal is not None:
            self.reload()
            self.notify("Proposal discarded; nothing was written.")

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
        def saved(result: tuple[int, str] | None) -> None:
            if result is None:
                return
            request_id, urgency = result
            self.notify(f"Request R{request_id} saved.")
            self.reload()
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

        self.app.push_screen(RequestFormScreen(self.ctx), saved)
