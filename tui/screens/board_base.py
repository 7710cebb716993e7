"""The board's state and what its parts call on each other (tui/screens/board.py puts the parts together).

`BoardBase` holds what the dispatcher has on screen — the day's snapshot, the proposal, the re-plan's moves,
the running search — so the parts (`board_display`, `board_solving`, `board_editing`) each read as one
responsibility over the same state.
"""

from __future__ import annotations

import datetime as dt
import threading

from textual.reactive import reactive
from textual.screen import Screen

from data.planning import DaySnapshot, RequestRow
from data.planning.summary import PlanSummary
from dispatch.plan import Plan
from dispatch.replan import Replan
from tui.context import AppContext
from tui.workers_solve import Planner, RealPlanner, SolveProgress


class BoardBase(Screen[None]):
    """The dispatch board's state (no widgets, no keys)."""

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

    # ---- provided by the parts (tui/screens/board_display.py, board.py) ------------------------
    def reload(self) -> None:
        """Read the chosen day and the request list again; drops any proposal."""
        raise NotImplementedError

    def _show(self) -> None:
        """Show the snapshot and the shown plan everywhere (title, timeline, stops, unplanned, requests, status)."""
        raise NotImplementedError

    def _status(self) -> None:
        """The status line when nothing runs."""
        raise NotImplementedError
