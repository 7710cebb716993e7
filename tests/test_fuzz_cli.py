"""Property-based fuzzing of everything a user hands the command line: CSV imports, offices files (CSV and
JSON), tariff files and flag values. The property, for every generated input:

- the command succeeds (exit 0), or refuses with exit 2 and exactly one line on stderr;
- it never ends as exit 1 / "internal error", never prints a traceback or a control character;
- a refusal writes nothing: the database is unchanged and no output file appears.

Runs in-process (`tui.cli.main`, output captured), a few dozen examples per target in the default suite.
`HYPOTHESIS_PROFILE=thorough` runs thousands; `FUZZ_REPORT=file.json` writes the counts per target (cases
run, refusals, successes, crashes). Dispatch JSON (`plan --problem`) is held to the same property; its
failing inputs are also listed in the report (`dispatch_failures`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.csvio import COLUMNS as CSV_COLUMNS
from data.offices_file import COLUMNS as OFFICE_COLUMNS
from tui.cli import main

PROFILES = {
    "default": {"max_examples": 25},
    "thorough": {"max_examples": 1500},
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
FUZZ = settings(
    max_examples=PROFILES.get(PROFILE, PROFILES["default"])["max_examples"],
    deadline=None,
    derandomize=PROFILE != "thorough",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
)
TALLY: dict[str, Counter[str]] = {}
DISPATCH_FAILURES: list[dict[str, str]] = []
ROOT = Path(__file__).parents[1]
CONTROL = tuple(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)))


# --- running a command -------------------------------------------------------------------------------

def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code: int
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def check(target: str, args: list[str], *, db: str | None = None, outputs: tuple[Path, ...] = ()) -> tuple[int, str]:
    """Run and assert the property; count the outcome under `target`; return (exit code, stderr)."""
    before = fingerprint(db) if db else None
    existed = {p: _exists(p) for p in outputs}
    code, out, err = run(args)
    tally = TALLY.setdefault(target, Counter())
    tally["cases"] += 1
    crashed = code not in (0, 2) or "internal error" in err or "Traceback" in err
    tally["crashes" if crashed else ("successes" if code == 0 else "refusals")] += 1
    assert not crashed, f"{args[:3]}… exit {code}: {err[:400]}"
    assert not any(c in out + err for c in CONTROL if c not in "\n\t"), "a control character was printed"
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"refusal on {len(lines)} lines: {err[:400]}"
        if db:
            assert fingerprint(db) == before, f"refused but the database changed: {lines[0]}"
        for path, was in existed.items():
            assert was or not _exists(path), f"refused but {path} was written"
    return code, err


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long to exist
        return False


def fingerprint(db: str) -> tuple[Any, ...]:
    """Rows and versions of every table: a refusal must leave all of them as they were."""
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        result = []
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            summary = "sum(version)" if "version" in columns else "0"
            result.append((table, *conn.execute(f'SELECT count(*), {summary} FROM "{table}"').fetchone()))
    return tuple(result)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "demo.sqlite3"
    code, _out, err = run(["demo", "--no-ui", "--db", str(path), "--today", "2026-11-25"])
    assert code == 0, err
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@contextlib.contextmanager
def scratch(template: Path) -> Iterator[tuple[Path, str]]:
    """A temp folder with a private copy of the demo database (hypothesis runs many examples per test)."""
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    db = folder / "db.sqlite3"
    shutil.copyfile(template, db)
    try:
        yield folder, str(db)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    target = os.environ.get("FUZZ_REPORT")
    if target:
        Path(target).write_text(json.dumps({"profile": PROFILE, "targets": TALLY, "dispatch_failures": DISPATCH_FAILURES},
                                           ensure_ascii=False, indent=2), encoding="utf-8")


# --- hostile values ---------------------------------------------------------------------------------

SPECIAL = [
    "", " ", "0", "1", "-1", "3", "1.5", "1e30", "1e999999", "9" * 25, "nan", "inf", "-inf", "1,000", "３", "٣",
    "Tanaka [/inc]", "[bold]x", "[link=https://x.test]y", "=HYPERLINK(\"http://x.test\")", "+81-3-1234-5678", "@SUM(A1)",
    "'quoted", "\x1b]0;pwned\x07", "\x1b[2J", "\u202eevil", "\x9b2J", "a\rb", "two\nlines", "\x00", "\"", ",", ";",
    "0000-01", "0001-01", "2026-10", "2026-13", "9999-12-31", "2026-02-30", "2026-11-25", "today", "tomorrow",
    "09:00", "24:00", "25:99", "9:5", "yes", "no", "maybe", "ja", "en", "fr", "pc", "server", "tablet", "windows",
    "C0001", "C9999", "O0001", "K01", "K99", "INV-202610-00001", "東京都千代田区丸の内1丁目", "大阪府", "35.68", "139.76",
    "95", "-200", "/proc/x", "/dev/null", "/tmp", "a" * 300, "evening saturday", "english cloud", "mon tue",
]
REPEATED = st.builds(lambda c, n: c * n, st.sampled_from(["9", "一", "１", "x", "=", "\x1b", "[", "é", "十"]),
                     st.integers(0, 6000))
TEXT = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=40), REPEATED, st.integers().map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(str))
SMALL_TEXT = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=20), st.integers(-10**30, 10**30).map(str))


VALID: dict[str, st.SearchStrategy[str]] = {
    "code": st.from_regex(r"[CKOX][0-9]{4}", fullmatch=True),
    "client": st.sampled_from([f"C{n:04d}" for n in range(1, 41)]),
    "office": st.sampled_from([f"O{n:04d}" for n in range(1, 30)]),
    "name": st.sampled_from(["株式会社テスト", "Acme KK", "本社", "大阪支店", "佐藤 花子"]),
    "label": st.sampled_from(["事務用PC", "PC", "サーバー", "複合機"]),
    "name_kana": st.just("テスト"), "contact_person": st.just("田中"), "phone": st.just("03-1234-5678"),
    "email": st.just("it@example.jp"), "language": st.sampled_from(["ja", "en"]), "active": st.sampled_from(["yes", "no", ""]),
    "notes": st.just(""), "postal_code": st.just("100-0005"),
    "address": st.sampled_from(["東京都千代田区丸の内1丁目", "大阪府大阪市北区梅田3丁目", "東京都渋谷区道玄坂1-2-3"]),
    "home_address": st.sampled_from(["東京都千代田区丸の内1丁目", "大阪府大阪市北区梅田3丁目"]),
    "lat": st.floats(34.5, 35.9).map(lambda x: f"{x:.5f}"), "lon": st.floats(135.0, 139.9).map(lambda x: f"{x:.5f}"),
    "home_lat": st.floats(34.5, 35.9).map(lambda x: f"{x:.5f}"), "home_lon": st.floats(135.0, 139.9).map(lambda x: f"{x:.5f}"),
    "opens": st.just("09:00"), "closes": st.just("18:00"), "shift_start": st.just("09:00"), "shift_end": st.just("18:00"),
    "kind": st.sampled_from(["pc", "server", "printer"]), "os": st.sampled_from(["windows", "macos", ""]),
    "purchase_year": st.integers(2015, 2026).map(str), "count": st.integers(1, 50).map(str),
    "pcs": st.integers(0, 60).map(str), "servers": st.integers(0, 3).map(str), "other_seats": st.just("0"),
    "old_devices": st.just("0"), "user_programs": st.just("0"),
    "skills": st.sampled_from(["", "english", "network server"]), "working_days": st.sampled_from(["", "mon tue wed"]),
    "max_visits": st.integers(1, 12).map(str), "travel_profile": st.sampled_from(["tokyo_rail", "car", ""]),
    "dedicated_clients": st.sampled_from(["", "C0001"]),
}


def csv_text(columns: tuple[str, ...]) -> st.SearchStrategy[str]:
    """A mostly valid CSV file (every column, plausible values), then 0-3 corruptions: a cell made hostile, a
    column misspelt, dropped or named twice, a ragged or extra row."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        import csv

        header = list(draw(st.permutations(columns)))
        rows = [[draw(VALID.get(c, SMALL_TEXT)) for c in header] for _ in range(draw(st.integers(1, 5)))]
        for _ in range(draw(st.integers(0, 3))):
            how = draw(st.sampled_from(["cell", "cell", "cell", "misspell", "drop", "twice", "ragged", "garbage"]))
            if how == "cell":
                row = draw(st.sampled_from(rows))
                if row:
                    row[draw(st.integers(0, len(row) - 1))] = draw(TEXT)
            elif how == "misspell":
                i = draw(st.integers(0, len(header) - 1))
                header[i] = header[i][:-1] or "x"
            elif how == "drop" and len(header) > 1:
                i = draw(st.integers(0, len(header) - 1))
                del header[i]
                for row in rows:
                    if i < len(row):
                        del row[i]
            elif how == "twice":
                header.append(draw(st.sampled_from(header)))
                for row in rows:
                    row.append(draw(TEXT))
            elif how == "ragged":
                draw(st.sampled_from(rows)).append(draw(TEXT))
            else:
                rows.append([draw(TEXT) for _ in range(draw(st.integers(0, len(header) + 1)))])
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()

    return build()


