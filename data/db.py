"""Engines, sessions and the schema version check.

`open_database(target)` is what the app and every command call at start-up: it resolves the target (a
file path, a URL, `$CONCIERGE_DATABASE_URL`, or the default SQLite file in the user data directory),
checks that it can be reached and is a database of ours, brings a *new* database to the current
schema, and refuses one whose schema is older or newer than this version of the code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
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

from data.errors import AccessDenied, ConflictError, DatabaseError, DataError

if TYPE_CHECKING:
    from alembic.config import Config

    from data.access.identity import SignedIn

AskPassword = Callable[[str], str | None]
"""Asks the person for a password (the prompt names login and server); None when nobody can answer."""

SCHEMA_HEAD = "0003"
"""The newest migration in data/migrations/versions (a test keeps it equal to Alembic's head). Checking a
database at this revision needs no Alembic import, which keeps the app's start-up short."""

ENV_URL = "CONCIERGE_DATABASE_URL"
SQLITE_MAGIC = b"SQLite format 3\x00"
MIGRATIONS = Path(__file__).with_name("migrations")


def default_sqlite_path() -> Path:
    """Where the embedded database lives when nothing else is configured."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("concierge-desk", appauthor=False)) / "concierge.sqlite3"


def resolve_url(target: str | None) -> str:
    """Turn `--db` (a path or a URL), `$CONCIERGE_DATABASE_URL` or the default into a SQLAlchemy URL."""
    if not target:
        target = os.environ.get(ENV_URL) or str(default_sqlite_path())
    if "://" not in target:
        return f"sqlite:///{Path(target).expanduser().resolve()}"
    try:
        url = make_url(target)
    except ArgumentError as exc:
        raise DatabaseError(f"database URL {target!r} is not a valid URL") from exc
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
            file = Path(path)
            if file.is_dir():
                raise DatabaseError(f"{file} is a directory, not a database file")
            if file.exists() and file.stat().st_size > 0:
                with file.open("rb") as fh:
                    if fh.read(16) != SQLITE_MAGIC:
                        raise DatabaseError(f"{file} is not an SQLite database")
            file.parent.mkdir(parents=True, exist_ok=True)
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


def alembic_config(engine: Engine | None = None, *, role_prefix: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations (no alembic.ini needed).

    `role_prefix` names the PostgreSQL group roles when migration 0003 creates them (default: the
    database name; see data/access/grants.py).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    if role_prefix:
        config.attributes["role_prefix"] = role_prefix
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


def upgrade(engine: Engine, revision: str = "head", *, role_prefix: str | None = None) -> None:
    """Bring the database schema to `revision` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(engine, role_prefix=role_prefix), revision)


def schema_owner(engine: Engine) -> str | None:
    """PostgreSQL: the role that owns the schema (the owner of its tables, else of the database)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        owner: str | None = conn.execute(sa.text(
            "SELECT coalesce("
            "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('alembic_version')), "
            "(SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()))"
        )).scalar()
        return owner


def check_may_upgrade(engine: Engine) -> None:
    """Refuse to change the schema unless signed in as its owner (PostgreSQL; SQLite has no logins).

    The owner creates and owns every table, function and group role; anyone else running the
    migrations would own half of them, or lack the rights to finish.
    """
    owner = schema_owner(engine)
    if owner is None:
        return
    with engine.connect() as conn:
        login = conn.execute(sa.text("SELECT session_user::text")).scalar_one()
    if login != owner:
        raise AccessDenied(
            f"you are signed in as {login}: `concierge db upgrade` runs only as the schema owner {owner} "
            f"(--db postgresql+psycopg://{owner}@{engine.url.host or 'localhost'}/{engine.url.database})"
        )


def _connect_check(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open {_describe(engine.url)}: {reason}") from exc


def _needs_password(error: OperationalError) -> bool:
    return "no password supplied" in str(error.orig)


def _connect(url: str, ask_password: AskPassword | None) -> Engine:
    """An engine on `url` that can connect; asks for the password when the server wants one and none
    came with the URL, `PGPASSWORD` or `~/.pgpass` (libpq reads those itself)."""
    engine = make_engine(url)
    try:
        _connect_check(engine)
    except DatabaseError as exc:
        cause = exc.__cause__
        if ask_password is None or not isinstance(cause, OperationalError) or not _needs_password(cause):
            raise
        parsed = engine.url
        engine.dispose()
        password = ask_password(f"Password for {parsed.username or os.environ.get('PGUSER', '')}@{parsed.host or 'localhost'}: ")
        if not password:
            raise
        engine = make_engine(parsed.set(password=password).render_as_string(hide_password=False))
        _connect_check(engine)
    return engine


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
            try:
                check_may_upgrade(engine)
            except AccessDenied as exc:
                raise DatabaseError(f"{_describe(engine.url)} is empty: {exc}") from None
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
    signed_in: SignedIn | None = None
    """PostgreSQL: the login and its role in this database (data.access.identity); None on SQLite."""

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


def open_database(
    target: str | None = None,
    *,
    migrate: bool = True,
    need: str | None = None,
    ask_password: AskPassword | None = None,
) -> Database:
    """Resolve, connect, check (and for a new database create) the schema; return the Database.

    On PostgreSQL the login's role is read (`Database.signed_in`); `need` names a capability of
    data.access.matrix the login must have (AccessDenied otherwise), and every permission error the
    database raises later becomes an AccessDenied sentence naming the person. `ask_password` is
    called when the server wants a password that the URL, PGPASSWORD and ~/.pgpass do not give.
    """
    from data.access.identity import require, signed_in

    url = resolve_url(target)
    engine = _connect(url, ask_password)
    if migrate:
        check_schema(engine)
    who: SignedIn | None = None
    if engine.dialect.name == "postgresql" and migrate:
        with engine.connect() as conn:
            who = signed_in(conn)
        _explain_refusals(engine, who)
    if need is not None:
        require(who, need)
    return Database(url=engine.url.render_as_string(hide_password=False), engine=engine,
                    sessions=make_session_factory(engine), signed_in=who)


_REFUSED = "42501"  # insufficient_privilege: GRANTs, row policies, our functions' admin check
_OWN_ERRORS = ("22023", "42710", "42704")  # the account functions' bad input, existing and unknown logins


def _explain_refusals(engine: Engine, who: SignedIn | None) -> None:
    """Turn the database's permission errors into one sentence naming the person (AccessDenied)."""
    from data.access.identity import denial

    login = engine.url.username or ""

    def on_error(context: sa.engine.ExceptionContext) -> None:
        code = getattr(context.original_exception, "sqlstate", None)
        statement = context.statement or ""
        if code == _REFUSED:
            raise AccessDenied(denial(who, login, statement, str(context.original_exception))) from context.sqlalchemy_exception
        if code in _OWN_ERRORS and "desk_access." in statement:
            diag = getattr(context.original_exception, "diag", None)
            message = getattr(diag, "message_primary", None) or str(context.original_exception).splitlines()[0]
            raise DataError(message) from context.sqlalchemy_exception

    event.listen(engine, "handle_error", on_error)
