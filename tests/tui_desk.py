"""Helpers for the app-shell tests: the demo business on SQLite as of a fixed day, and pilot helpers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from data.db import Database, make_engine, make_session_factory, upgrade
from data.demo import generate_demo
from tui.app import ConciergeApp, make_app
from tui.context import AppContext, Role

NOW = dt.datetime(2026, 11, 25, 10, 0)
"""The fixed wall clock of the shell tests (a Wednesday)."""


async def wait_until(pilot: Pilot[None], ready: Callable[[], bool], *, timeout: float = 15.0) -> bool:
    """Pause until `ready()` holds (True) or `timeout` seconds passed (False); for work that starts on a timer."""
    waited = 0.0
    while not ready():
        if waited >= timeout:
            return False
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return True


def fees_priced(app: App[None]) -> bool:
    """True unless the screen is the client list still waiting for the fees of its seat-plan rows."""
    from tui.screens.clients import ClientsScreen

    screen = app.screen
    if not isinstance(screen, ClientsScreen) or not screen.shows_fees:
        return True
    return all(r.id in screen.fees for r in screen.rows if r.plan == "concierge_seats")


def build_demo_file(path: Path) -> Path:
    """A migrated SQLite file holding the seed-7 demo business as of NOW."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    database = Database(url=f"sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))
    with database.transaction() as session:
        generate_demo(session, seed=7, today=NOW.date())
    engine.dispose()
    return path


def open_copy(template: Path, target: Path) -> Database:
    shutil.copyfile(template, target)
    engine = make_engine(f"sqlite:///{target}")
    return Database(url=f"sqlite:///{target}", engine=engine, sessions=make_session_factory(engine))


def desk(database: Database, role: str = "admin", *, pick_role: bool = False) -> ConciergeApp:
    return make_app(AppContext(database, Role.parse(role), clock=lambda: NOW), pick_role=pick_role)


async def settle(pilot: Pilot[None], *, delay: float = 0.0) -> None:
    """Let timers fire, workers finish and their messages land."""
    await pilot.pause(delay)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture(scope="session", name="demo_template")
def demo_template_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo business built once per test session; each test gets a copy."""
    return build_demo_file(tmp_path_factory.mktemp("desk") / "demo.sqlite3")


@pytest.fixture(name="demo_db")
def demo_db_fixture(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the demo database for one test."""
    database = open_copy(demo_template, tmp_path / "demo.sqlite3")
    yield database
    database.engine.dispose()
