"""The `concierge` command as each person signs in with their own PostgreSQL login: what each role may
run, the one-line refusals, `--as` that never widens, `db upgrade` only as the owner, `user ...`."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from access_pg import PASSWORD, TODAY, PgDesk, Ran, pg_desk_fixture, run_cli  # noqa: F401  (the pg_desk fixture)

from data.access.matrix import GROUP_WORDS, Group
from tui.app import ConciergeApp

PEOPLE: dict[str, Group] = {"admin": "admin", "dispatcher": "dispatcher", "k01": "concierge"}
ALL = frozenset({"admin", "dispatcher", "concierge"})
OFFICE = frozenset({"admin", "dispatcher"})
ADMIN = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()
TOMORROW = "2026-11-26"

CLIENT_CSV = "code,name\nC9901,プローブ株式会社\n"
CONCIERGE_CSV = "code,name,home_address,home_lat,home_lon\nK98,プローブ 太郎,東京都千代田区丸の内1丁目,35.68,139.76\n"

#: (what, arguments, groups allowed). "{dir}" is a scratch directory, "{login}" a fresh login name.
CLI_PROBES: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("billing list", ("billing", "list"), ADMIN),
    ("billing notices", ("billing", "notices"), ADMIN),
    ("billing close", ("billing", "close", "2026-09", "--today", TODAY), ADMIN),
    ("quote from the client's seats", ("quote", "--client", "C0001"), ADMIN),
    ("quote from flags (no database needed)", ("quote", "--pcs", "10"), ALL),
    ("export clients", ("export", "clients", "{dir}/clients.csv"), ALL),
    ("export seats", ("export", "seats", "{dir}/seats.csv"), ALL),
    ("export concierges", ("export", "concierges", "{dir}/concierges.csv"), OFFICE),
    ("import clients", ("import", "clients", "{dir}/new-clients.csv"), ADMIN),
    ("import concierges", ("import", "concierges", "{dir}/new-concierges.csv"), ADMIN),
    ("plan tomorrow (proposal)", ("plan", "--date", TOMORROW, "--time-limit", "1", "--workers", "1"), OFFICE),
    ("K01's route", ("route", "--concierge", "K01", "--date", TODAY), ALL),
    ("K02's route", ("route", "--concierge", "K02", "--date", TODAY), OFFICE),
    ("K02's route by name", ("route", "--concierge", "Emily Clark", "--date", TODAY), OFFICE),
    ("list users", ("user", "list"), ADMIN),
    ("add a user", ("user", "add", "{login}", "--role", "dispatcher", "--password-stdin"), ADMIN),
    ("demo data", ("demo", "--no-ui"), ADMIN),
    ("db info", ("db", "info"), ALL),
    ("db upgrade", ("db", "upgrade"), NOBODY),
)
OTHER_FAILURE = {"demo data": "already holds data"}
"""Allowed, but failing for a reason of its own (one line, no refusal)."""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("access-cli")
    (folder / "new-clients.csv").write_text(CLIENT_CSV, encoding="utf-8")
    (folder / "new-concierges.csv").write_text(CONCIERGE_CSV, encoding="utf-8")
    return folder


def refused_line(ran: Ran, login: str) -> bool:
    """True when the run ended with exit 2 and one line saying who is signed in (no SQL, no traceback)."""
    lines = ran.err.splitlines()
    return ran.code == 2 and len(lines) == 1 and lines[0].startswith(f"concierge: you are signed in as {login}")


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize(("what", "args", "allowed"), CLI_PROBES, ids=[p[0] for p in CLI_PROBES])
def test_command_as_each_login(
    person: str, what: str, args: tuple[str, ...], allowed: frozenset[str], pg_desk: PgDesk, scratch: Path
) -> None:
    """Each login runs exactly the commands its role allows; any other ends with one line naming the person."""
    login = pg_desk.logins[person]
    filled = [a.format(dir=scratch, login=f"{login}_new") for a in args]
    ran = run_cli(*filled, "--db", pg_desk.url(person), stdin=PASSWORD + "\n")
    if PEOPLE[person] in allowed:
        if what in OTHER_FAILURE:
            assert ran.code == 2 and OTHER_FAILURE[what] in ran.err and "signed in" not in ran.err
        else:
            assert ran.code == 0, f"{person}: {what}: {ran.err}"
    else:
        assert refused_line(ran, login), f"{person}: {what}: {ran.code} {ran.err!r}"
        group = PEOPLE[person]
        assert f"{login}, {GROUP_WORDS[group][0]}" in ran.err or what == "db upgrade"


def test_refusal_sentence_names_person_and_role(pg_desk: PgDesk) -> None:
    """The issue's own example: a concierge asking for billing is told who they are and who may."""
    ran = run_cli("billing", "list", "--db", pg_desk.url("k01"))
    assert ran.err == f"concierge: you are signed in as {pg_desk.logins['k01']}, a concierge: billing is for admins\n"


