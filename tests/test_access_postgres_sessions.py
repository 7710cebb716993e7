"""Ending a person's access on PostgreSQL: `user disable` ends the login's open sessions, and deactivating a
concierge disables their login in the same transaction (migration 0007). The person's app then says so in
one sentence; reactivating the concierge leaves the login disabled until an admin enables it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from access_pg import PASSWORD, TODAY, PgDesk, pg_desk_fixture, run_cli  # noqa: F401  (the pg_desk fixture)
from test_access_postgres_app import SIZE, NoticedApp, errors, signed_in_app
from textual.widgets import DataTable, Label, Select
from tui_desk import settle

from data.concierges import set_concierge_active
from data.db import Database, open_database
from data.errors import SessionEnded
from data.records import save_concierge
from tui.app import resolve_role
from tui.context import AppContext
from tui.screens.concierge_form import ConciergeFormScreen
from tui.screens.concierges import ConciergesScreen
from tui.screens.day import DayScreen
from tui.widgets.confirm import ConfirmDialog


@dataclass(frozen=True)
class Person:
    """A concierge made for one test, with their own login."""

    code: str
    concierge_id: int
    login: str
    url: str


def _url(desk: PgDesk, login: str) -> str:
    return sa.make_url(desk.superuser).set(username=login, password=PASSWORD).render_as_string(hide_password=False)


def _can_login(desk: PgDesk, login: str) -> bool:
    engine = desk.engine()
    with engine.connect() as conn:
        can = bool(conn.execute(sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": login}).scalar_one())
    engine.dispose()
    return can


def _sessions(desk: PgDesk, login: str) -> int:
    engine = desk.engine()
    with engine.connect() as conn:
        n = int(conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE usename = :r"), {"r": login}).scalar_one())
    engine.dispose()
    return n


@pytest.fixture
def person(pg_desk: PgDesk, request: pytest.FixtureRequest) -> Iterator[Person]:
    """A new concierge K9n added by the admin, and their login added with `concierge user add`; both removed
    afterwards (the concierge row by the superuser, so the shared desk's other tests never see it)."""
    tag = abs(hash(request.node.name)) % 90 + 10
    code, login = f"K{tag}", f"{pg_desk.logins['admin']}_k{tag}"
    admin = pg_desk.open("admin")
    with admin.transaction() as session:
        concierge = save_concierge(session, {
            "code": code, "name": f"終了 テスト{tag}", "home_address": "東京都千代田区丸の内1丁目", "home_lat": "35.68",
            "home_lon": "139.76", "working_days": "mon tue wed thu fri",
        })
        session.flush()
        concierge_id = concierge.id
    admin.engine.dispose()
    ran = run_cli("user", "add", login, "--role", f"concierge:{code}", "--password-stdin", "--db", pg_desk.url("admin"),
                  stdin=PASSWORD + "\n")
    assert ran.code == 0, ran.err
    yield Person(code, concierge_id, login, _url(pg_desk, login))
    engine = sa.create_engine(pg_desk.superuser, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("DELETE FROM concierge WHERE id = :i"), {"i": concierge_id})
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{login}"'))
    engine.dispose()


def _next_action(database: Database) -> Any:
    """The person's next action: a connection from the pool (checked first, so a dead one is replaced)."""
    with database.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM concierge")).scalar_one()


def test_user_disable_ends_the_open_session_and_refuses_a_new_one(pg_desk: PgDesk, person: Person) -> None:
    """Before 0007 a disabled login's open connection kept working; now it is ended at once, its next statement
    says so in one sentence, and a new sign-in is refused with a sentence too."""
    database = open_database(person.url)
    held = database.engine.connect()
    assert held.execute(sa.text("SELECT count(*) FROM concierge")).scalar_one() == 1  # the row policy: only their own
    assert _sessions(pg_desk, person.login) >= 1
    ran = run_cli("user", "disable", person.login, "--db", pg_desk.url("admin"))
    assert ran.code == 0, ran.err
    assert ran.out.strip() == f"{person.login} can no longer sign in; their open sessions were ended"
    assert _sessions(pg_desk, person.login) == 0
    with pytest.raises(SessionEnded, match=r"^your session \(.+\) was ended by the database: .*; sign in again$"):
        held.execute(sa.text("SELECT count(*) FROM concierge"))
    held.close()
    refused = rf"^your login {person.login} is disabled \(the database says it is not permitted to log in\); an admin can enable it"
    with pytest.raises(SessionEnded, match=refused):
        _next_action(database)
    database.engine.dispose()
    ran = run_cli("db", "info", "--db", person.url)
    assert ran.code == 2 and ran.err.count("\n") == 1
    assert f"concierge user enable {person.login}" in ran.err and "Traceback" not in ran.err
    assert run_cli("user", "enable", person.login, "--db", pg_desk.url("admin")).code == 0
    assert run_cli("db", "info", "--db", person.url).code == 0


def test_deactivating_a_concierge_disables_their_login_in_the_same_transaction(pg_desk: PgDesk, person: Person) -> None:
    """The admin deactivates the concierge: their login can no longer connect and their open session ends; the
    admin is told. Reactivating says the login stays disabled, and it does, until `user enable`."""
    mine = open_database(person.url)
    held = mine.engine.connect()
    held.execute(sa.text("SELECT 1"))
    admin = pg_desk.open("admin")
    with admin.transaction() as session:
        change = set_concierge_active(session, person.concierge_id, False)
        assert _can_login(pg_desk, person.login)  # nothing happens before the commit
    assert change.message() == f"{person.code} deactivated; login {person.login} disabled, its open sessions ended"
    assert not _can_login(pg_desk, person.login)
    with pytest.raises(SessionEnded):
        held.execute(sa.text("SELECT 1"))
    held.close()
    mine.engine.dispose()
    ran = run_cli("db", "info", "--db", person.url)
    assert ran.code == 2 and "is not permitted to log in" in ran.err

    with admin.transaction() as session:
        change = set_concierge_active(session, person.concierge_id, True)
    assert change.message() == (f"{person.code} reactivated; login {person.login} stays disabled until an admin runs "
                                f"`concierge user enable {person.login}`")
    assert not _can_login(pg_desk, person.login)
    assert run_cli("db", "info", "--db", person.url).code == 2
    assert run_cli("user", "enable", person.login, "--db", pg_desk.url("admin")).code == 0
    assert run_cli("db", "info", "--db", person.url).code == 0
    admin.engine.dispose()


def test_a_deactivation_rolled_back_or_undone_in_one_transaction_leaves_the_login_alone(pg_desk: PgDesk, person: Person) -> None:
    """The login is disabled only when a deactivation commits: not when the transaction fails, not when the
    row is switched off and on again before the commit (the trigger is deferred)."""
    mine = open_database(person.url)
    held = mine.engine.connect()
    admin = pg_desk.open("admin")
    with pytest.raises(RuntimeError), admin.transaction() as session:
        set_concierge_active(session, person.concierge_id, False)
        session.flush()
        raise RuntimeError("the admin's action failed later on")
    with admin.transaction() as session:
        set_concierge_active(session, person.concierge_id, False)
        session.flush()
        set_concierge_active(session, person.concierge_id, True)
    assert _can_login(pg_desk, person.login)
    assert held.execute(sa.text("SELECT 1")).scalar_one() == 1
    held.close()
    mine.engine.dispose()
    admin.engine.dispose()


def test_a_concierge_deactivated_by_csv_import_loses_their_login(pg_desk: PgDesk, person: Person, tmp_path: Any) -> None:
    """The database enforces it whichever way the row changes: here `concierge import concierges` with active=no."""
    export = tmp_path / "concierges.csv"
    assert run_cli("export", "concierges", str(export), "--db", pg_desk.url("admin")).code == 0
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    mine = next(line for line in lines[1:] if line.startswith(f"{person.code},"))
    fields = mine.split(",")
    assert fields[header.index("active")] == "yes"
    fields[header.index("active")] = "no"
    (tmp_path / "off.csv").write_text(",".join(header) + "\n" + ",".join(fields) + "\n", encoding="utf-8")
    ran = run_cli("import", "concierges", str(tmp_path / "off.csv"), "--db", pg_desk.url("admin"))
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[-1] == (f"logins of deactivated concierges disabled, their open sessions ended: "
                                        f"{person.login} ({person.code})")
    assert not _can_login(pg_desk, person.login)
    ran = run_cli("import", "concierges", str(tmp_path / "off.csv"), "--db", pg_desk.url("admin"))
    assert ran.code == 0 and "logins" not in ran.out  # already inactive: nothing more to say


async def test_admin_deactivates_on_the_concierges_screen_and_is_told_about_the_login(pg_desk: PgDesk, person: Person) -> None:
    """F5, the concierge, d, y (Deactivate): the toast says the login was disabled; the concierge's own app, open
    all along, then says on its next action that the session was ended — one line, the app keeps running."""
    theirs = signed_in_app_for(person)
    async with theirs.run_test(size=SIZE) as their_pilot:
        await settle(their_pilot)
        assert isinstance(theirs.screen, DayScreen)
        app = signed_in_app(pg_desk, "admin")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("f5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ConciergesScreen)
            table = screen.query_one("#table", DataTable)
            table.focus()
            table.move_cursor(row=[r.code for r in screen.rows].index(person.code))
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await settle(pilot)
            assert (f"{person.code} deactivated; login {person.login} disabled, its open sessions ended."
                    in [m for _, m in app.noticed])
            assert errors(app) == []
        assert not _can_login(pg_desk, person.login)
        await their_pilot.press("right_square_bracket")  # the next day: a read from the database
        await settle(their_pilot)
        title = str(theirs.screen.query_one("#day-title", Label).render())
        assert title.startswith(f"My day — your login {person.login} is disabled ") and "\n" not in title, title
        assert theirs.is_running and isinstance(theirs.screen, DayScreen)
        await their_pilot.press("f2")  # their clients: the list says it in a toast
        await settle(their_pilot)
        said = errors(theirs)
        assert said and all(f"your login {person.login} is disabled " in m and "\n" not in m for m in said), said
        assert theirs.is_running



async def test_admin_sets_active_no_in_the_concierge_form_and_is_told_about_the_login(pg_desk: PgDesk, person: Person) -> None:
    """The form's Active field is the other way to deactivate: the saved message names the login it disabled."""
    app = signed_in_app(pg_desk, "admin")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConciergeFormScreen(app.ctx, person.concierge_id))
        await settle(pilot)
        app.screen.query_one("#input-active", Select).value = "no"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ConciergeFormScreen), errors(app)
        assert any(m.endswith(f": {person.code} deactivated; login {person.login} disabled, its open sessions ended")
                   for _, m in app.noticed), app.noticed
    assert not _can_login(pg_desk, person.login)

def signed_in_app_for(person: Person) -> NoticedApp:
    database = open_database(person.url)
    return NoticedApp(AppContext(database, resolve_role(database, None), clock=lambda: _now()))


def _now() -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(f"{TODAY}T10:00")
