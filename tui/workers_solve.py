"""Planning off the UI: the solve runs in a child process, a thread worker of the board relays it.

OR-Tools holds the GIL while it searches, so a solve in a thread of the app would freeze the screen.
`RealPlanner` therefore starts the search in a child process (`spawn` context: safe from a process that
already runs threads) and waits for it in the calling thread, which the board runs as
`@work(thread=True, exclusive=True, exit_on_error=False, group="solver")`:

- progress (best cost, elapsed, visits planned) and the result come back over a one-way pipe;
- cancelling sets a shared stop event: the search ends at its next solution and sends the best plan
  found so far (status `cancelled`). If it does not answer within `CANCEL_GRACE_SECONDS` the child is
  terminated with its process group (the search's own worker processes) and an empty cancelled plan
  is returned (the board then says nothing was found);
- the child also stops by itself when its parent process disappears.

The board's worker reports only through messages: `SolveProgress` (collapsible), `SolveFinished`,
`SolveFailed`. Tests pass a fake planner that reports on cue instead of `RealPlanner`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from textual.message import Message

from data.planning import DaySnapshot, minutes_of
from dispatch.errors import DispatchError
from dispatch.plan import Plan, PlanStatus, empty_plan
from dispatch.replan import REPLAN_PARAMS, Replan
from dispatch.solve import Progress, SolveParams
from tui.solve_child import child_main, replan_target, solve_target

StopFn = Callable[[], bool]
ProgressFn = Callable[[Progress], None]

#: What the board searches for by default: both cores, half a minute (the board's `s` key changes it).
BOARD_SECONDS = 30.0
#: Search times the board's `s` key cycles through.
SEARCH_SECONDS = (10.0, 30.0, 60.0, 120.0)
#: How long a cancelled search may take to hand back its best plan before the child is terminated.
CANCEL_GRACE_SECONDS = 8.0
#: Time the child may take beyond the search limit (start-up, explanations of unplanned visits).
START_GRACE_SECONDS = 30.0
#: How often the waiting thread looks at the pipe and the cancel flag.
POLL_SECONDS = 0.05


def board_params(seconds: float = BOARD_SECONDS) -> SolveParams:
    """The board's search: a portfolio on both cores for `seconds`."""
    return SolveParams(time_limit=seconds, workers=2)


class Planner(Protocol):
    """What the board needs from the optimizer."""

    def plan(self, snapshot: DaySnapshot, *, should_stop: StopFn, on_progress: ProgressFn) -> Plan: ...

    def replan(self, snapshot: DaySnapshot, now: dt.datetime, *, should_stop: StopFn, on_progress: ProgressFn) -> Replan: ...


# --------------------------------------------------------------------------------------------------
# The child process


_TRACKER_LOCK = threading.Lock()


def _ensure_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with the real stderr.

    Textual replaces `sys.stderr` by a capture whose `fileno()` is -1; the tracker started under it fails
    with "bad value(s) in fds_to_keep". Starting it once with the process's own stderr avoids that."""
    from multiprocessing import resource_tracker

    with _TRACKER_LOCK:
        shown = sys.stderr
        real = sys.__stderr__
        try:
            if real is not None:
                sys.stderr = real
            resource_tracker.ensure_running()
        finally:
            sys.stderr = shown


def _end_group(pgid: int, sig: int) -> None:
    """Signal the child's process group (POSIX); nothing when it is already gone."""
    if not hasattr(os, "killpg"):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


