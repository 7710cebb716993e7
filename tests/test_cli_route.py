"""`concierge route` and `concierge plan --date` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest
import typer
from board_scenario import build

from data.db import Database, make_engine, make_session_factory, upgrade
from tui.cli import build_app


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from tui import cli

    app: typer.Typer = build_app()
    if not any(c.name == "plan" and c.callback and c.callback.__module__ == "tui.commands.plan_db" for c in app.registered_commands):
        from tui.commands import plan_db

        plan_db.register(app)  # until the lead lists tui.commands.plan_db in COMMAND_MODULES
    try:
        original = cli.build_app
        cli.build_app = lambda: app
        try:
            cli.main(list(args))
        finally:
            cli.build_app = original
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db_file(tmp_path: Path) -> str:
    path = tmp_path / "day.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build(Database(str(path), engine, make_session_factory(engine)))
    engine.dispose()
    return str(path)


def test_route_text_json_and_ics(db_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Plain print by default, --json for programs, --ics for a phone calendar."""
    code, out, _ = run(capsys, "route", "--concierge", "K01", "--date", "2026-11-26", "--db", db_file)
    assert code == 0 and out.startswith("K01 佐々木 亮 — 2026-11-26 (Thu): 3 stops")
    code, out, _ = run(capsys, "route", "--concierge", "K01", "--date", "2026-11-26", "--db", db_file, "--json")
    assert code == 0 and len(json.loads(out)["stops"]) == 3
    ics = tmp_path / "k01.ics"
    code, out, _ = run(capsys, "route", "--concierge", "K01", "--date", "2026-11-26", "--db", db_file, "--ics", str(ics))
    assert code == 0 and "wrote 3 events" in out
    assert len(list(icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))) == 3


@pytest.mark.parametrize(("args", "message"), [
    (("--concierge", "K99", "--date", "2026-11-26"), "concierge 'K99' not found"),
    (("--concierge", "K01", "--date", "someday"), "'someday' is not a date"),
])
def test_route_bad_input_is_one_line(db_file: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str) -> None:
    """A wrong concierge or date: exit 2 and one sentence, no traceback."""
    code, _, err = run(capsys, "route", *args, "--db", db_file)
    assert code == 2 and message in err and "Traceback" not in err


def test_plan_date_proposes_and_commit_writes(db_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    """plan --date prints a proposal and writes nothing; --commit saves it; the route shows it."""
    args = ("plan", "--date", "2026-11-27", "--db", db_file, "--time-limit", "2", "--workers", "1")
    code, out, _ = run(capsys, *args)
    assert code == 0 and out.startswith("2026-11-27: status") and "nothing was written" in out
    assert "Sakura Design" in out and "requires K02 (Emily Clark), who does not work on Fri 27 Nov" in out
    code, out, _ = run(capsys, *args, "--commit")
    assert code == 0 and "committed 2026-11-27" in out
    code, out, _ = run(capsys, "route", "--concierge", "K01", "--date", "2026-11-27", "--db", db_file)
    assert code == 0 and "stops" in out
