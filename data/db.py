"""Engines, sessions and the schema version check.

`open_database(target)` is what the app and every command call at start-up: it resolves the target (a
file path, a URL, `$CONCIERGE_DATABASE_URL`, or the default SQLite file in the user data directory),
checks that it can be reached and is a database of ours, brings a *new* database to the current
schema, and refuses one whose schema is older or newer than this version of the code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from data.access.owner import check_may_upgrade
from data.access.sessions import explain_ended_sessions
from data.errors import AccessDenied, BusyError, ConflictError, DatabaseError, DataError

if TYPE_CHECKING:
    from alembic.config import Config

    from data.access.identity import SignedIn

AskPassword = Callable[[str], str | None]
"""Asks the person for a password (the prompt names login and server); None when nobody can answer."""

SCHEMA_HEAD = "0007"
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
        engine = sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            "PostgreSQL support is not installed: pip install 'concierge-desk[postgres]'"
        ) from exc
    explain_ended_sessions(engine)
    return engine


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


SQLITE_BEGIN = "sqlite_begin"
"""Connection execution option: "IMMEDIATE" makes the next transaction on it start with BEGIN IMMEDIATE."""


def _sqlite_on_begin(connection: sa.Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


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


def _connect_check(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            if engine.url.get_backend_name() == "sqlite":
                conn.execute(sa.text("SELECT count(*) FROM sqlite_master"))  # reads the file: a corrupt one fails here
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open {_describe(engine.url)}: {reason[:200]}") from exc


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


OUR_TABLES = frozenset({"client", "concierge", "visit_request", "closed_month", "invoice_line"})
"""Tables only a Concierge Desk database has: an unknown revision with them is a newer Concierge Desk."""


def schema_state(engine: Engine) -> tuple[str, str | None]:
    """(state, revision): "current", "empty", "older" (upgradeable), "newer" (a newer Concierge Desk) or
    "foreign" (another application's database, with or without its own alembic_version)."""
    _connect_check(engine)
    try:
        revision = current_revision(engine)
        tables = set(sa.inspect(engine).get_table_names()) if revision != SCHEMA_HEAD else set(OUR_TABLES)
    except sa.exc.DatabaseError as exc:
        raise DatabaseError(f"{_describe(engine.url)} cannot be read: {exc.orig}") from exc
    if revision == SCHEMA_HEAD:
        return "current", revision
    if revision is None:
        return ("foreign" if tables - {"alembic_version"} else "empty"), None
    if revision == head_revision():
        return "current", revision
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        known = False
    if known:
        return "older", revision
    return ("newer" if tables >= OUR_TABLES else "foreign"), revision


def refusal(engine: Engine, state: str, revision: str | None) -> DatabaseError:
    """The sentence for a database this version must not touch (state "newer" or "foreign")."""
    where = _describe(engine.url)
    if state == "newer":
        return DatabaseError(
            f"{where} was created by a newer version of Concierge Desk (schema {revision}); upgrade the application"
        )
    version = f" (its schema version {revision!r} is not one of Concierge Desk's)" if revision else ""
    return DatabaseError(
        f"{where} belongs to another application{version}; Concierge Desk needs an empty database or its own"
    )


def check_schema(engine: Engine, *, create_if_empty: bool = True) -> None:
    """Upgrade an empty database; refuse one at an older or newer schema, or another application's."""
    state, revision = schema_state(engine)
    if state == "current":
        return
    if state == "empty":
        if create_if_empty:
            try:
                check_may_upgrade(engine)
            except AccessDenied as exc:
                raise DatabaseError(f"{_describe(engine.url)} is empty: {exc}") from None
            upgrade(engine)
            return
        raise DatabaseError(f"{_describe(engine.url)} is empty: run `concierge db upgrade`")
    if state == "older":
        raise DatabaseError(
            f"{_describe(engine.url)} uses an older schema ({revision}, this version needs {head_revision()}): "
            "run `concierge db upgrade`"
        )
    raise refusal(engine, state, revision)


def upgrade_checked(engine: Engine, *, role_prefix: str | None = None) -> tuple[str | None, str | None]:
    """`concierge db upgrade`: (revision before, after); refuses another application's or a newer database."""
    state, revision = schema_state(engine)
    if state in ("newer", "foreign"):
        raise refusal(engine, state, revision)
    if state != "current":
        upgrade(engine, role_prefix=role_prefix)
    return revision, current_revision(engine)


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
        """One unit of work: commits on success, rolls back on any error, and reports what went wrong
        in the user's words: a stale write or a real race as ConflictError, a refused constraint as the
        DataError naming its field (data.integrity), a busy SQLite file as BusyError.

        On SQLite the unit of work starts with BEGIN IMMEDIATE: it waits (busy_timeout) for the one
        writer SQLite allows, then reads what that writer committed. With a plain BEGIN, a transaction that
        read before another one committed can never write ("database is locked" at once, busy_timeout not
        consulted), so saves of *different* records by two people were refused as conflicts.
        """
        from data.integrity import translate

        sqlite = self.engine.dialect.name == "sqlite"
        with self.sessions() as session:
            try:
                with session.begin():
                    if sqlite:
                        session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                    yield session
            except StaleDataError as exc:
                raise ConflictError(
                    "someone else changed this record since you opened it; reload and try again"
                ) from exc
            except IntegrityError as exc:
                raise translate(exc) from exc
            except OperationalError as exc:
                mapped = _operational(exc, sqlite)
                if mapped is exc:
                    raise
                raise mapped from exc

    def describe(self) -> str:
        return _describe(self.engine.url)


def _operational(exc: OperationalError, sqlite: bool) -> OperationalError | DataError:
    """A busy SQLite file or a PostgreSQL deadlock/serialization failure as a sentence; anything else as is."""
    text = str(exc.orig)
    if sqlite and ("database is locked" in text or "database is busy" in text):
        return BusyError(
            "the database is busy with another user's change (a long import or billing close?); "
            "nothing was saved, try again in a moment"
        )
    if getattr(exc.orig, "sqlstate", None) in ("40001", "40P01"):
        return ConflictError("someone else changed the same data at the same time; nothing was saved, try again")
    return exc


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
    from data.access.identity import explain_refusals, require, signed_in

    url = resolve_url(target)
    engine = _connect(url, ask_password)
    if migrate:
        check_schema(engine)
    who: SignedIn | None = None
    if engine.dialect.name == "postgresql" and migrate:
        with engine.connect() as conn:
            who = signed_in(conn)
        explain_refusals(engine, who)
    if need is not None:
        require(who, need)
    return Database(url=engine.url.render_as_string(hide_password=False), engine=engine,
                    sessions=make_session_factory(engine), signed_in=who)