@dataclass
class ChildSolve:
    """One search in a child process, waited for by the calling thread."""

    target: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    time_limit: float = BOARD_SECONDS
    start_method: str = "spawn"

    def run(self, should_stop: StopFn, on_progress: ProgressFn, on_cancel: Callable[[], Any]) -> Any:
        """Wait for the result; `on_cancel()` gives the value to return when the child had to be killed."""
        _ensure_resource_tracker()
        ctx: Any = multiprocessing.get_context(self.start_method)
        stop = ctx.Event()
        receive, send = ctx.Pipe(duplex=False)
        # not a daemon: the search itself may start a portfolio of worker processes
        proc = ctx.Process(target=child_main, args=(self.target, self.args, self.kwargs, stop, send, os.getpid()), daemon=False)
        proc.start()
        send.close()
        t0 = time.monotonic()
        deadline = t0 + self.time_limit + START_GRACE_SECONDS
        cancelled_at: float | None = None
        try:
            while True:
                if cancelled_at is None and should_stop():
                    stop.set()
                    cancelled_at = time.monotonic()
                    deadline = min(deadline, cancelled_at + CANCEL_GRACE_SECONDS)
                if receive.poll(POLL_SECONDS):
                    try:
                        kind, payload = receive.recv()
                    except EOFError:
                        if cancelled_at is not None:
                            return on_cancel()
                        raise DispatchError("the planner stopped unexpectedly (its process ended without a result)") from None
                    if kind == "progress":
                        on_progress(payload)
                    elif kind == "done":
                        return payload
                    else:
                        raise payload
                elif not proc.is_alive() and not receive.poll(0):
                    if cancelled_at is not None:
                        return on_cancel()
                    raise DispatchError(f"the planner stopped unexpectedly (exit code {proc.exitcode})")
                if time.monotonic() > deadline:
                    if cancelled_at is not None:
                        return on_cancel()
                    raise DispatchError(f"the planner did not finish within {self.time_limit + START_GRACE_SECONDS:.0f} s")
        finally:
            stop.set()
            proc.join(timeout=2.0)
            if proc.is_alive():
                _end_group(proc.pid, signal.SIGTERM)
                proc.terminate()
                proc.join(timeout=2.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
            _end_group(proc.pid, signal.SIGKILL)  # worker processes left behind by a killed search
            receive.close()


# --------------------------------------------------------------------------------------------------
# The planners


@dataclass(frozen=True)
class RealPlanner:
    """`dispatch.solve` / `dispatch.replan` in a child process with the given search parameters."""

    params: SolveParams = field(default_factory=board_params)
    replan_params: SolveParams = REPLAN_PARAMS

    def with_seconds(self, seconds: float) -> RealPlanner:
        from dataclasses import replace

        return replace(self, params=replace(self.params, time_limit=seconds))

    def plan(self, snapshot: DaySnapshot, *, should_stop: StopFn, on_progress: ProgressFn) -> Plan:
        problem = snapshot.problem
        job = ChildSolve(solve_target, (problem, self.params), time_limit=self.params.time_limit)
        return job.run(should_stop, on_progress, lambda: empty_plan(problem, PlanStatus.CANCELLED, 0.0))  # type: ignore[no-any-return]

    def replan(self, snapshot: DaySnapshot, now: dt.datetime, *, should_stop: StopFn, on_progress: ProgressFn) -> Replan:
        committed = snapshot.committed or Plan(PlanStatus.FEASIBLE, (), (), {"total": 0}, 0.0)
        minute = max(0, minutes_of(snapshot.date, now))
        job = ChildSolve(replan_target, (snapshot.problem, committed, minute, self.replan_params), time_limit=self.replan_params.time_limit)

        def cancelled() -> Replan:
            raise DispatchError("the re-plan was cancelled before it found a plan; the committed plan is unchanged")

        return job.run(should_stop, on_progress, cancelled)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------
# Messages


class SolveProgress(Message):
    """A better plan was found: cost, seconds elapsed, visits planned, the plan (or, with a `stage`, a slow
    step before the first plan). A burst collapses to the latest."""

    def __init__(self, best_cost: int, elapsed: float, planned: int, plan: Plan | None = None, stage: str = "") -> None:
        super().__init__()
        self.best_cost = best_cost
        self.elapsed = elapsed
        self.planned = planned
        self.plan = plan
        """The best plan so far (for the board's words), when the search handed it over."""
        self.stage = stage

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SolveProgress)


class SolveFinished(Message):
    """The solve ended (also when cancelled: `plan` is then the best found so far). `replan` is the
    `dispatch.replan.Replan` for a re-plan from now (moves, inserted), else None."""

    def __init__(self, plan: Plan, snapshot: DaySnapshot, replan: Replan | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.snapshot = snapshot
        self.replan = replan


class SolveFailed(Message):
    """The solve raised; `error` is shown as a sentence."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
