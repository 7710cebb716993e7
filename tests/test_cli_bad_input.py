"""Every bad input on the command line ends as exit 2 and one line naming the option, file, line or field —
never "internal error", never a traceback, never a silent acceptance; nothing is written on a refusal.

Each row of the tables below was an internal error (exit 1), a crash or a silent acceptance before the
class of inputs it stands for was handled (issue 14)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run

from tui.cli import main

DEMO_DAY = "2026-11-25"
PROBLEM = str(Path(__file__).parent / "fixtures" / "dispatch" / "small_day.json")


def _short(value: object) -> str:
    """A test id: the parameter cut to 24 characters."""
    return str(value)[:24]


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run; assert exit 2 with exactly one line on stderr (no internal error); return that line."""
    code, _out, err = run(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}: {err!r}"
    assert len(lines) == 1, err
    assert "internal error" not in err and "Traceback" not in err
    assert len(lines[0]) < 500
    return lines[0]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite3"
    try:
        main(["demo", "--no-ui", "--db", str(path), "--today", DEMO_DAY])
    except SystemExit as exc:
        assert not exc.code
    with sqlite3.connect(path) as conn:  # the demo's writes may still sit in the WAL file: fold them in before copying
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(name="demo")
def demo_fixture(demo_file: Path, tmp_path: Path) -> Iterator[str]:
    """A private copy of the demo database (a path for --db)."""
    copy = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_file, copy)
    yield str(copy)


# --- numbers, dates, paths: the classes of flag values ------------------------------------------------

