"""Test doubles for the dispatch screens: a host app, a fixed clock and a planner that reports on cue."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen

from data.db import Database, make_engine, make_session_factory
from data.planning import DaySnapshot, replan_from_now, route_times
from dispatch.explain import cheap_reason
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Unplanned
from dispatch.problem import VisitStatus
from dispatch.solve import Progress, SolveParams


class Host(App[None]):
    """Pushes one screen built from the host (stand-in for the app shell of issue 7)."""

    def __init__(self, build: Callable[[Host], Screen[Any]]) -> None:
        super().__init__()
        self.build = build

    def on_mount(self) -> None:
        self.push_screen(self.build(self))


def greedy_plan(snapshot: DaySnapshot, status: PlanStatus = PlanStatus.FEASIBLE) -> Plan:
    """A deterministic stand-in for the optimizer: pins first, then urgency; pinned/dedicated/first able
    concierge; stops ordered by pinned start or window; over max_visits → unplanned."""
    problem = snapshot.problem
    order = {"emergency": 0, "high": 1, "normal": 2, "low": 3}
    routes: dict[str, list[str]] = {c.id: [] for c in problem.concierges}
    unplanned: list[Unplanned] = []
    for v in sorted(problem.visits, key=lambda v: (v.pinned is None, order[v.urgency.value], v.id)):
        able = [c for c in problem.concierges if v.skills <= c.skills]
        if v.pinned is not None and v.pinned.concierge:
            pinned_to = problem.concierges[problem.concierge_index(v.pinned.concierge)]
            able = [c for c in able if c.id == pinned_to.id] if v.status is VisitStatus.OPEN else [pinned_to]
        elif v.dedicated is not None:
            able = sorted(able, key=lambda c: c.id != v.dedicated)
        target = next((c for c in able if c.max_visits is None or len(routes[c.id]) < c.max_visits), None)
        if target is None:
            unplanned.append(Unplanned(v.id, cheap_reason(problem, v) or Reason(ReasonCode.FULL, {"displace": []})))
        else:
            routes[target.id].append(v.id)

    def when(vid: str) -> int:
        v = problem.visit(vid)
        if v.pinned is not None and v.pinned.start is not None:
            return v.pinned.start
        return v.windows[0].start if v.windows else 0

    out = []
    for cid, ids in routes.items():
        route, _ = route_times(problem, cid, sorted(ids, key=lambda i: (when(i), order[problem.visit(i).urgency.value], i)))
        out.append(route)
    return Plan(status, tuple(out), tuple(unplanned), {"total": 0}, 0.01)


class FakePlanner:
    """Reports progress at once, then waits for `cue` (set by default) or a cancel; returns `greedy_plan`."""

    def __init__(self, *, wait: bool = False, first: Progress | None = None) -> None:
        self.first = first
        """The first progress reported (default: a first plan, handed over as the real planner does)."""
        self.cue = threading.Event()
        self.started = threading.Event()
        self.calls: list[str] = []
        if not wait:
            self.cue.set()

    def plan(self, snapshot: DaySnapshot, *, should_stop: Callable[[], bool], on_progress: Callable[[Progress], None]) -> Plan:
        self.calls.append("plan")
        self.started.set()
        on_progress(self.first if self.first is not None else Progress(123_456, 0.2, 1, plan=greedy_plan(snapshot)))
        while not self.cue.is_set():
            if should_stop():
                return greedy_plan(snapshot, PlanStatus.CANCELLED)
            time.sleep(0.01)
        return greedy_plan(snapshot)

    def replan(self, snapshot: DaySnapshot, now: dt.datetime, *, should_stop: Callable[[], bool], on_progress: Callable[[Progress], None]) -> Any:
        self.calls.append("replan")
        params = SolveParams(time_limit=2.0, solution_limit=30, workers=1, explain=False, metaheuristic="GREEDY_DESCENT",
                             first_solution="LOCAL_CHEAPEST_INSERTION")
        return replan_from_now(snapshot, now, params=params, should_stop=should_stop, on_progress=on_progress)


@pytest.fixture(name="sqlite_database")
def sqlite_database_fixture(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """The screens' tests run on SQLite only (the data functions they call are tested on both backends)."""
    path = tmp_path / "tui.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield Database(url=url, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()