ENCODED = st.sampled_from(["utf-8", "utf-8-sig", "cp932", "latin-1"])


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40), st.floats(allow_nan=False), SMALL_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(SMALL_TEXT, inner, max_size=3)),
    max_leaves=8,
)
VALID_OFFICE = st.fixed_dictionaries(
    {"name": VALID["name"], "lat": st.floats(34.5, 35.9), "lon": st.floats(135.0, 139.9), "pcs": st.integers(0, 60),
     "servers": st.integers(0, 3)},
    optional={"address": VALID["address"], "other_seats": st.integers(0, 3), "old_devices": st.integers(0, 3)},
)


@st.composite
def _office(draw: st.DrawFn) -> dict[str, Any]:
    office: dict[str, Any] = draw(VALID_OFFICE)
    for _ in range(draw(st.integers(0, 2))):
        how = draw(st.sampled_from(["value", "value", "unknown key", "delete"]))
        if how == "value":
            office[draw(st.sampled_from(sorted(office) or ["name"]))] = draw(st.one_of(JSON_VALUE, TEXT))
        elif how == "unknown key":
            office[draw(SMALL_TEXT)] = draw(JSON_VALUE)
        elif office:
            office.pop(draw(st.sampled_from(sorted(office))))
    return office


OFFICE = _office()
VALID_JSON = st.builds(lambda offices: json.dumps({"offices": offices}), st.lists(OFFICE, min_size=1, max_size=5))
OFFICES_JSON = st.one_of(
    VALID_JSON, VALID_JSON, VALID_JSON,
    st.builds(lambda offices: json.dumps(offices), st.lists(OFFICE, max_size=5)),
    JSON_VALUE.map(json.dumps),
    st.builds(lambda n: "[" * n + "]" * n, st.integers(1, 100_000)),
    st.builds(lambda n: '{"offices": [{"name": "A", "lat": 35.6, "lon": 139.7, "pcs": ' + "9" * n + "}]}", st.integers(1, 6000)),
    st.text(max_size=60),
)


