"""What runs inside the planner's child process (see `tui.workers_solve`).

Kept apart from the UI so the child imports only this module and `dispatch` (no Textual, no
SQLAlchemy): a `spawn` child starts faster that way. Functions are looked up by name when the child
unpickles them, so they live at module level.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from dispatch.errors import DispatchError
from dispatch.plan import Plan
from dispatch.replan import Replan, replan
from dispatch.solve import Progress, SolveParams, solve

StopFn = Callable[[], bool]
ProgressFn = Callable[[Progress], None]


def child_main(target: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], stop: Any, conn: Any, parent: int) -> None:
    """Run `target(*args, should_stop=..., on_progress=..., **kwargs)` and send its progress and result."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()  # its own process group: the portfolio's worker processes can be ended with it

    def should_stop() -> bool:
        return bool(stop.is_set()) or os.getppid() != parent

    def progress(p: Progress) -> None:
        conn.send(("progress", p))

    try:
        result = target(*args, should_stop=should_stop, on_progress=progress, **kwargs)
        conn.send(("done", result))
    except BaseException as exc:  # the parent turns it into SolveFailed
        error = exc if isinstance(exc, DispatchError) else RuntimeError(f"{type(exc).__name__}: {exc}")
        try:
            conn.send(("error", error))
        except Exception:
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def solve_target(problem: Any, params: SolveParams, *, should_stop: StopFn, on_progress: ProgressFn) -> Plan:
    return solve(problem, params, should_stop=should_stop, on_progress=on_progress)


def replan_target(problem: Any, committed: Plan, minute: int, params: SolveParams, *, should_stop: StopFn, on_progress: ProgressFn) -> Replan:
    return replan(problem, committed, minute, params=params, should_stop=should_stop, on_progress=on_progress)