def test_concierge_export_holds_only_their_clients(pg_desk: PgDesk, tmp_path: Path) -> None:
    """`export clients` as k01 writes K01's clients only: the database hides the others."""
    ran = run_cli("export", "clients", str(tmp_path / "mine.csv"), "--db", pg_desk.url("k01"))
    everyone = run_cli("export", "clients", str(tmp_path / "all.csv"), "--db", pg_desk.url("admin"))
    assert ran.code == everyone.code == 0
    mine = (tmp_path / "mine.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert 0 < len(mine) < len((tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()[1:])


class Opened:
    """Records the app start instead of running the terminal UI."""

    def __init__(self) -> None:
        self.roles: list[str] = []
        self.picker: list[bool] = []


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Opened:
    seen = Opened()

    def run(app: ConciergeApp) -> None:
        seen.roles.append(str(app.ctx.role))
        seen.picker.append(not app.role_chosen)

    monkeypatch.setattr(ConciergeApp, "run", run)
    return seen


@pytest.mark.parametrize(
    ("person", "wanted", "opens"),
    [
        ("k01", None, "concierge:K01"),
        ("k01", "concierge:K01", "concierge:K01"),
        ("k01", "concierge:佐々木 亮", "concierge:K01"),
        ("k01", "admin", None),
        ("k01", "dispatcher", None),
        ("k01", "concierge:K02", None),
        ("k01", "concierge:K42", None),
        ("dispatcher", None, "dispatcher"),
        ("dispatcher", "concierge:K02", "concierge:K02"),
        ("dispatcher", "admin", None),
        ("admin", "dispatcher", "dispatcher"),
        ("admin", "concierge:K01", "concierge:K01"),
    ],
)
def test_as_only_narrows_the_login(person: str, wanted: str | None, opens: str | None, pg_desk: PgDesk, opened: Opened) -> None:
    """`--as` may narrow the login's role (an admin looking as a concierge), never widen it; a refusal is one
    line and the app does not open."""
    ran = run_cli("--db", pg_desk.url(person), *(["--as", wanted] if wanted else []))
    if opens is None:
        assert refused_line(ran, pg_desk.logins[person]) and opened.roles == []
    else:
        assert ran.code == 0 and opened.roles == [opens]


def test_as_admin_with_a_concierge_login_changes_nothing(pg_desk: PgDesk, opened: Opened) -> None:
    """k01 asking for the admin view is refused; what k01 can read afterwards is what it could read before."""
    ran = run_cli("--db", pg_desk.url("k01"), "--as", "admin")
    assert ran.err == (
        f"concierge: you are signed in as {pg_desk.logins['k01']}, a concierge: --as admin would widen your rights; "
        "the admin view is for admins\n"
    )
    assert opened.roles == []
    assert refused_line(run_cli("--as", "admin", "billing", "list", "--db", pg_desk.url("k01")), pg_desk.logins["k01"])


def test_picker_shows_only_for_a_choice(pg_desk: PgDesk, opened: Opened) -> None:
    """Without --as: an admin or a dispatcher gets the picker (of narrower roles), a concierge goes straight to their day."""
    for person in ("admin", "dispatcher", "k01"):
        assert run_cli("--db", pg_desk.url(person)).code == 0
    assert opened.picker == [True, True, False]


def test_db_upgrade_runs_only_as_the_owner(pg_desk: PgDesk) -> None:
    """The schema owner upgrades; anyone else, even the server's superuser, is refused with one line naming the owner."""
    ran = run_cli("db", "upgrade", "--db", pg_desk.url("owner"))
    assert ran.code == 0 and "already at schema" in ran.out
    ran = run_cli("db", "upgrade", "--db", pg_desk.superuser)
    assert ran.code == 2 and ran.err.count("\n") == 1
    assert f"runs only as the schema owner {pg_desk.owner}" in ran.err and "signed in as postgres" in ran.err


def test_the_owner_adds_the_first_admin_but_uses_nothing_else(pg_desk: PgDesk) -> None:
    """The owner login is for `db upgrade` and the first admin; the data commands and the app refuse it."""
    ran = run_cli("billing", "list", "--db", pg_desk.url("owner"))
    assert ran.code == 2 and "the schema owner: it is only for `concierge db upgrade`" in ran.err
    assert run_cli("user", "list", "--db", pg_desk.url("owner")).code == 0


@pytest.fixture
def throwaway(pg_desk: PgDesk, request: pytest.FixtureRequest) -> Iterator[str]:
    """A concierge-less dispatcher login made for one test, dropped afterwards."""
    login = f"{pg_desk.logins['admin']}_t{abs(hash(request.node.name)) % 10_000}"
    ran = run_cli("user", "add", login, "--role", "dispatcher", "--password-stdin", "--db", pg_desk.url("admin"),
                  stdin=PASSWORD + "\n")
    assert ran.code == 0, ran.err
    yield login
    engine = sa.create_engine(pg_desk.superuser, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{login}"'))
    engine.dispose()


def _without_password(url: str) -> str:
    u = sa.make_url(url)
    return sa.URL.create(u.drivername, u.username, None, u.host, u.port, u.database).render_as_string(hide_password=False)


def _url(pg_desk: PgDesk, login: str, password: str = PASSWORD) -> str:
    return sa.make_url(pg_desk.superuser).set(username=login, password=password).render_as_string(hide_password=False)


def _stored_verifier(pg_desk: PgDesk, login: str) -> tuple[str, bool]:
    engine = sa.create_engine(pg_desk.superuser)
    with engine.connect() as conn:
        verifier, can_login = conn.execute(
            sa.text("SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = :r"), {"r": login}).one()
    engine.dispose()
    return verifier, can_login


def test_user_list_shows_role_concierge_and_state(pg_desk: PgDesk) -> None:
    """`user list` names every person with their role and, for a concierge, the concierge they are."""
    out = run_cli("user", "list", "--db", pg_desk.url("admin")).out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[:-1]}
    assert rows[pg_desk.logins["k01"]] == ["concierge", "K01"]
    assert rows[pg_desk.logins["dispatcher"]] == ["dispatcher"]


def test_password_is_typed_twice_and_never_stored_as_text(pg_desk: PgDesk, throwaway: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`user password` asks twice without echo; a mismatch changes nothing; the database stores a SCRAM verifier."""
    answers = iter(["new secret 1", "new secret 2", "new secret 1", "new secret 1"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    before, _ = _stored_verifier(pg_desk, throwaway)
    from tui import cli

    def run(*args: str) -> int:
        try:
            cli.main(list(args))
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert run("user", "password", throwaway, "--db", pg_desk.url("admin")) == 2
    assert _stored_verifier(pg_desk, throwaway)[0] == before
    assert run("user", "password", throwaway, "--db", pg_desk.url("admin")) == 0
    after, _ = _stored_verifier(pg_desk, throwaway)
    assert after != before and after.startswith("SCRAM-SHA-256$") and "new secret" not in after
    assert run_cli("db", "info", "--db", _url(pg_desk, throwaway, "new secret 1")).code == 0


def test_a_person_changes_their_own_password(pg_desk: PgDesk, throwaway: str) -> None:
    """Anyone may set their own password (PostgreSQL allows it); nobody else's unless an admin."""
    ran = run_cli("user", "password", throwaway, "--password-stdin", "--db", _url(pg_desk, throwaway), stdin="mine 12345\n")
    assert ran.code == 0, ran.err
    assert run_cli("db", "info", "--db", _url(pg_desk, throwaway, "mine 12345")).code == 0
    ran = run_cli("user", "password", pg_desk.logins["k02"], "--password-stdin", "--db", _url(pg_desk, throwaway, "mine 12345"),
                  stdin="hijack 12345\n")
    assert refused_line(ran, throwaway) and "user accounts are for admins" in ran.err


def test_disable_and_enable(pg_desk: PgDesk, throwaway: str) -> None:
    """A disabled login cannot sign in (whatever the password); enabling lets it in again; nobody disables themselves."""
    assert run_cli("user", "disable", throwaway, "--db", pg_desk.url("admin")).code == 0
    ran = run_cli("db", "info", "--db", _url(pg_desk, throwaway))
    assert ran.code == 2 and "is not permitted to log in" in ran.err
    assert "disabled" in run_cli("user", "list", "--db", pg_desk.url("admin")).out
    assert run_cli("user", "enable", throwaway, "--db", pg_desk.url("admin")).code == 0
    assert run_cli("db", "info", "--db", _url(pg_desk, throwaway)).code == 0
    ran = run_cli("user", "disable", pg_desk.logins["admin"], "--db", pg_desk.url("admin"))
    assert ran.code == 2 and "you cannot disable your own login" in ran.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("user", "add", "Bad Name", "--role", "admin"), "LOGIN 'Bad Name': use up to 63 lower-case letters"),
        (("user", "add", "x_probe", "--role", "boss"), "--role 'boss': give admin, dispatcher or concierge:CODE"),
        (("user", "add", "x_probe", "--role", "concierge:K77", "--password-stdin"), "concierge K77: no concierge has this code"),
        (("user", "add", "x_probe", "--role", "concierge:K01", "--password-stdin"), "concierge K01 already signs in as"),
        (("user", "add", "postgres", "--role", "admin", "--password-stdin"), "login postgres already exists on this database server"),
        (("user", "add", "x_probe", "--role", "admin", "--password", "secret"), "No such option"),
        (("user", "add", "x_probe", "--role", "admin"), "no terminal to type the password on: use --password-stdin"),
    ],
)
def test_user_add_bad_input_is_one_line(args: tuple[str, ...], message: str, pg_desk: PgDesk) -> None:
    """Bad logins, roles, concierges and a password on the command line end with exit 2 and one line."""
    ran = run_cli(*args, "--db", pg_desk.url("admin"), stdin="short\n" if "--password-stdin" not in args else PASSWORD + "\n")
    assert ran.code == 2 and message in ran.err and ran.err.count("\n") == 1, ran.err