# --- targets ---------------------------------------------------------------------------------------------

@FUZZ
@given(kind=st.sampled_from(list(CSV_COLUMNS)), text=st.data(), encoding=ENCODED)
def test_fuzz_csv_import(demo_template: Path, kind: str, text: st.DataObject, encoding: str) -> None:
    """concierge import KIND FILE: any file is imported whole or refused whole in one line."""
    content = encode(text.draw(csv_text(CSV_COLUMNS[kind])), encoding)
    with scratch(demo_template) as (folder, db):
        path = folder / "in.csv"
        path.write_bytes(content)
        args = ["import", kind, str(path), "--db", db] + (["--encoding", "cp932"] if encoding == "cp932" else [])
        check("csv import", args, db=db)


@FUZZ
@given(data=st.data(), encoding=ENCODED)
def test_fuzz_quote_offices_csv(demo_template: Path, data: st.DataObject, encoding: str) -> None:
    """concierge quote --offices FILE.csv: priced, or one line naming the line and field."""
    content = encode(data.draw(csv_text(OFFICE_COLUMNS)), encoding)
    with scratch(demo_template) as (folder, _db):
        path = folder / "offices.csv"
        path.write_bytes(content)
        args = ["quote", "--offices", str(path), "--json"] + (["--encoding", "cp932"] if encoding == "cp932" else [])
        check("quote offices csv", args)


