"""Engines, sessions and the schema version check.

`open_database(target)` is what the app and every command call at start-up: it resolves the target (a
file path, a URL, `$CONCIERGE_DATABASE_URL`, or the default SQLite file in the user data directory),
checks that it can be reached and is a database of ours, brings a *new* database to the current
schema, and refuses one whose schema is older or newer than this version of the code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from data.errors import ConflictError, DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

SCHEMA_HEAD = "0001"
"""The newest migration in data/migrations/versions (a test keeps it equal to Alembic's head). Checking a
database at this revision needs no Alembic import, which keeps the app's start-up short."""

ENV_URL = "CONCIERGE_DATABASE_URL"
SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATIONS = Path(__file__).with_name("migrations")


def default_sqlite_path() -> Path:
    """Where the embedded database lives when nothing else is configured."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("concierge-desk", appauthor=False)) / "concierge.sqlite3"


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?!\\)")
"""`postgresql:…`, `sqlite:…` (not `C:\\…`): a URL scheme, whatever follows."""


def _shown_url(target: str) -> str:
    """The target for a message: a password hidden, cut to 80 characters."""
    text = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", target)
    text = re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*:/?[^:/@]*:)[^@/]*@", r"\1***@", text)
    return repr(text if len(text) <= 80 else text[:80] + "…")


def _sqlite_path(target: str) -> Path:
    """The absolute path of an SQLite file target; refuses what cannot be a database file."""
    if len(target) > 4096 or any(len(part) > 255 for part in Path(target).parts) or "\x00" in target:
        raise DatabaseError(f"--db: {_shown_url(target)} is too long a path")
    try:
        path = Path(target).expanduser().resolve()
    except RuntimeError:  # ~nosuchuser
        raise DatabaseError(f"--db: {_shown_url(target)}: no such user's home folder") from None
    except OSError as exc:
        raise DatabaseError(f"--db: {_shown_url(target)}: {exc.strerror}") from None
    return path


def resolve_url(target: str | None) -> str:
    """Turn `--db` (a path or a URL), `$CONCIERGE_DATABASE_URL` or the default into a SQLAlchemy URL."""
    chosen = bool(target or os.environ.get(ENV_URL))
    if not target:
        target = os.environ.get(ENV_URL) or str(default_sqlite_path())
    if "://" not in target:
        if _SCHEME.match(target) and not Path(target).exists():
            raise DatabaseError(
                f"--db: {_shown_url(target)} looks like a URL but lacks '//' after the scheme "
                "(write postgresql://USER@HOST/DB, or a file path)"
            )
        path = _sqlite_path(target)
        if chosen and not path.parent.is_dir():  # only the default folder is created; a typo is not
            raise DatabaseError(f"--db: the folder {str(path.parent)[:200]!r} does not exist (create it first)")
        return f"sqlite:///{path}"
    try:
        url = make_url(target)
    except ArgumentError as exc:
        raise DatabaseError(f"database URL {_shown_url(target)} is not a valid URL") from exc
    except ValueError as exc:  # a port that is no number
        raise DatabaseError(f"database URL {_shown_url(target)} is not a valid URL ({exc})") from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return target
    raise DatabaseError(
        f"database URL scheme {url.drivername!r} is not supported: use a file path, sqlite:///FILE "
        "or postgresql+psycopg://USER@HOST/DB"
    )


def _describe(url: sa.URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite gets foreign keys enforced on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if path and path != ":memory:":
            _check_sqlite_file(Path(path))
        engine = sa.create_engine(url)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    try:
        return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            "PostgreSQL support is not installed: pip install 'concierge-desk[postgres]'"
        ) from exc


def _check_sqlite_file(file: Path) -> None:
    """An SQLite database file, or a place for a new one: not a folder, a device or another kind of file."""
    try:
        if file.is_dir():
            raise DatabaseError(f"{file} is a directory, not a database file")
        if file.exists():
            if not file.is_file():
                raise DatabaseError(f"{file} is not a regular file (a device or a pipe cannot hold a database)")
            if file.stat().st_size > 0:
                with file.open("rb") as fh:
                    if fh.read(16) != SQLITE_MAGIC:
                        raise DatabaseError(f"{file} is not an SQLite database")
        elif file.parent.exists() and not file.parent.is_dir():
            raise DatabaseError(f"{file.parent} is not a folder")
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"{file}: {exc.strerror or exc}") from None


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs (used to validate CSV rows one by one):
    # let SQLAlchemy emit BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (app workers, two users)
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_on_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one unit of work each: `with sessions() as s, s.begin(): ...`.

    Every session refuses changes to visits and incidents of a closed billing month (data.locks).
    """
    from data.locks import install_lock_guard

    factory = sessionmaker(engine, expire_on_commit=False)
    install_lock_guard(factory)
    return factory


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration revision, as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the database, or None for a database without one."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def _connect_check(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            if engine.url.get_backend_name() == "sqlite":
                conn.execute(sa.text("SELECT count(*) FROM sqlite_master"))  # reads the file: a corrupt one fails here
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open {_describe(engine.url)}: {reason[:200]}") from exc


def check_schema(engine: Engine, *, create_if_empty: bool = True) -> None:
    """Upgrade an empty database; refuse one at an older or unknown (newer) schema revision."""
    _connect_check(engine)
    try:
        revision = current_revision(engine)
    except sa.exc.DatabaseError as exc:
        raise DatabaseError(f"{_describe(engine.url)} cannot be read: {exc.orig}") from exc
    if revision == SCHEMA_HEAD:
        return
    head = head_revision()
    if revision == head:
        return
    if revision is None:
        tables = sa.inspect(engine).get_table_names()
        if tables:
            raise DatabaseError(
                f"{_describe(engine.url)} has tables but no Concierge Desk schema version; "
                "it belongs to another application"
            )
        if create_if_empty:
            upgrade(engine)
            return
        raise DatabaseError(f"{_describe(engine.url)} is empty: run `concierge db upgrade`")
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise DatabaseError(
            f"{_describe(engine.url)} was created by a newer version of Concierge Desk "
            f"(schema {revision}); upgrade the application"
        )
    raise DatabaseError(
        f"{_describe(engine.url)} uses an older schema ({revision}, this version needs {head}): "
        "run `concierge db upgrade`"
    )


@dataclass(frozen=True)
class Database:
    """An opened, schema-checked database: the engine and its session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls back on any error, maps stale writes to conflicts."""
        with self.sessions() as session:
            try:
                with session.begin():
                    yield session
            except StaleDataError as exc:
                raise ConflictError(
                    "someone else changed this record since you opened it; reload and try again"
                ) from exc
            except OperationalError as exc:
                if "database is locked" not in str(exc.orig):
                    raise
                # SQLite: another user committed to the data this unit of work had read.
                raise ConflictError(
                    "someone else changed the data at the same time; reload and try again"
                ) from exc

    def describe(self) -> str:
        return _describe(self.engine.url)


def open_database(target: str | None = None, *, migrate: bool = True) -> Database:
    """Resolve, connect, check (and for a new database create) the schema; return the Database."""
    url = resolve_url(target)
    engine = make_engine(url)
    if migrate:
        check_schema(engine)
    else:
        _connect_check(engine)
    return Database(url=url, engine=engine, sessions=make_session_factory(engine))
