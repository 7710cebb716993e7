"""Migrations 0003 and 0007 on PostgreSQL: two desks on one server keep apart, a downgrade removes exactly what the
upgrade created (the people's logins stay, without rights), and 0007's session ending comes and goes with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from access_pg import PASSWORD, PgDesk, make_owner_and_database, pg_desk_fixture, run_cli  # noqa: F401  (the pg_desk fixture)
from alembic import command

from data.access.matrix import ROW_SCOPES
from data.db import alembic_config, current_revision, make_engine


@pytest.fixture
def training(pg_desk: PgDesk, postgres_base: str) -> Iterator[PgDesk]:
    """A second desk on the same server (a training copy), set up with its own role prefix through the CLI."""
    name = f"{pg_desk.name}_training"
    prefix = f"{pg_desk.logins['admin']}_training"
    superuser = make_owner_and_database(postgres_base, name, f"{name}_owner")
    desk = PgDesk(superuser, name, f"{name}_owner", {"admin": f"{prefix}_adm"})
    ran = run_cli("db", "upgrade", "--role-prefix", prefix, "--db", desk.url("owner"))
    assert ran.code == 0, ran.err
    ran = run_cli("user", "add", desk.logins["admin"], "--role", "admin", "--password-stdin", "--db", desk.url("owner"),
                  stdin=PASSWORD + "\n")
    assert ran.code == 0, ran.err
    yield PgDesk(superuser, prefix, desk.owner, desk.logins)  # name = the role prefix, for group_role()
    from access_pg import drop_database

    cleanup = sa.create_engine(postgres_base, isolation_level="AUTOCOMMIT")
    with cleanup.connect() as conn:
        drop_database(conn, name, (f"{name}_owner", desk.logins["admin"], *(f"{prefix}_{k}" for k in ("admin", "dispatcher", "concierge"))))
    cleanup.dispose()


def _roles(engine: sa.Engine, prefix: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{prefix}\\_%"}).scalars())


def test_two_desks_on_one_server_keep_apart(pg_desk: PgDesk, training: PgDesk) -> None:
    """Each desk has its own group roles (the prefix is stored in the database); a login of one desk cannot
    connect to the other, and an admin of one cannot change the other's people."""
    engine = sa.create_engine(training.superuser)
    with engine.connect() as conn:
        prefix = conn.execute(sa.text("SELECT role_prefix FROM desk_access.config")).scalar_one()
    assert prefix == training.name
    assert {training.group_role(g) for g in ("admin", "dispatcher", "concierge")} <= _roles(engine, training.name)
    engine.dispose()
    other_url = sa.make_url(pg_desk.url("k01")).set(username=training.logins["admin"]).render_as_string(hide_password=False)
    ran = run_cli("db", "info", "--db", other_url)
    assert ran.code == 2 and "permission denied for database" in ran.err and ran.err.count("\n") == 1
    ran = run_cli("user", "disable", pg_desk.logins["k01"], "--db", training.url("admin"))
    assert ran.code == 2 and f"login {pg_desk.logins['k01']} is not a user of this database" in ran.err


def test_a_prefix_already_taken_is_refused_before_anything_changes(pg_desk: PgDesk, postgres_base: str) -> None:
    """Upgrading a database whose role names another desk already uses stops with one sentence, and writes
    nothing (all migrations run in one transaction)."""
    name = f"{pg_desk.name}_clash"
    superuser = make_owner_and_database(postgres_base, name, f"{name}_owner")
    clash = PgDesk(superuser, name, f"{name}_owner", {})
    ran = run_cli("db", "upgrade", "--role-prefix", pg_desk.name, "--db", clash.url("owner"))
    assert ran.code == 2 and f"role {pg_desk.name}_admin already exists on this server" in ran.err
    assert "--role-prefix NAME" in ran.err and ran.err.count("\n") == 1
    engine = make_engine(clash.url("owner"))
    assert current_revision(engine) is None
    engine.dispose()
    from access_pg import drop_database

    cleanup = sa.create_engine(postgres_base, isolation_level="AUTOCOMMIT")
    with cleanup.connect() as conn:
        drop_database(conn, name, (f"{name}_owner",))
    cleanup.dispose()