@FUZZ
@given(text=OFFICES_JSON)
def test_fuzz_quote_offices_json(demo_template: Path, text: str) -> None:
    """concierge quote --offices FILE.json: priced, or one line naming offices[i] and the field."""
    with scratch(demo_template) as (folder, _db):
        path = folder / "offices.json"
        path.write_text(text, encoding="utf-8")
        check("quote offices json", ["quote", "--offices", str(path), "--json"])


TOML_VALUES = ['"1e999999"', "9223372036854775807", "-1", "0", "1.5", "nan", "inf", '"x"', "[]", "{}", "true", '"12,000"',
               "1e30", '"-5"', "-9223372036854775808", '""']


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(TOML_VALUES + ["<delete>", "<unknown>"])), max_size=3),
       raw=st.one_of(st.none(), st.binary(max_size=80)))
def test_fuzz_tariff(demo_template: Path, edits: list[tuple[int, str]], raw: bytes | None) -> None:
    """--tariff FILE for quote and incident level: a changed, deleted or unknown key is named, never a crash."""
    lines = (ROOT / "pricing" / "tariffs" / "default.toml").read_text(encoding="utf-8").splitlines()
    valued = [i for i, line in enumerate(lines) if " = " in line and not line.lstrip().startswith("#")]
    for where, value in edits:
        i = valued[where % len(valued)]
        name = lines[i].split(" = ", 1)[0]
        lines[i] = "" if value == "<delete>" else (f"{name}_typo = 1\n{lines[i]}" if value == "<unknown>" else f"{name} = {value}")
    content = raw if raw is not None else "\n".join(lines).encode("utf-8")
    with scratch(demo_template) as (folder, _db):
        path = folder / "tariff.toml"
        path.write_bytes(content)
        check("tariff", ["quote", "--pcs", "5", "--tariff", str(path), "--json"])
        check("tariff", ["incident", "level", "--chat-minutes", "40", "--tariff", str(path), "--json"])


def _flags(options: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[str]]:
    if not options:
        return st.just([])
    return st.dictionaries(st.sampled_from(list(options)), st.just(None), max_size=4).flatmap(
        lambda chosen: st.tuples(*(options[k].map(lambda v, k=k: [k, v]) for k in chosen)).map(lambda pairs: [x for p in pairs for x in p])
        if chosen else st.just([])
    )


VALUE = st.one_of(SMALL_TEXT, REPEATED)
COMMANDS: dict[str, tuple[list[str], dict[str, st.SearchStrategy[str]]]] = {
    "quote": (["quote", "--json"], {o: VALUE for o in (
        "--pcs", "--servers", "--other-seats", "--old-devices", "--name", "--lat", "--lon", "--rounding", "--tolerance",
        "--visits-per-month", "--cluster-km", "--service-hours", "--response-hours", "--team-size", "--visiting",
        "--two-tier", "--start", "--client")}),
    "incident": (["incident", "level", "--json"], {o: VALUE for o in (
        "--mail-round-trips", "--reply-round-trips", "--call-minutes", "--chat-minutes", "--visits", "--open-days",
        "--consulting", "--scope", "--plan")}),
    "billing close": (["billing", "close", "--json"], {"--today": VALUE}),
    "billing list": (["billing", "list", "--json"], {"--month": VALUE}),
    "billing notices": (["billing", "notices", "--json"], {"--month": VALUE}),
    "route": (["route", "--json"], {"--concierge": VALUE, "--date": VALUE}),
    "geocode": (["geocode", "--json"], {}),
    "db info": (["db", "info"], {}),
}


