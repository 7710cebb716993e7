"""The terminal app signed in with each person's own PostgreSQL login (pilot): which screens and actions
open, the one-line refusals, and a concierge's whole day done as that login."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from access_pg import TODAY, PgDesk, pg_desk_fixture  # noqa: F401  (the pg_desk fixture)
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, TextArea
from tui_desk import settle

import tui.app
from data.access.matrix import Group, capability
from data.db import open_database
from tui.app import ConciergeApp, resolve_role
from tui.context import AppContext, Role
from tui.screens.board import BoardScreen
from tui.screens.client_detail import ClientDetailScreen
from tui.screens.client_form import ClientFormScreen
from tui.screens.clients import ClientsScreen
from tui.screens.concierge_form import ConciergeFormScreen
from tui.screens.concierges import ConciergesScreen
from tui.screens.contracts import ContractsScreen
from tui.screens.day import DayScreen
from tui.screens.quote import QuoteScreen
from tui.screens.request_form import RequestFormScreen
from tui.screens.work_slip import WorkSlipDialog

NOW = dt.datetime.fromisoformat(f"{TODAY}T10:00")
SIZE = (120, 40)
PEOPLE: dict[str, Group] = {"admin": "admin", "dispatcher": "dispatcher", "k01": "concierge"}

#: (key, the screen it opens, the capability it needs). Allowed or refused follows from the matrix.
KEY_PROBES: tuple[tuple[str, type[Screen[Any]], str], ...] = (
    ("f2", ClientsScreen, "clients"),
    ("f3", BoardScreen, "board"),
    ("f4", DayScreen, "day"),
    ("f5", ConciergesScreen, "concierges"),
    ("f6", ContractsScreen, "contracts"),
    ("f7", QuoteScreen, "quote"),
    ("ctrl+n", RequestFormScreen, "requests"),
)
EXPECTED: dict[str, frozenset[str]] = {
    "admin": frozenset({"f2", "f3", "f4", "f5", "f6", "f7", "ctrl+n"}),
    "dispatcher": frozenset({"f2", "f3", "f4", "f5", "ctrl+n"}),
    "concierge": frozenset({"f2", "f4"}),
}
"""The table the probes check, written out (the matrix must agree with it, see test below)."""


class NoticedApp(ConciergeApp):
    """The real app, keeping every notification it showed (Textual drops them when they time out)."""

    CSS_PATH = str(Path(tui.app.__file__).with_name("app.tcss"))

    def __init__(self, ctx: AppContext, *, pick_role: bool = False) -> None:
        super().__init__(ctx, pick_role=pick_role)
        self.noticed: list[tuple[str, str]] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.noticed.append((kwargs.get("severity", "information"), message))
        super().notify(message, *args, **kwargs)


def signed_in_app(desk: PgDesk, person: str, role: str | None = None, *, pick_role: bool = False) -> NoticedApp:
    """The app as `concierge --db URL [--as ROLE]` builds it for this person's login."""
    database = open_database(desk.url(person))
    return NoticedApp(AppContext(database, resolve_role(database, role), clock=lambda: NOW), pick_role=pick_role)


def errors(app: ConciergeApp) -> list[str]:
    return [message for severity, message in getattr(app, "noticed", []) if severity == "error"]


async def _press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def test_expected_table_is_the_matrix() -> None:
    """The table below is what the role matrix says (so the probes test the matrix, not a copy of it)."""
    for group, keys in EXPECTED.items():
        allowed = {key for key, _, name in KEY_PROBES if group in capability(name).groups}
        assert allowed == keys, group


@pytest.mark.parametrize("person", list(PEOPLE))
async def test_keys_open_exactly_the_screens_of_the_login(person: str, pg_desk: PgDesk) -> None:
    """F2-F7 and Ctrl+N as each login: allowed screens open and load without a database error; refused ones
    leave the screen as it was and say in one line who is signed in and who may."""
    app = signed_in_app(pg_desk, person)
    group = PEOPLE[person]
    refusals = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        for key, screen_class, name in KEY_PROBES:
            while app.screen is not home:  # back to the home screen, as Escape would
                app.pop_screen()
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            if key in EXPECTED[group]:
                assert isinstance(app.screen, screen_class), f"{person}: {key}"
            else:
                assert app.screen is home, f"{person}: {key}"
                sentence = f"you are signed in as {pg_desk.logins[person]}, a {group}: {capability(name).rule()}"
                assert errors(app)[-1] == sentence
                refusals.append(key)
        assert errors(app) == [app.ctx.refusal(name) for key, _, name in KEY_PROBES if key in refusals]


@pytest.mark.parametrize("person", ["admin", "dispatcher", "k01"])
@pytest.mark.parametrize(("screen_key", "form"), [("f5", ConciergeFormScreen), ("f2", ClientFormScreen)], ids=["concierge", "client"])
async def test_only_an_admin_adds_concierges_and_clients(person: str, screen_key: str, form: type[Screen[Any]], pg_desk: PgDesk) -> None:
    """On F5 and on the client list (focus moved from the filter to the list) `n` opens the new-record form
    for an admin; for anyone else it is refused with a line, or the screen is."""
    app = signed_in_app(pg_desk, person)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _press(pilot, screen_key)
        await _press(pilot, "down")  # from the filter (focused when a list opens) to the list, where keys act
        await _press(pilot, "n")
        assert isinstance(app.screen, form) == (person == "admin")
        assert [e for e in errors(app) if "is for admins" not in e and "are for admins" not in e] == []


