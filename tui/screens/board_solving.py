"""Planning on the board: the search runs in a worker (the solver in a child process), reports progress in
the dispatcher's words, can be cancelled (the best plan so far is kept) and ends in a proposal."""

from __future__ import annotations

import datetime as dt
import threading
import time

from textual import on, work
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from data.errors import DataError
from data.planning import DaySnapshot
from data.planning.summary import summarize
from dispatch.errors import DispatchError
from dispatch.plan import PlanStatus
from dispatch.solve import Progress
from tui.screens.board_base import BoardBase
from tui.screens.board_words import progress_text
from tui.text import plain
from tui.workers_solve import SEARCH_SECONDS, RealPlanner, SolveFailed, SolveFinished, SolveProgress


class BoardSolving(BoardBase):
    """p plans the day, r re-plans from now, x cancels, s changes the search time."""

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

