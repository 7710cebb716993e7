"""A Concierge Desk on a real PostgreSQL set up the way an office does it, for the access tests.

`pg_desk` (one per test worker): a schema-owner role and a database it owns, `concierge db upgrade` as
the owner, the first admin added by the owner, the demo business written by that admin, then a
dispatcher and two concierges (K01, K02) added by the admin, and the day TODAY planned and committed
by the dispatcher — all through the `concierge` command.
Logins are server-wide, so their names carry the worker id (`gw0_k01`); the database and its group
roles carry it too. Without PostgreSQL the tests skip (locally) or fail (CI), like tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from data.access.matrix import Group
from data.db import Database, open_database

TODAY = "2026-11-25"
PASSWORD = "correct horse 42"
GROUP_KINDS = ("admin", "dispatcher", "concierge")


@dataclass(frozen=True)
class Ran:
    """What one `concierge ...` run did."""

    code: int
    out: str
    err: str


def run_cli(*args: str, stdin: str = "") -> Ran:
    """Run `concierge ARGS` in this process (stdin from `stdin`), capturing its exit code and output."""
    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stdin = old_stdin
    return Ran(code, out.getvalue(), err.getvalue())


def drop_database(conn: sa.Connection, name: str, roles: tuple[str, ...] = ()) -> None:
    """Drop a test database, the roles made for it (roles outlive databases): its group roles, the logins
    `concierge user add` made (their comment names the database), and `roles`."""
    made = conn.execute(
        sa.text("SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE :c"),
        {"c": f"Concierge Desk % of database {name}"},
    ).scalars().all()
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for role in (*made, *(f"{name}_{kind}" for kind in GROUP_KINDS), *roles):
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


@dataclass(frozen=True)
class PgDesk:
    """The test desk: URLs per person, the superuser URL, and the people's logins."""

    superuser: str
    """URL of the test server's superuser, on the desk database (to look behind the app's back)."""
    name: str
    """Database name, also the role prefix."""
    owner: str
    logins: dict[str, str]
    """Person -> login: "admin", "dispatcher", "k01", "k02"."""

    def url(self, person: str) -> str:
        """The URL a person signs in with (password in the URL, as PGPASSWORD would give it)."""
        login = self.owner if person == "owner" else self.logins[person]
        return sa.make_url(self.superuser).set(username=login, password=PASSWORD).render_as_string(hide_password=False)

    def open(self, person: str) -> Database:
        return open_database(self.url(person))

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.superuser)

    def group_role(self, group: Group) -> str:
        return f"{self.name}_{group}"


def make_owner_and_database(base: str, name: str, owner: str) -> str:
    """As the server's superuser: the owner role (LOGIN CREATEROLE) and the database it owns."""
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        drop_database(conn, name, (owner,))
        conn.execute(sa.text(f"CREATE ROLE \"{owner}\" LOGIN CREATEROLE PASSWORD '{PASSWORD}'"))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    admin.dispose()
    return sa.make_url(base).set(database=name).render_as_string(hide_password=False)


def pin_two_requests(desk: PgDesk, codes: tuple[str, ...]) -> None:
    """As the dispatcher (plain SQL): pin two of today's open Tokyo requests without special skills to each
    concierge, so the plan gives every one of them visits to probe."""
    engine = sa.create_engine(desk.url("dispatcher"))
    with engine.begin() as conn:
        for code in codes:
            conn.execute(sa.text(
                "UPDATE visit_request SET pinned_concierge_id = (SELECT id FROM concierge WHERE code = :code), "
                "version = version + 1 WHERE id IN (SELECT r.id FROM visit_request r JOIN office o ON o.id = r.office_id "
                "WHERE r.status = 'open' AND r.pinned_concierge_id IS NULL AND r.received_at < :day "
                "AND r.required_skills::text = '[]' AND o.lat > 35 AND r.window_start IS NULL ORDER BY r.id LIMIT 2)"
            ), {"code": code, "day": f"{TODAY} 23:59"})
    engine.dispose()


@pytest.fixture(scope="session", name="pg_desk")
def pg_desk_fixture(postgres_base: str, worker_id: str) -> Iterator[PgDesk]:
    """The desk of this test worker, set up through the command line as an office would."""
    tag = worker_id.replace("-", "_")
    name = f"concierge_access_{tag}"
    logins = {"admin": f"{tag}_adm", "dispatcher": f"{tag}_disp", "k01": f"{tag}_k01", "k02": f"{tag}_k02"}
    cleanup = sa.create_engine(postgres_base, isolation_level="AUTOCOMMIT")
    with cleanup.connect() as conn:
        for login in logins.values():
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{login}"'))
    superuser = make_owner_and_database(postgres_base, name, f"{name}_owner")
    desk = PgDesk(superuser, name, f"{name}_owner", logins)
    steps = [
        (desk.url("owner"), ("db", "upgrade")),
        (desk.url("owner"), ("user", "add", logins["admin"], "--role", "admin", "--password-stdin")),
        (desk.url("admin"), ("demo", "--no-ui", "--today", TODAY)),
        (desk.url("admin"), ("user", "add", logins["dispatcher"], "--role", "dispatcher", "--password-stdin")),
        (desk.url("admin"), ("user", "add", logins["k01"], "--role", "concierge:K01", "--password-stdin")),
        (desk.url("admin"), ("user", "add", logins["k02"], "--role", "concierge:k02", "--password-stdin")),
        (desk.url("dispatcher"), ("plan", "--date", TODAY, "--commit", "--time-limit", "2", "--workers", "1")),
    ]
    for url, args in steps:
        if args[0] == "plan":
            pin_two_requests(desk, ("K01", "K02"))
        ran = run_cli(*args, "--db", url, stdin=PASSWORD + "\n")
        assert ran.code == 0, f"concierge {' '.join(args)}: {ran.err}"
    yield desk
    with cleanup.connect() as conn:
        drop_database(conn, name, (f"{name}_owner", *logins.values()))
    cleanup.dispose()
