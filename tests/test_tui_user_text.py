"""User text is data: markup and terminal escapes in every field are shown literally on every screen.

The demo business gets `[/inc]`, `[bold]`, `[link=…]`, an OSC title escape and a bidi override appended to
every name, address, note, request, work slip, seat label and code (tests/user_text.py); then each role
walks every screen and dialog it can open. Before tui/text.py a client named `Tanaka [/inc]` crashed six
screens; now no screen crashes, the markup shows as typed and no control character reaches the terminal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent
from tui_desk import demo_db_fixture, demo_template_fixture, desk, settle  # noqa: F401  (fixtures)
from tui_fakes import FakePlanner
from user_text import CODE_MARK, CONTROL_CHARACTERS, MARK, poison

from data.db import Database
from data.models import Client, Contract, Office, Seat, Visit
from tui.context import AppContext, Role
from tui.screens.board import BoardScreen

SIZE = (140, 45)


@pytest.fixture(name="hostile_db")
def hostile_db_fixture(demo_db: Database) -> Iterator[Database]:
    poison(demo_db)
    yield demo_db


class Walk:
    """Screens seen during one walk: the screenshot of each, checked for literal markup and no escapes."""

    def __init__(self, app: App[None], pilot: Pilot[None]) -> None:
        self.app, self.pilot = app, pilot
        self.seen: dict[str, str] = {}

    async def look(self, name: str, *, shows_names: bool = True) -> None:
        await settle(self.pilot)
        svg = self.app.export_screenshot()
        self.seen[name] = svg
        for char in CONTROL_CHARACTERS:
            assert char not in svg, f"{name}: control character {char!r} reached the screen"
        if shows_names:  # names cut to a column's width may keep only a code's mark
            assert MARK in svg or CODE_MARK in svg, f"{name}: the typed markup {MARK} is not shown literally"

    async def back(self) -> None:
        await self.pilot.press("escape")
        await settle(self.pilot)


def _ids(database: Database) -> tuple[int, int, int, int]:
    """A client with offices, seats and a seat-plan contract; one of its offices; a contract; a done visit's concierge day."""
    with database.sessions() as session:
        seat = session.scalars(select(Seat).join(Seat.office).join(Office.client).join(Client.contracts).order_by(Seat.id)).first()
        assert seat is not None
        contract = session.scalars(select(Contract).where(Contract.client_id == seat.office.client_id)).first()
        assert contract is not None
        visit = session.scalars(select(Visit).where(Visit.work_slip.is_not(None)).order_by(Visit.id)).first()
        assert visit is not None
        return seat.office.client_id, seat.office_id, contract.id, visit.id


async def _client_screens(walk: Walk, client_id: int, *, manages: bool) -> None:
    app = walk.app
    app.open("open-client", client_id=client_id)  # type: ignore[attr-defined]
    await walk.look("client detail")
    tabs = app.screen.query_one("#client-tabs", TabbedContent)
    for tab in ("tab-seats", "tab-requests", "tab-offices"):
        tabs.active = tab
        await walk.look(f"client detail {tab}", shows_names=tab != "tab-requests")
    await walk.pilot.press("enter")  # the office's seats
    await walk.look("seats")
    if manages:
        await walk.pilot.press("e")
        await walk.look("seat form", shows_names=False)
        await walk.back()
        await walk.pilot.press("delete")
        await walk.look("delete seat question")
        await walk.pilot.press("n")
    await walk.back()
    if manages:
        for key, name in (("d", "office form"), ("e", "client form")):
            await walk.pilot.press(key)
            await walk.look(name, shows_names=False)
            await walk.back()
        await walk.pilot.press("a")
        await walk.look("archive question")
        await walk.pilot.press("n")
    await walk.back()