def _served_active(desk: PgDesk) -> set[str]:
    engine = desk.engine()
    with engine.connect() as conn:
        names = set(conn.execute(sa.text(
            "SELECT c.name FROM client c WHERE c.active AND c.id IN ("
            "SELECT id FROM client WHERE dedicated_concierge_id = (SELECT id FROM concierge WHERE code = 'K01') UNION "
            "SELECT r.client_id FROM visit v JOIN visit_request r ON r.id = v.request_id "
            "WHERE v.concierge_id = (SELECT id FROM concierge WHERE code = 'K01'))")).scalars())
    engine.dispose()
    return names


def _visit_state(desk: PgDesk, visit_id: int) -> tuple[str, str | None]:
    engine = desk.engine()
    with engine.connect() as conn:
        status, slip = conn.execute(sa.text("SELECT status, work_slip FROM visit WHERE id = :v"), {"v": visit_id}).one()
    engine.dispose()
    return status, slip


async def test_a_concierges_day_done_as_their_own_login(pg_desk: PgDesk) -> None:
    """k01 starts on K01's day, marks a stop arrived, writes its work slip, reads the clients K01 serves and opens
    one: every step runs as k01 in the database, without a single refusal."""
    app = signed_in_app(pg_desk, "k01")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        day = app.screen
        assert isinstance(day, DayScreen) and day.route is not None
        assert day.route.concierge == "K01" and day.route.stops
        stop = next(s for s in day.route.stops if s.status == "planned")
        day.query_one("#stops", DataTable).move_cursor(row=day.route.stops.index(stop))
        await _press(pilot, "a")
        assert _visit_state(pg_desk, stop.visit_id)[0] == "in_progress"
        await _press(pilot, "w")
        assert isinstance(app.screen, WorkSlipDialog)
        app.screen.query_one("#slip-text", TextArea).text = "ルーター再起動、接続確認"
        await _press(pilot, "ctrl+s")
        assert _visit_state(pg_desk, stop.visit_id) == ("done", "ルーター再起動、接続確認")
        await _press(pilot, "k")
        assert app.screen is day and day.code == "K01"

        await _press(pilot, "f2")
        clients = app.screen
        assert isinstance(clients, ClientsScreen)
        assert {r.name for r in clients.rows} == _served_active(pg_desk)
        assert not clients.shows_fees and not clients.shows_plans
        await _press(pilot, "enter")
        assert isinstance(app.screen, ClientDetailScreen) and app.screen.detail is not None
        assert errors(app) == []


async def test_admin_looking_as_a_concierge_sees_the_concierge_view(pg_desk: PgDesk) -> None:
    """`--as concierge:K01` with an admin login narrows the app to K01's view (the picker and --as only narrow)."""
    app = signed_in_app(pg_desk, "admin", "concierge:K01")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DayScreen) and app.screen.code == "K01"
        await _press(pilot, "f6")
        assert isinstance(app.screen, DayScreen)
        assert errors(app)[-1] == (
            f"you are signed in as {pg_desk.logins['admin']}, an admin, looking as concierge K01: contracts are for admins"
        )


async def test_picker_offers_only_narrower_roles(pg_desk: PgDesk) -> None:
    """A dispatcher's picker lists the dispatcher and the concierges, not the admin."""
    from textual.widgets import OptionList

    app = signed_in_app(pg_desk, "dispatcher", pick_role=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        options = app.screen.query_one("#roles", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "admin" not in ids and ids[0] == "dispatcher" and "concierge:K01" in ids
        title = str(app.screen.query_one(".role-title", Label).render())
        assert f"signed in as {pg_desk.logins['dispatcher']}, a dispatcher" in title
        await _press(pilot, "enter")
        assert app.sub_title.startswith(f"dispatcher · {pg_desk.logins['dispatcher']}@")


async def test_a_database_refusal_nobody_caught_is_one_line(pg_desk: PgDesk) -> None:
    """Should a screen ever ask for more than the login may read, the database refuses and the app says so in
    one line (who is signed in, what was refused) and keeps running."""
    database = open_database(pg_desk.url("k01"))
    app = NoticedApp(AppContext(database, Role("admin"), clock=lambda: NOW))  # bypasses resolve_role on purpose
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _press(pilot, "f6")
        assert any(
            f"you are signed in as {pg_desk.logins['k01']}, a concierge: the database does not let you read contracts" in e
            for e in errors(app)
        ), errors(app)
        assert not any("permission denied" in e for e in errors(app))
        await _press(pilot, "f4")
        assert isinstance(app.screen, DayScreen)


async def test_new_request_form_saves_as_the_dispatcher(pg_desk: PgDesk) -> None:
    """Ctrl+N as the dispatcher's login: the request is written (the dispatcher may add requests)."""
    engine = pg_desk.engine()
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM visit_request")).scalar_one()
    app = signed_in_app(pg_desk, "dispatcher")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _press(pilot, "ctrl+n")
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        form.query_one("#client-search", Input).value = "桜井食品"
        await settle(pilot, delay=0.3)
        assert form.client is not None
        form.query_one("#description", Input).value = "プリンタが印刷しない"
        await _press(pilot, "ctrl+s")
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM visit_request")).scalar_one()
    engine.dispose()
    assert after == before + 1, errors(app)


def test_the_concierges_client_searches_run_as_their_login(pg_desk: PgDesk) -> None:
    """The palette's and the client picker's search (data.queries.list_clients for a concierge) reads nothing
    k01 may not: K01's clients, without contract plans."""
    from data.queries import list_clients

    database = open_database(pg_desk.url("k01"))
    with database.sessions() as session:
        page = list_clients(session, search="", served_by="K01")
    database.engine.dispose()
    assert {r.name for r in page.rows} == _served_active(pg_desk)
    assert all(r.plan is None for r in page.rows)