@pytest.mark.parametrize(("args", "needle"), [
    (["quote", "--pcs", "99999999999999999999999"], "--pcs"),
    (["quote", "--pcs", "3000000"], "--pcs"),
    (["incident", "level", "--chat-minutes", "99999999999999999999999"], "--chat-minutes"),
    (["incident", "level", "--call-minutes", "5", "--call-minutes", "9" * 30], "--call-minutes"),
    (["plan", "--problem", PROBLEM, "--time-limit", "inf"], "--time-limit"),
    (["plan", "--problem", PROBLEM, "--time-limit", "nan"], "--time-limit"),
    (["plan", "--problem", PROBLEM, "--time-limit", "1e308"], "--time-limit"),
    (["plan", "--problem", PROBLEM, "--workers", "2000000000"], "--workers"),
    (["quote", "--pcs", "3", "--cluster-km", "inf"], "--cluster-km"),
    (["quote", "--pcs", "3", "--lat", "nan"], "--lat"),
    (["quote", "--pcs", "3", "--start", "9999-12-31"], "--start"),
    (["quote", "--pcs", "3", "--start", "0001-01-01"], "--start"),
    (["demo", "--no-ui", "--today", "9999-12-31"], "--today"),
    (["route", "--concierge", "K01", "--date", "9999-12-31"], "--date"),
    (["quote", "--pcs", "3", "--tariff", "/"], "--tariff"),
], ids=_short)
def test_numbers_and_dates_out_of_range(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    """Integers beyond 32 bits, infinite or NaN decimals and dates outside 2000-2199 name their option."""
    assert needle in refused(capsys, *args)


def test_a_database_id_beyond_64_bits_is_not_an_overflow(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    """--client and `billing show` with a 23-digit number: "no such client/invoice", not an SQLite OverflowError."""
    assert "--client" in refused(capsys, "quote", "--client", "99999999999999999999999", "--db", demo)
    assert "does not exist" in refused(capsys, "billing", "show", "99999999999999999999999", "--db", demo)


def test_billing_close_calendar_edges(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    """0000-01 is no month; 0001-01 is before the first contract and is not locked (nothing was billed then)."""
    assert "'0000-01' is not a month" in refused(capsys, "billing", "close", "0000-01", "--db", demo)
    assert "before the first contract" in refused(capsys, "billing", "close", "0001-01", "--db", demo)
    code, out, _ = run(capsys, "billing", "list", "--db", demo, "--json")
    assert code == 0 and json.loads(out) == []


@pytest.mark.parametrize("option", ["--ics", "--out", "FILE"])
@pytest.mark.parametrize(("target", "needle"), [
    ("/proc/x.out", "cannot write in '/proc'"),
    ("{tmp}", "is a folder"),
    ("{tmp}/missing/x.out", "does not exist"),
    ("{tmp}/" + "a" * 300, "too long"),
    ("~nosuchuser_zz/x.out", "no such user's home folder"),
], ids=_short)
def test_output_paths_are_checked_before_any_work(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path, option: str, target: str, needle: str
) -> None:
    """--ics, --out and export FILE: /proc, a folder, a missing folder, a 300-character name are named first."""
    path = target.format(tmp=tmp_path)
    args = {
        "--ics": ["route", "--concierge", "K01", "--date", "2026-11-24", "--ics", path, "--db", demo],
        "--out": ["plan", "--date", "2026-11-26", "--time-limit", "1", "--out", path, "--db", demo],
        "FILE": ["export", "clients", path, "--db", demo],
    }[option]
    line = refused(capsys, *args)
    assert needle in line and option in line


@pytest.mark.parametrize(("target", "needle"), [
    ("/nonexistent/x.csv", "does not exist"),
    ("{tmp}", "is a folder"),
    ("/dev/null", "not a regular file"),
], ids=_short)
def test_input_paths_are_checked(capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path, target: str, needle: str) -> None:
    """Import files, offices files and problem files that are folders, devices or missing are named."""
    path = target.format(tmp=tmp_path)
    assert needle in refused(capsys, "import", "clients", path, "--db", demo)
    assert needle in refused(capsys, "quote", "--offices", path)
    assert needle in refused(capsys, "plan", "--problem", path)


@pytest.mark.parametrize(("db", "needle"), [
    ("postgresql:/user:secret@host/db", "lacks '//'"),
    ("~nosuchuser_zz/x.sqlite3", "home folder"),
    ("/dev/null", "not a regular file"),
    ("{tmp}/missing/x.sqlite3", "does not exist"),
    ("{tmp}/" + "d" * 300, "too long"),
    ("postgresql://u:secret@127.0.0.1:notaport/db", "not a valid URL"),
    ("{corrupt}", "file is not a database"),
], ids=_short)
def test_bad_database_targets(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: str, needle: str) -> None:
    """--db typos are named and create nothing: no local file named after a password, no folders."""
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    line = refused(capsys, "db", "info", "--db", db.format(tmp=tmp_path, corrupt=corrupt))
    assert needle in line and "secret" not in line
    assert not Path("postgresql:").exists() and not (tmp_path / "missing").exists()


# --- files ----------------------------------------------------------------------------------------------

def _offices(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("o.csv", "name,lat,lon,pc\nA,35.6,139.7,30\n", "'pc' is not a known column"),
    ("o.csv", "name,lat,lon,pcs,pcs\nA,35.6,139.7,3,30\n", "column pcs: the header names this column twice"),
    ("o.csv", "name,lat,lon,pcs\nA,35.6,139.7," + "9" * 5000 + "\n", "line 2: pcs"),
    ("o.csv", "name,lat,lon,pcs\n" + "A" * 200_000 + ",35.6,139.7,3\n", "line 2: a cell is longer than 131,072"),
    ("o.json", '{"offices": [{"name": "A", "lat": 35.6, "lon": 139.7, "pcs": ' + "9" * 5000 + "}]}", "too long"),
    ("o.json", "[" * 100_000 + "]" * 100_000, "nested deeper"),
    ("o.json", '{"offices": [{"name": "A", "lat": 35.6, "lon": 139.7, "pc": 3}]}', "'pc' is not a known field"),
    ("o.json", '{"offices": [{"name": "A", "lat": NaN, "lon": 139.7, "pcs": 3}]}', "NaN"),
    ("o.json", "\xff\xfe{}".encode("latin-1"), "not valid UTF-8"),
], ids=_short)
def test_bad_offices_files(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str | bytes, needle: str) -> None:
    """Unknown or duplicate columns, huge numbers, huge cells, deep JSON, non-UTF-8: one line naming the place."""
    assert needle in refused(capsys, "quote", "--offices", _offices(tmp_path, name, content))


def test_shift_jis_offices_file_with_encoding(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """quote --offices takes --encoding cp932 like import (an Excel file from a Japanese office)."""
    path = _offices(tmp_path, "o.csv", "name,lat,lon,pcs\n本社,35.68,139.76,10\n".encode("cp932"))
    assert "--encoding cp932" in refused(capsys, "quote", "--offices", path)
    code, out, err = run(capsys, "quote", "--offices", path, "--encoding", "cp932", "--json")
    assert code == 0, err
    assert json.loads(out)["clusters"][0]["offices"] == ["本社"]


@pytest.mark.parametrize(("key", "value", "needle"), [
    ("unit_price", '"1e999999"', "seat_plan.unit_price"),
    ("spot_fee", "9999999999999999999", "two_tier.spot_fee"),
], ids=_short)
def test_huge_tariff_amounts(capsys: pytest.CaptureFixture[str], tmp_path: Path, key: str, value: str, needle: str) -> None:
    """A tariff price of 1e999999 (finite for Decimal, fatal for every sum) is named with its key."""
    text = (Path(__file__).parents[1] / "pricing" / "tariffs" / "default.toml").read_text(encoding="utf-8")
    lines = [f"{key} = {value}" if line.startswith(f"{key} = ") else line for line in text.splitlines()]
    path = tmp_path / "t.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert needle in refused(capsys, "quote", "--pcs", "5", "--tariff", str(path))
    assert needle in refused(capsys, "incident", "level", "--tariff", str(path))


def test_tariff_that_is_not_utf8(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A Shift_JIS tariff is refused by name (TOML is UTF-8)."""
    path = tmp_path / "t.toml"
    path.write_bytes('version = "料金"\n'.encode("cp932"))
    assert "not UTF-8" in refused(capsys, "quote", "--pcs", "5", "--tariff", str(path))


@pytest.mark.parametrize(("content", "needle"), [
    ("code,name,name\nC1,a,b\n", "column name: the header names this column twice"),
    ("code,name\nC1," + "x" * 200_000 + "\n", "line 2: a cell is longer than 131,072"),
    ("code,name\n" + "9" * 50 + ",x\n", "line 2, column code: longer than 40"),
], ids=_short)
def test_bad_import_files(capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path, content: str, needle: str) -> None:
    """Duplicate header columns (the last copy used to win), huge cells: refused, nothing imported."""
    path = tmp_path / "clients.csv"
    path.write_text(content, encoding="utf-8")
    before = tmp_path / "before.csv"
    run(capsys, "export", "clients", str(before), "--db", demo)
    assert needle in refused(capsys, "import", "clients", str(path), "--db", demo)
    after = tmp_path / "after.csv"
    run(capsys, "export", "clients", str(after), "--db", demo)
    assert before.read_bytes() == after.read_bytes()


def test_a_refused_quote_is_one_line_even_after_geocoding_warnings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An office geocoded only to its prefecture, and no PCs at all: the refusal is the only line (found by the fuzz suite)."""
    path = _offices(tmp_path, "o.csv", "name,address,pcs\nA,大阪府,0\n")
    assert "no Windows PCs" in refused(capsys, "quote", "--offices", path)


def test_a_home_relative_export_is_written_where_it_was_checked(
    capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """export clients ~/c.csv writes $HOME/c.csv (the path checked is the path written), and imports back."""
    monkeypatch.setenv("HOME", str(tmp_path))
    code, _out, err = run(capsys, "export", "clients", "~/c.csv", "--db", demo)
    assert code == 0, err
    assert (tmp_path / "c.csv").exists() and not Path("~").exists()
    code, out, err = run(capsys, "import", "clients", "~/c.csv", "--db", demo)
    assert code == 0 and "40 unchanged" in out, err
