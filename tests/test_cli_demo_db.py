"""`concierge demo` and `concierge db upgrade` never destroy or take over a database that is not theirs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from data.db import make_engine, upgrade
from data.demo import DEMO_MARKER
from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _concierge_db(path: Path, *, demo: bool) -> None:
    """A Concierge Desk database with one client (and the demo mark when `demo`)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO client (code, name, language, active, version) VALUES ('C1', '本物の顧客', 'ja', 1, 1)"))
        if demo:
            conn.execute(sa.text("INSERT INTO setting (key, value) VALUES (:k, 'demo')"), {"k": DEMO_MARKER})
    engine.dispose()


def _clients(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM client ORDER BY id")]


def test_demo_refuses_an_existing_file_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`demo --db FILE` on an existing database stops with one line and leaves it alone."""
    path = tmp_path / "office.sqlite3"
    _concierge_db(path, demo=True)
    code, _, err = run(capsys, "demo", "--no-ui", "--db", str(path))
    assert code == 2 and "already exists" in err and "--force" in err and len(err.splitlines()) == 1
    assert _clients(path) == ["本物の顧客"]


@pytest.mark.parametrize("content", ["a Concierge Desk database with real data", "a text file"])
def test_demo_with_force_still_refuses_what_is_not_a_demo_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """--force replaces demo databases only: real data and other files survive."""
    path = tmp_path / "real.sqlite3"
    if content == "a text file":
        path.write_text("家計簿")
    else:
        _concierge_db(path, demo=False)
    code, _, err = run(capsys, "demo", "--no-ui", "--db", str(path), "--force")
    assert code == 2 and "is not a demo database" in err
    if content == "a text file":
        assert path.read_text() == "家計簿"
    else:
        assert _clients(path) == ["本物の顧客"]


def test_demo_with_force_replaces_a_demo_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A demo database given with --force is rebuilt fresh (and marked again, so it can be rebuilt again)."""
    path = tmp_path / "demo.sqlite3"
    _concierge_db(path, demo=True)
    code, _, err = run(capsys, "demo", "--no-ui", "--db", str(path), "--force", "--today", "2026-11-25")
    assert code == 0, err
    clients = _clients(path)
    assert len(clients) == 40 and "本物の顧客" not in clients
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM setting WHERE key = ?", (DEMO_MARKER,)).fetchone() == (1,)


def test_db_upgrade_leaves_another_applications_database_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`db upgrade` on a database with someone else's tables refuses, as every other command does."""
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")
    code, _, err = run(capsys, "db", "upgrade", "--db", str(path))
    assert code == 2 and "belongs to another application" in err
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["invoices"]


@pytest.mark.parametrize("command", [("db", "upgrade"), ("db", "info"), ("export", "clients", "-")])
def test_another_applications_alembic_version_is_not_a_newer_concierge_desk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    """Another Alembic-managed application's database is named as such, not as 'a newer version'."""
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    args = [*command, "--db", str(path)]
    if command[0] == "export":
        args = ["export", "clients", str(tmp_path / "out.csv"), "--db", str(path)]
    code, out, err = run(capsys, *args)
    if command == ("db", "info"):  # info only reports; it writes nothing
        assert code == 0 and "ae1027a6acf" in out
        return
    assert code == 2 and "belongs to another application" in err and "ae1027a6acf" in err
    assert "newer version" not in err


def test_a_newer_concierge_desk_database_is_named_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Concierge Desk database at a revision this program does not know is from a newer release."""
    path = tmp_path / "newer.sqlite3"
    _concierge_db(path, demo=False)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    code, _, err = run(capsys, "db", "upgrade", "--db", str(path))
    assert code == 2 and "newer version of Concierge Desk (schema 0099)" in err


def test_make_demo_rebuilds_its_own_demo_file_but_nothing_else_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --db, `concierge demo` (what `make demo` runs) rebuilds demo.sqlite3 in the data directory:
    a file from before demo databases were marked (schema 0001) is replaced; an unmarked one is not."""
    import tui.commands.demo

    monkeypatch.setattr(tui.commands.demo, "default_sqlite_path", lambda: tmp_path / "concierge.sqlite3")
    path = tmp_path / "demo.sqlite3"
    _concierge_db(path, demo=False)
    code, _, err = run(capsys, "demo", "--no-ui")
    assert code == 2 and "is not a demo database" in err
    assert _clients(path) == ["本物の顧客"]
    path.unlink()
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    engine.dispose()
    code, _, err = run(capsys, "demo", "--no-ui", "--today", "2026-11-25")
    assert code == 0, err
    assert len(_clients(path)) == 40