def test_short_password_is_refused(pg_desk: PgDesk) -> None:
    ran = run_cli("user", "add", "x_probe", "--role", "admin", "--password-stdin", "--db", pg_desk.url("admin"), stdin="short\n")
    assert ran.code == 2 and "password: at least 8 characters" in ran.err


def test_password_prompt_when_the_server_asks_for_one(pg_desk: PgDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL without a password (and no PGPASSWORD or ~/.pgpass) gets a prompt instead of an error."""
    bare = _without_password(pg_desk.url("k01"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    without = run_cli("db", "info", "--db", bare)
    if without.code == 0:
        pytest.skip("this server trusts logins without a password (pg_hba.conf 'trust'): no prompt to test")
    assert "no password supplied" in without.err
    asked: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": asked.append(prompt) or PASSWORD)
    monkeypatch.setattr("tui.commands.common.sys.stdin.isatty", lambda: True, raising=False)
    from tui import cli

    code = 0
    try:
        cli.main(["route", "--concierge", "K01", "--date", TODAY, "--db", bare])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 0 and asked == [f"Password for {pg_desk.logins['k01']}@{sa.make_url(bare).host}: "]


def test_pgpass_file_is_used(pg_desk: PgDesk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The password may come from ~/.pgpass (PGPASSFILE): libpq reads it, no prompt."""
    url = sa.make_url(pg_desk.url("k01"))
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{url.host}:{url.port}:{url.database}:{url.username}:{PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    ran = run_cli("db", "info", "--db", _without_password(pg_desk.url("k01")))
    assert ran.code == 0 and f"signed in as {pg_desk.logins['k01']}, a concierge (K01)" in ran.out


def test_sslmode_in_the_url_reaches_the_connection(pg_desk: PgDesk) -> None:
    """`?sslmode=require` is honoured: on a server without TLS the connection is refused in one line, on one
    with TLS the session is encrypted (README: connecting over the network)."""
    engine = pg_desk.engine()
    with engine.connect() as conn:
        server_tls = conn.execute(sa.text("SHOW ssl")).scalar() == "on"
    engine.dispose()
    url = pg_desk.url("k01") + "?sslmode=require"
    ran = run_cli("db", "info", "--db", url)
    if not server_tls:
        assert ran.code == 2 and "SSL" in ran.err and ran.err.count("\n") == 1
        return
    assert ran.code == 0
    secured = sa.create_engine(url)
    with secured.connect() as conn:
        assert conn.execute(sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar() is True
    secured.dispose()
