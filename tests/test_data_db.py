"""Opening databases: schema creation, drift, and the errors a user sees for a wrong target."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from data.db import SCHEMA_HEAD, Database, check_schema, head_revision, make_engine, open_database, resolve_url, upgrade
from data.errors import DatabaseError
from data.models import Base


def test_migrations_produce_exactly_the_models_schema(database: Database) -> None:
    """The Alembic migrations create the same tables, columns and constraints as the models (no drift)."""
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_new_sqlite_file_is_created_and_migrated_on_first_open(tmp_path: Path) -> None:
    """The first start on a new file creates it at the current schema."""
    path = tmp_path / "new.sqlite3"
    database = open_database(str(path))
    assert path.exists()
    assert "client" in sa.inspect(database.engine).get_table_names()


def test_a_missing_folder_for_db_is_refused_not_created(tmp_path: Path) -> None:
    """--db sub/new.sqlite3 with no folder `sub`: a typo is named, no folder appears (only the default folder is created)."""
    with pytest.raises(DatabaseError, match="folder .* does not exist"):
        open_database(str(tmp_path / "sub" / "new.sqlite3"))
    assert not (tmp_path / "sub").exists()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    """An office pointing at a missing client is refused on SQLite too."""
    database = open_database(str(tmp_path / "fk.sqlite3"))
    with pytest.raises(sa.exc.IntegrityError), database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO office (client_id, code, name, address, lat, lon, opens, closes, version) "
            "VALUES (999, 'O1', 'x', 'y', 35, 139, '09:00:00', '18:00:00', 1)"
        ))


def test_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    """Pointing --db at a text file names the file instead of corrupting it."""
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(DatabaseError, match="notes.txt is not an SQLite database"):
        open_database(str(path))
    assert path.read_text() == "hello"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "oracle://x"])
def test_unknown_url_scheme_is_refused(url: str) -> None:
    """Only SQLite and PostgreSQL URLs are accepted, with a hint of what to type."""
    with pytest.raises(DatabaseError, match="not supported"):
        resolve_url(url)


def test_postgresql_url_gets_the_psycopg_driver() -> None:
    """A plain postgresql:// URL works without naming the driver."""
    assert resolve_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def test_unreachable_postgresql_is_one_sentence() -> None:
    """A server that does not answer gives 'cannot open PostgreSQL at host:port'."""
    with pytest.raises(DatabaseError, match=r"cannot open PostgreSQL at 127\.0\.0\.1:9/x"):
        open_database("postgresql://nobody@127.0.0.1:9/x")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    """A database written by a newer release (unknown revision) is not touched."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0000_old'"))
    with pytest.raises(DatabaseError, match="newer version"):
        check_schema(engine)


def test_database_of_another_application_is_refused(tmp_path: Path) -> None:
    """A SQLite file with foreign tables and no schema version is not touched."""
    engine = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE stuff (id INTEGER)"))
    with pytest.raises(DatabaseError, match="another application"):
        check_schema(engine)


def test_schema_head_constant_is_the_newest_migration() -> None:
    """data.db checks a database at SCHEMA_HEAD without Alembic; a new migration must move it too."""
    assert head_revision() == SCHEMA_HEAD


def test_head_revision_is_known() -> None:
    """The packaged migrations have a single head."""
    assert head_revision()