@FUZZ
@given(command=st.sampled_from(list(COMMANDS)), flags=st.data(), positional=VALUE)
def test_fuzz_flags(demo_template: Path, command: str, flags: st.DataObject, positional: str) -> None:
    """Every command with hostile flag values: a result, or one line naming the option."""
    base, options = COMMANDS[command]
    args = [*base, *flags.draw(_flags(options))]
    if command == "billing close":
        args.insert(2, positional)
    if command == "geocode":
        args.append(positional)
    if command == "quote" and not any(a in args for a in ("--pcs", "--servers", "--client")):
        args += ["--pcs", "3"]
    with scratch(demo_template) as (_folder, db):
        check("flags", [*args, "--db", db] if command not in ("geocode", "incident") else args, db=db)


PATHS = st.one_of(st.sampled_from(["/proc/x.out", "/proc/version", "/dev/null", "/", "{tmp}", "{tmp}/missing/x.out", "{tmp}/ok.out",
                                   "{tmp}/" + "a" * 300, "~nosuchuser_zz/x", "{tmp}/\x1b.out"]), st.text(max_size=20).map(lambda t: "{tmp}/" + t))


@FUZZ
@given(target=st.sampled_from(["export", "ics", "billing md", "db"]), path=PATHS)
def test_fuzz_paths(demo_template: Path, target: str, path: str) -> None:
    """Output paths and --db targets: written, or refused before any work with one line (and nothing written)."""
    with scratch(demo_template) as (folder, db):
        where = path.replace("{tmp}", str(folder))
        args = {
            "export": ["export", "clients", where, "--db", db],
            "ics": ["route", "--concierge", "K01", "--date", "2026-11-24", "--ics", where, "--db", db],
            "billing md": ["billing", "export", "1", "--md", where, "--db", db],
            "db": ["db", "info", "--db", where],
        }[target]
        outputs = (Path(where),) if target != "db" and "\x00" not in where and len(where) < 4000 else ()
        check("paths", args, db=db if target != "db" else None, outputs=outputs)


DISPATCH_FIELDS = st.sampled_from(["schema", "date", "travel", "concierges", "visits", "meta", "offices"])


@settings(FUZZ, max_examples=max(3, FUZZ.max_examples // 5))
@given(edits=st.lists(st.tuples(st.sampled_from(["replace", "delete", "inner"]), DISPATCH_FIELDS, JSON_VALUE), max_size=3),
       raw=st.one_of(st.none(), OFFICES_JSON))
def test_fuzz_dispatch_json(demo_template: Path, edits: list[tuple[str, str, Any]], raw: str | None) -> None:
    """plan --problem FILE.json (the engine's parser): exit 0, or exit 2 with one line; never a crash."""
    doc = json.loads((ROOT / "tests" / "fixtures" / "dispatch" / "small_day.json").read_text(encoding="utf-8"))
    for how, field, value in edits:
        if how == "delete":
            doc.pop(field, None)
        elif how == "inner" and isinstance(doc.get(field), list) and doc[field]:
            first = doc[field][0]
            if isinstance(first, dict) and first:
                first[sorted(first)[0]] = value
        else:
            doc[field] = value
    text = raw if raw is not None else json.dumps(doc)
    with scratch(demo_template) as (folder, _db):
        path = folder / "problem.json"
        path.write_text(text, encoding="utf-8")
        args = ["plan", "--problem", str(path), "--time-limit", "0.2", "--json"]
        code, _out, err = run(args)
    tally = TALLY.setdefault("dispatch json (engine)", Counter())
    tally["cases"] += 1
    failed = code not in (0, 2) or "internal error" in err or (code == 2 and len(err.strip().splitlines()) != 1)
    tally["crashes" if failed else ("successes" if code == 0 else "refusals")] += 1
    if failed:
        DISPATCH_FAILURES.append({"exit": str(code), "stderr": err.strip()[:300], "input": text[:300]})
    assert not failed, f"plan --problem: exit {code}, stderr {err.strip()[:300]!r} for {text[:300]!r}"
