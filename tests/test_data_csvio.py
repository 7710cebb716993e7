"""CSV import/export: exact round trips, all-or-nothing imports, every bad row reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data.csvio import CsvError, export_csv, import_csv
from data.db import Database
from data.demo import generate_demo
from data.models import Client, Office, Seat

KINDS = ("clients", "offices", "seats", "concierges")


def _count(database: Database, model: type) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_export_then_import_into_a_fresh_database_round_trips_exactly(
    database: Database, tmp_path: Path, sqlite_template: Path
) -> None:
    """Demo data exported to CSV and imported elsewhere exports to the very same bytes."""
    with database.transaction() as session:
        generate_demo(session, seed=3, today=dt.date(2026, 11, 25))
    from data.db import make_engine, make_session_factory

    fresh_path = tmp_path / "fresh.sqlite3"
    fresh_path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{fresh_path}")
    fresh = Database(url="", engine=engine, sessions=make_session_factory(engine))
    for kind in KINDS:
        with database.transaction() as session:
            export_csv(session, kind, tmp_path / f"{kind}.csv")
        with fresh.transaction() as session:
            report = import_csv(session, kind, tmp_path / f"{kind}.csv")
        assert report.created == report.rows > 0
    for kind in KINDS:
        with fresh.transaction() as session:
            export_csv(session, kind, tmp_path / f"{kind}-again.csv")
        assert (tmp_path / f"{kind}.csv").read_bytes() == (tmp_path / f"{kind}-again.csv").read_bytes()
    engine.dispose()


def _clients_csv(path: Path, bad: dict[int, str] | None = None, *, encoding: str = "utf-8") -> Path:
    lines = ["code,name,language,email"]
    for n in range(1, 101):
        lines.append(bad.get(n, f"C{n:03d},会社{n},ja,it{n}@example.jp") if bad else f"C{n:03d},会社{n},ja,it{n}@example.jp")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_three_bad_rows_among_100_write_nothing_and_are_all_reported(database: Database, tmp_path: Path) -> None:
    """A file with 3 bad rows imports none of the 100 and names each bad row by line and column."""
    path = _clients_csv(tmp_path / "clients.csv", {
        10: "C010,,ja,x@example.jp",           # missing name
        50: "C050,会社50,fr,y@example.jp",     # unknown language
        77: "C001,会社77,ja,z@example.jp",     # duplicate key of line 2
    })
    with pytest.raises(CsvError) as caught, database.transaction() as session:
        import_csv(session, "clients", path)
    assert caught.value.problems == [
        "line 11, column name: required",
        "line 51, column language: 'fr' is not one of ja, en",
        "line 78, column code: duplicate key 'C001' (also line 2)",
    ]
    assert _count(database, Client) == 0


def test_reimporting_the_same_file_changes_nothing(database: Database, tmp_path: Path) -> None:
    """The second import of a file updates by key: no duplicates, everything unchanged."""
    path = _clients_csv(tmp_path / "clients.csv")
    with database.transaction() as session:
        first = import_csv(session, "clients", path)
    with database.transaction() as session:
        second = import_csv(session, "clients", path)
    assert (first.created, second.created, second.unchanged) == (100, 0, 100)
    assert _count(database, Client) == 100


def test_excel_bom_and_shift_jis_files_are_read(database: Database, tmp_path: Path) -> None:
    """Excel's UTF-8 BOM and a Shift_JIS (cp932) export both import with Japanese names intact."""
    bom = _clients_csv(tmp_path / "bom.csv", encoding="utf-8-sig")
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes("code,name\r\nS1,株式会社ひかり\r\n".encode("cp932"))
    with database.transaction() as session:
        import_csv(session, "clients", bom)
        import_csv(session, "clients", sjis, encoding="cp932")
    with database.transaction() as session:
        assert session.scalar(select(Client.name).where(Client.code == "S1")) == "株式会社ひかり"
        assert session.scalar(select(Client.name).where(Client.code == "C001")) == "会社1"


def test_shift_jis_file_read_as_utf8_suggests_cp932(database: Database, tmp_path: Path) -> None:
    """Reading a Shift_JIS file without --encoding says which line and suggests cp932."""
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes("code,name\r\nS1,株式会社ひかり\r\n".encode("cp932"))
    with pytest.raises(Exception, match="line 2 is not valid UTF-8.*cp932"), database.transaction() as session:
        import_csv(session, "clients", sjis)


@pytest.mark.parametrize(("row", "problem"), [
    ("O1,C404,本社,,東京都千代田区丸の内1丁目,35.68,139.76", "line 2, column client: unknown client 'C404'"),
    ("O1,C1,本社,,東京都千代田区丸の内1丁目,95.0,139.76", "line 2, column lat: 95.0 is out of range (-90 to 90)"),
    ("O1,C1,本社,,東京都千代田区丸の内1丁目,north,139.76", "line 2, column lat: 'north' is not a number"),
    ("O1,C1,本社,,,35.68,139.76", "line 2, column address: required"),
])
def test_bad_office_rows_name_line_column_and_problem(
    database: Database, tmp_path: Path, row: str, problem: str
) -> None:
    """Each kind of bad office row is reported precisely and nothing is written."""
    with database.transaction() as session:
        session.add(Client(code="C1", name="青葉商事"))
    path = tmp_path / "offices.csv"
    path.write_text(f"code,client,name,postal_code,address,lat,lon\n{row}\n", encoding="utf-8")
    with pytest.raises(CsvError) as caught, database.transaction() as session:
        import_csv(session, "offices", path)
    assert caught.value.problems == [problem]
    assert _count(database, Office) == 0