def test_downgrade_removes_exactly_what_the_upgrade_created(training: PgDesk) -> None:
    """0003 down: no group roles, no access schema, no row policies or row security, CONNECT back to PUBLIC;
    the people's logins stay without rights. Up again: everything is back."""
    owner = make_engine(training.url("owner"))
    superuser = sa.create_engine(training.superuser)
    login = training.logins["admin"]

    def state() -> dict[str, object]:
        with superuser.connect() as conn:
            return {
                "groups": _roles(superuser, training.name) - {login},
                "schema": conn.execute(sa.text("SELECT to_regnamespace('desk_access') IS NOT NULL")).scalar(),
                "policies": conn.execute(sa.text("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'")).scalar(),
                "row security": conn.execute(sa.text(
                    "SELECT count(*) FROM pg_class WHERE relrowsecurity AND relnamespace = 'public'::regnamespace")).scalar(),
                "public connect": conn.execute(sa.text(
                    "SELECT has_database_privilege('public', current_database(), 'CONNECT')")).scalar(),
                "login reads clients": conn.execute(sa.text(
                    "SELECT has_table_privilege(:r, 'public.client', 'SELECT')"), {"r": login}).scalar(),
                "login exists": conn.execute(sa.text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": login}).scalar(),
            }

    up = state()
    assert up["groups"] and up["schema"] and up["policies"] and up["row security"] == len(ROW_SCOPES)
    assert (up["public connect"], up["login reads clients"], up["login exists"]) == (False, True, 1)
    command.downgrade(alembic_config(owner), "0002")
    assert current_revision(owner) == "0002"
    assert state() == {"groups": set(), "schema": False, "policies": 0, "row security": 0, "public connect": True,
                       "login reads clients": False, "login exists": 1}
    command.upgrade(alembic_config(owner, role_prefix=training.name), "head")
    again = state()
    assert again["groups"] == up["groups"] and again["policies"] == up["policies"] and again["public connect"] is False
    owner.dispose()
    superuser.dispose()



def test_0007_adds_session_ending_and_takes_it_back(training: PgDesk) -> None:
    """0007 down: no end_sessions, no trigger on concierge, set_login as 0003 made it. Up again: `user disable`
    ends the login's open session."""
    owner = make_engine(training.url("owner"))
    superuser = sa.create_engine(training.superuser)
    login = f"{training.logins['admin']}_d"
    ran = run_cli("user", "add", login, "--role", "dispatcher", "--password-stdin", "--db", training.url("admin"),
                  stdin=PASSWORD + "\n")
    assert ran.code == 0, ran.err

    def state() -> tuple[bool, int, bool]:
        with superuser.connect() as conn:
            return (
                conn.execute(sa.text("SELECT to_regprocedure('desk_access.end_sessions(text)') IS NOT NULL")).scalar_one(),
                conn.execute(sa.text("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.concierge'::regclass "
                                     "AND tgname LIKE 'desk_%'")).scalar_one(),
                "end_sessions" in conn.execute(sa.text(
                    "SELECT pg_get_functiondef('desk_access.set_login(text, boolean)'::regprocedure)")).scalar_one(),
            )

    try:
        assert state() == (True, 1, True)
        command.downgrade(alembic_config(owner), "0006")
        assert current_revision(owner) == "0006" and state() == (False, 0, False)
        command.upgrade(alembic_config(owner), "head")
        assert state() == (True, 1, True)
        held = sa.create_engine(sa.make_url(training.url("admin")).set(username=login)).connect()
        held.execute(sa.text("SELECT 1"))
        assert run_cli("user", "disable", login, "--db", training.url("admin")).code == 0
        with pytest.raises(sa.exc.OperationalError, match="terminating connection due to administrator command"):
            held.execute(sa.text("SELECT 1"))
        held.close()
    finally:
        with superuser.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{login}"'))
            conn.commit()
        owner.dispose()
        superuser.dispose()

def test_sqlite_has_no_logins(tmp_path: Path) -> None:
    """On SQLite 0003 does nothing and `user` commands say why: the file's permissions are the only wall."""
    path = tmp_path / "desk.sqlite3"
    ran = run_cli("user", "add", "k01", "--role", "concierge:K01", "--password-stdin", "--db", str(path), stdin=PASSWORD + "\n")
    assert ran.code == 2 and "user accounts exist only on PostgreSQL" in ran.err
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert "desk_access" not in str(conn.execute(sa.text("SELECT group_concat(name) FROM sqlite_master")).scalar())
    engine.dispose()