async def test_admin_sees_hostile_text_literally_everywhere(hostile_db: Database) -> None:
    """Admin: client list, detail tabs, seats, forms, questions, palette, contracts, concierges, quote, board, day."""
    client_id, _office_id, contract_id, _visit_id = _ids(hostile_db)
    app = desk(hostile_db, "admin")
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, pilot)
        await walk.look("client list")
        await pilot.press("ctrl+p", *"株式会社")
        await settle(pilot, delay=0.5)
        await walk.look("palette")
        await walk.back()
        await _client_screens(walk, client_id, manages=True)
        app.open("contracts")
        await walk.look("contracts")
        await pilot.press("down")  # the list opens with its filter focused
        for key, name in (("e", "contract form"), ("c", "cancel contract")):
            await pilot.press(key)
            await walk.look(name)
            await walk.back()
        app.open("concierges")
        await walk.look("concierges")
        await pilot.press("down", "e")
        await walk.look("concierge form", shows_names=False)
        await walk.back()
        await pilot.press("d")
        await walk.look("deactivate question")
        await pilot.press("n")
        app.open("quote-client", client_id=client_id)
        await settle(pilot, delay=0.6)
        await walk.look("quote of a client")
        await pilot.press("ctrl+e")
        await walk.look("quote export", shows_names=False)
        await walk.back()
        app.open("open-client")
        await walk.look("client picker")
        await walk.back()
        app.open("new-request")
        await settle(pilot)
        app.screen.query_one("#client-search", Input).value = "株式会社"
        await walk.look("request form")
        await walk.back()
        assert contract_id


async def test_dispatcher_sees_hostile_text_literally_on_the_board_and_days(hostile_db: Database) -> None:
    """Dispatcher: the board with requests, a planned proposal, its unplanned list and timeline; days; keys."""
    _client_id, _office_id, _contract_id, visit_id = _ids(hostile_db)
    with hostile_db.sessions() as session:
        visit = session.get(Visit, visit_id)
        assert visit is not None
        done_day, code = visit.date, visit.concierge.code
    ctx = AppContext(hostile_db, Role("dispatcher"), clock=desk(hostile_db).ctx.clock)
    app = desk(hostile_db, "dispatcher")
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, pilot)
        await walk.look("board")
        app.push_screen(BoardScreen(ctx, FakePlanner()))
        await walk.look("board before planning")
        await pilot.press("p")
        await settle(pilot, delay=0.5)
        await walk.look("board with a proposal")
        for key, name in (("i", "pin dialog"), ("m", "move dialog"), ("c", "commit question")):
            await pilot.press(key)
            await walk.look(name, shows_names=key == "m")
            await walk.back()
        await pilot.press("question_mark")
        await walk.look("keys", shows_names=False)
        await walk.back()
        from tui.screens.day import DayScreen

        app.push_screen(DayScreen(ctx, code, day=done_day))
        await walk.look("day of a concierge")
        await pilot.press("k")
        await walk.look("next concierge's day", shows_names=False)


async def test_concierge_sees_hostile_text_literally_on_their_day(hostile_db: Database) -> None:
    """Concierge K01: my day with a done visit's slip, the work slip dialog, the clients they serve."""
    with hostile_db.sessions() as session:
        visit = session.scalars(
            select(Visit).join(Visit.concierge).where(Visit.work_slip.is_not(None)).order_by(Visit.date.desc())
        ).first()
        assert visit is not None
    app = desk(hostile_db, "concierge:K01")
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, pilot)
        from tui.screens.day import DayScreen

        assert isinstance(app.screen, DayScreen)
        for _ in range(7):
            if app.screen.route is not None and app.screen.route.stops:
                break
            await pilot.press("left_square_bracket")
            await settle(pilot)
        await walk.look("my day")
        await pilot.press("w")
        await walk.look("work slip")
        await walk.back()
        app.open("clients")
        await walk.look("clients served")
        first = app.screen.rows[0].id  # type: ignore[attr-defined]
        await _client_screens(walk, first, manages=False)


async def test_role_picker_shows_hostile_concierge_names_literally(hostile_db: Database) -> None:
    """Without --as, the picker lists every concierge by name: markup in a name is shown as typed."""
    app = desk(hostile_db, pick_role=True)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, pilot)
        await walk.look("role picker")
