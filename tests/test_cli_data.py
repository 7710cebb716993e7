"""The `concierge` data commands as a user runs them: summaries on success, one line on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run


def test_demo_export_import_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """demo --no-ui, export clients, import into a fresh file: same rows, summary lines printed."""
    demo, fresh = str(tmp_path / "x.db"), str(tmp_path / "y.db")
    code, out, _ = run(capsys, "demo", "--no-ui", "--db", demo, "--today", "2026-11-25")
    assert code == 0 and out.startswith("demo data: 40 clients")
    csv = str(tmp_path / "c.csv")
    assert run(capsys, "export", "clients", csv, "--db", demo)[0] == 0
    code, out, _ = run(capsys, "import", "clients", csv, "--db", fresh)
    assert (code, out.strip()) == (0, "clients: 40 rows read, 40 created, 0 updated, 0 unchanged")
    again = str(tmp_path / "c2.csv")
    run(capsys, "export", "clients", again, "--db", fresh)
    assert Path(csv).read_bytes() == Path(again).read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (("db", "info", "--db", "mysql://u@h/db"), "database URL scheme 'mysql' is not supported"),
    (("db", "info", "--db", "postgresql://nobody@127.0.0.1:9/x"), "cannot open PostgreSQL at 127.0.0.1:9/x"),
    (("export", "planets", "p.csv"), "'planets' is not one of clients, offices, seats, concierges"),
    (("demo", "--no-ui", "--today", "tomorrow"), "'tomorrow' is not a date"),
    (("--as", "boss"), "'boss' is not admin, dispatcher or concierge:CODE"),
])
def test_bad_input_is_one_line_on_stderr_with_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    """Wrong URLs, kinds, dates and roles give exit code 2 and one line naming the problem, no traceback."""
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_not_a_database_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--db pointing at a text file is refused in one line."""
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    code, _, err = run(capsys, "db", "info", "--db", str(notes))
    assert code == 2 and err.strip() == f"concierge: {notes} is not an SQLite database"


def test_bad_csv_lists_every_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An import with bad rows exits 2, lists them, and leaves the database empty."""
    db = str(tmp_path / "x.db")
    path = tmp_path / "clients.csv"
    path.write_text("code,name,language\nC1,,ja\nC2,ok,xx\nC3,fine,en\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "clients", str(path), "--db", db)
    assert code == 2
    assert "2 bad row(s), nothing imported" in err
    assert "line 2, column name: required" in err and "line 3, column language: 'xx'" in err
    code, _, _ = run(capsys, "export", "clients", str(tmp_path / "out.csv"), "--db", db)
    assert (tmp_path / "out.csv").read_text().strip() == (
        "code,name,name_kana,contact_person,phone,email,language,active,notes"
    )


def test_db_upgrade_reports_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`db upgrade` on a new file creates the schema and says so; a second run says it is current."""
    db = str(tmp_path / "new.db")
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and "upgraded from empty to schema" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and "already at schema" in out
