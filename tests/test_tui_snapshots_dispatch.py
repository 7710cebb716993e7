"""Snapshots of the dispatch screens on the fixed board scenario (Thu 26 Nov 2026, clock 08:30/09:45).

Look at the report before `--snapshot-update`: the board before planning, the proposal with two
unplanned visits and their reasons, K01's day with the stop details, and the route map alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from board_scenario import DAY, NOW, at, build
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable
from tui_fakes import FakePlanner, Host, sqlite_database_fixture  # noqa: F401  (the sqlite_database fixture)

from data.db import Database
from data.models import VisitRequest
from tui.context import AppContext, Role
from tui.screens.board import BoardScreen
from tui.screens.day import DayScreen
from tui.widgets.route_map import MapPoint, RouteMap

SIZE = (130, 42)


def with_linux_request(database: Database) -> None:
    """A server job nobody working on Thursday can do (no one has the linux skill)."""
    ids = build(database, committed=False)
    with database.transaction() as s:
        s.add(VisitRequest(client_id=ids["c1"], office_id=ids["o1"], received_at=dt.datetime(2026, 11, 25, 15, 0), urgency="normal",
                           deadline=at(18), estimated_minutes=120, required_skills=["linux"], description="Linuxサーバの更新"))


def board_app(database: Database) -> Host:
    ctx = AppContext(database, Role("dispatcher"), clock=lambda: NOW)
    return Host(lambda app: BoardScreen(ctx, FakePlanner(), day=DAY))


async def plan_day(pilot: Pilot[Any]) -> None:
    """p, then wait until the board has shown the proposal (a loaded machine may take several frames)."""
    await pilot.press("p")
    await pilot.app.workers.wait_for_complete()
    screen = pilot.app.screen
    for _ in range(200):  # up to ~10 s
        await pilot.pause(0.05)
        if isinstance(screen, BoardScreen) and not screen.running and screen.proposal is not None:
            break
    for _ in range(40):  # the tables measure the rows they were just given when idle: auto-width columns follow
        if not any(table._require_update_dimensions or table._updated_cells for table in screen.query(DataTable)):
            break
        await pilot.pause(0.05)
    await pilot.pause()


class TestBoard:
    def test_board_before_planning(self, snap_compare: Any, sqlite_database: Database) -> None:
        """Open requests by urgency with the 24 h aim, empty timelines, everything waiting."""
        with_linux_request(sqlite_database)
        assert snap_compare(board_app(sqlite_database), terminal_size=SIZE)

    def test_proposal_with_unplanned_reasons(self, snap_compare: Any, sqlite_database: Database) -> None:
        """After p: K01's stops and timeline; two visits unplanned, each with its reason in words."""
        with_linux_request(sqlite_database)
        assert snap_compare(board_app(sqlite_database), terminal_size=SIZE, run_before=plan_day)


def with_emergency(database: Database) -> None:
    """K01's committed Thursday and an emergency received at 08:10 that no plan holds yet."""
    ids = build(database)
    with database.transaction() as s:
        s.add(VisitRequest(client_id=ids["c1"], office_id=ids["o1"], received_at=at(8, 10), urgency="emergency",
                           deadline=at(12), estimated_minutes=60, description="サーバ停止"))


class TestBoardSizes:
    """Issue 12: the board at the smallest terminal we support and at a roomy one."""

    def test_board_80x24(self, snap_compare: Any, sqlite_database: Database) -> None:
        """80×24: panes stacked (requests on top, v switches), the unplanned emergency first in red, status line counts it."""
        with_emergency(sqlite_database)
        assert snap_compare(board_app(sqlite_database), terminal_size=(80, 24))

    def test_board_140x45_proposal(self, snap_compare: Any, sqlite_database: Database) -> None:
        """140×45 after p: requests with the plan column, stops, every concierge's timeline with breaks, the summary."""
        with_emergency(sqlite_database)
        assert snap_compare(board_app(sqlite_database), terminal_size=(140, 45), run_before=plan_day)


class TestDay:
    def test_day_of_k01(self, snap_compare: Any, sqlite_database: Database) -> None:
        """K01's Thursday: three stops, the first in detail, the route map."""
        build(sqlite_database)
        ctx = AppContext(sqlite_database, Role.parse("concierge:K01"), clock=lambda: at(9, 45))
        assert snap_compare(Host(lambda app: DayScreen(ctx)), terminal_size=SIZE)

    def test_route_map(self, snap_compare: Any) -> None:
        """Home and four numbered stops in Tokyo, two at one office, drawn in braille."""

        class MapApp(App[None]):
            def compose(self) -> ComposeResult:
                m = RouteMap()
                m.styles.height = 16
                m.styles.width = 60
                m.home = MapPoint(35.6436, 139.6701, "H")
                m.stops = (MapPoint(35.6812, 139.7671, "1"), MapPoint(35.6812, 139.7671, "2"), MapPoint(35.6906, 139.6975, "3"),
                           MapPoint(35.7296, 139.7154, "4"))
                yield m

        assert snap_compare(MapApp(), terminal_size=(70, 18))
