"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

`database` runs each test once per backend. PostgreSQL runs when CONCIERGE_TEST_POSTGRES_URL names a
server (CI starts one); locally without it those runs are skipped with the reason shown by `-ra`,
and in CI (CI=true) a missing server is an error, not a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated empty SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test worker."""
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests but {PG_ENV} is not set")
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV} (CI does) to run this on PostgreSQL")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"concierge_test_{worker_id}".replace("-", "_")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """An empty, migrated database; the test runs once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    if request.param == "postgresql":
        _truncate(engine)
    yield Database(url=url, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


def _truncate(engine: sa.Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