@pytest.mark.parametrize(("row", "problem"), [
    ("O1,PC,pc,windows,2020,-3", "line 2, column count: -3 is negative"),
    ("O1,PC,pc,windows,2020,three", "line 2, column count: 'three' is not a whole number"),
    ("O1,PC,tablet,windows,2020,3", "line 2, column kind: 'tablet' is not one of pc, server, printer, network, smartphone, other"),
    ("O9,PC,pc,windows,2020,3", "line 2, column office: unknown office 'O9'"),
])
def test_bad_seat_rows_are_reported(database: Database, tmp_path: Path, row: str, problem: str) -> None:
    """Negative or non-numeric counts, unknown kinds and unknown offices are refused by line and column."""
    with database.transaction() as session:
        client = Client(code="C1", name="青葉商事")
        client.offices.append(Office(code="O1", name="本社", address="丸の内", lat=35.68, lon=139.76))
        session.add(client)
    path = tmp_path / "seats.csv"
    path.write_text(f"office,label,kind,os,purchase_year,count\n{row}\n", encoding="utf-8")
    with pytest.raises(CsvError) as caught, database.transaction() as session:
        import_csv(session, "seats", path)
    assert caught.value.problems == [problem]
    assert _count(database, Seat) == 0


def test_unknown_column_is_reported_on_line_1(database: Database, tmp_path: Path) -> None:
    """A misspelt header is caught before any row is read."""
    path = tmp_path / "clients.csv"
    path.write_text("code,nmae\nC1,x\n", encoding="utf-8")
    with pytest.raises(CsvError, match="line 1, column nmae: unknown column"), database.transaction() as session:
        import_csv(session, "clients", path)


def test_rows_without_a_code_get_the_next_free_codes(database: Database, tmp_path: Path) -> None:
    """Two clients with an empty code cell become C0001 and C0002 (C0001 is taken: C0002, C0003)."""
    with database.transaction() as session:
        session.add(Client(code="C0001", name="既存"))
    path = tmp_path / "clients.csv"
    path.write_text("code,name\n,新規A\n,新規B\n", encoding="utf-8")
    with database.transaction() as session:
        report = import_csv(session, "clients", path)
    assert report.created == 2
    with database.sessions() as session:
        assert sorted(session.scalars(select(Client.code))) == ["C0001", "C0002", "C0003"]


def test_an_import_updates_only_what_changed_and_bumps_versions(database: Database, tmp_path: Path) -> None:
    """Re-importing with one name changed: 1 updated (its version moves on), 99 unchanged (their versions stay)."""
    path = _clients_csv(tmp_path / "clients.csv")
    with database.transaction() as session:
        import_csv(session, "clients", path)
    path = _clients_csv(tmp_path / "changed.csv", {5: "C005,新しい会社,ja,it5@example.jp"})
    with database.transaction() as session:
        report = import_csv(session, "clients", path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 99)
    with database.sessions() as session:
        versions = dict(session.execute(select(Client.code, Client.version)).all())
        assert session.scalar(select(Client.name).where(Client.code == "C005")) == "新しい会社"
    assert versions["C005"] == 2 and versions["C004"] == 1


def test_concierges_dedicated_clients_follow_the_import(database: Database, tmp_path: Path) -> None:
    """A concierge row naming dedicated clients links them, on creation and when the row changes."""
    with database.transaction() as session:
        session.add_all([Client(code="C1", name="一"), Client(code="C2", name="二")])
    path = tmp_path / "concierges.csv"
    header = "code,name,home_address,home_lat,home_lon,dedicated_clients\n"
    path.write_text(header + "K1,佐藤,東京都,35.6,139.7,C1\n", encoding="utf-8")
    with database.transaction() as session:
        import_csv(session, "concierges", path)
    path.write_text(header + "K1,佐藤,東京都,35.6,139.7,C2\n", encoding="utf-8")
    with database.transaction() as session:
        report = import_csv(session, "concierges", path)
    assert report.updated == 1
    with database.sessions() as session:
        from data.models import Concierge

        k1 = session.scalars(select(Concierge).where(Concierge.code == "K1")).one()
        assert [c.code for c in k1.dedicated_clients] == ["C2"]


def test_a_record_changed_during_the_import_refuses_the_whole_file(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone renames C001 while a file changing every client is being imported: nothing of the file is written."""
    from data.csv_importers import Importer, Staged

    if database.engine.dialect.name == "sqlite":
        pytest.skip("SQLite runs one unit of work at a time (BEGIN IMMEDIATE): the other edit waits for the import")
    from data.errors import ConflictError

    with database.transaction() as session:
        import_csv(session, "clients", _clients_csv(tmp_path / "clients.csv"))
    changed = _clients_csv(tmp_path / "changed.csv", {n: f"C{n:03d},改{n},ja,it{n}@example.jp" for n in range(1, 101)})
    original = Importer.update

    def racing(self: Importer, rows: list[tuple[Staged, object]]) -> None:
        with database.engine.begin() as conn:  # another user's edit, committed meanwhile
            conn.execute(Client.__table__.update().where(Client.code == "C001").values(name="他の人", version=Client.version + 1))
        original(self, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(Importer, "update", racing)
    with pytest.raises(ConflictError), database.transaction() as session:
        import_csv(session, "clients", changed)
    with database.sessions() as session:
        names = dict(session.execute(select(Client.code, Client.name)).all())
    assert names["C001"] == "他の人" and names["C002"] == "会社2"
