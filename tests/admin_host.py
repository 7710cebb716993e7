"""A stand-in shell for the admin screens' tests: the demo business, a fixed clock, one pushed screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled

from data.db import Database
from data.demo import generate_demo
from tui.context import AppContext, Role

NOW = dt.datetime(2026, 11, 25, 10, 0)
"""The fixed wall clock of the admin tests (a Wednesday)."""


def demo_context(database: Database, *, demo: bool = True) -> AppContext:
    """An admin's context on `database`, filled with the seed-7 demo business as of NOW."""
    if demo:
        with database.transaction() as session:
            generate_demo(session, seed=7, today=NOW.date())
    return AppContext(db=database, role=Role("admin"), clock=lambda: NOW)


class AdminHost(App[None]):
    """Pushes the screen built by `build` on mount (the real shell does this through navigation)."""

    def __init__(self, build: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.build = build

    def on_mount(self) -> None:
        self.push_screen(self.build())


async def settle(pilot: Pilot[Any], *, limit: float = 10.0) -> None:
    """Wait until loading workers are done and, on the quote screen, the last keystroke is priced and shown."""
    waited = 0.0
    while True:
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker was replaced by a newer one: wait for that instead
            if waited >= limit:
                raise
            await pilot.pause(0.05)
            waited += 0.05
            continue
        await pilot.pause()
        for box in pilot.app.screen.query(Input):  # lists open with a focused filter: no random blink phase
            box.cursor_blink = False
        if not getattr(pilot.app.screen, "pricing_pending", False) or waited >= limit:
            for _ in range(40):  # rows a worker handed over resize auto-width columns when the table is idle
                if not any(t._require_update_dimensions or t._updated_cells for t in pilot.app.screen.query(DataTable)):
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            return
        await pilot.pause(0.05)
        waited += 0.05


async def until(pilot: Pilot[Any], ready: Callable[[], bool], *, limit: float = 10.0) -> None:
    """Pause until `ready()` holds or `limit` seconds passed (screens and validation land a few frames late
    on a loaded machine); the test's own assert follows."""
    waited = 0.0
    while not ready() and waited < limit:
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause()
