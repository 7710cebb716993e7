"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

`database` runs each test once per backend. PostgreSQL runs when CONCIERGE_TEST_POSTGRES_URL names a
server: `make test` and CI start a throw-away cluster for it (.ci/pg-cluster) when PostgreSQL is
installed. A bare `pytest` without it skips those runs (reason shown by `-ra`); in CI (CI=true) a missing
server is an error, not a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from access_pg import PASSWORD as TEST_PASSWORD
from access_pg import drop_database

from data.access.users import add_user
from data.db import Database, make_engine, make_session_factory, upgrade
from data.models import Base

PG_ENV = "CONCIERGE_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session", autouse=True)
def dispatch_kernels() -> None:
    """Compile the dispatch kernels once per test process before any test (a fresh checkout has no numba
    cache: compiling inside a test would eat its time limit; afterwards this only loads the cache)."""
    from dispatch.warmup import warm_up

    warm_up()


@pytest.fixture(autouse=True)
def no_key_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot presses keys milliseconds apart, like nobody does after a dialog opens: tests run without the
    burst guard of tui.keyguard, except the ones about it (they set GUARD_SECONDS themselves)."""
    monkeypatch.setattr("tui.keyguard.GUARD_SECONDS", 0.0)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated empty SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_base() -> str:
    """The superuser URL of the PostgreSQL server for tests; skips (locally) or fails (CI) without one."""
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests but {PG_ENV} is not set")
        pytest.skip(f"PostgreSQL not configured: run `make test` (starts a throw-away cluster) or set {PG_ENV}")
    return base


@pytest.fixture(scope="session")
def postgres_urls(worker_id: str, postgres_base: str) -> Iterator[tuple[str, str]]:
    """(owner URL, admin URL) of a fresh, migrated PostgreSQL database for this test worker, set up as an
    office does it: a schema-owner role owns the database and runs the migrations, and the tests sign in
    as an admin's own login, so every test on PostgreSQL also checks that the admin's grants suffice."""
    superuser = sa.create_engine(postgres_base, isolation_level="AUTOCOMMIT")
    name = f"concierge_test_{worker_id}".replace("-", "_")
    owner, admin = f"{name}_owner", f"{name}_a"
    with superuser.connect() as conn:
        drop_database(conn, name, (owner,))
        conn.execute(sa.text(f"CREATE ROLE \"{owner}\" LOGIN CREATEROLE PASSWORD '{TEST_PASSWORD}'"))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
    base = sa.make_url(postgres_base).set(database=name, password=TEST_PASSWORD)
    owner_url = base.set(username=owner).render_as_string(hide_password=False)
    engine = make_engine(owner_url)
    upgrade(engine)
    with engine.begin() as conn:
        add_user(conn, admin, "admin", None, TEST_PASSWORD)
    engine.dispose()
    yield owner_url, base.set(username=admin).render_as_string(hide_password=False)
    with superuser.connect() as conn:
        drop_database(conn, name, (owner,))
    superuser.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_urls: tuple[str, str]) -> str:
    """The test database as its admin signs in (not the superuser, not the owner)."""
    return postgres_urls[1]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """An empty, migrated database; the test runs once per backend (on PostgreSQL as an admin's login)."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        owner_url, url = request.getfixturevalue("postgres_urls")
        owner = make_engine(owner_url)
        _truncate(owner)  # the owner's right: an admin may not TRUNCATE
        owner.dispose()
    engine = make_engine(url)
    yield Database(url=url, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


def _truncate(engine: sa.Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
