"""Output that can hurt: names reach terminals and spreadsheets.

An OSC escape in a client name retitled the terminal through `billing close`; an exported CSV kept
`=HYPERLINK(…)` for Excel to run. The command line now drops control characters from everything it prints
(JSON keeps them as \\u escapes), and CSV exports give formula-like text cells Excel's text mark, while
the import → export round trip stays byte-exact.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from cli_runner import run
from sqlalchemy import select

from data.db import open_database
from data.models import Client, Office

ESCAPES = ("\x1b", "\x07", "\x9b", "\u202e")
OSC_NAME = "株式会社タナカ\x1b]0;pwned\x07\x9b2J\u202e [/inc]"


@pytest.fixture(name="demo")
def demo_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "demo.sqlite3"
    assert run(capsys, "demo", "--no-ui", "--db", str(path), "--today", "2026-11-25")[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(path)


def _rename_first_client(db: str, name: str, office_name: str | None = None) -> str:
    database = open_database(db)
    with database.transaction() as session:
        client = session.scalars(select(Client).order_by(Client.id)).first()
        assert client is not None
        client.name = name
        if office_name is not None:
            office = session.scalars(select(Office).where(Office.client_id == client.id)).first()
            assert office is not None
            office.name = office_name
        code = client.code
    database.engine.dispose()
    return code


def test_billing_close_prints_no_terminal_escapes(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    """A client named with an OSC title escape: `billing close` shows the name without ESC, BEL, C1 CSI or RLO."""
    code = _rename_first_client(demo, OSC_NAME)
    status, out, err = run(capsys, "billing", "close", "2026-10", "--today", "2026-11-25", "--db", demo)
    assert status == 0, err
    line = next(x for x in out.splitlines() if code in x)
    assert "株式会社タナカ]0;pwned2J [/inc]" in line
    assert not any(char in out + err for char in ESCAPES)


def test_json_output_keeps_the_name_exactly_but_escaped(capsys: pytest.CaptureFixture[str], demo: str) -> None:
    """--json writes control characters as \\u escapes: the terminal runs nothing, the value parses back exactly."""
    _rename_first_client(demo, OSC_NAME)
    status, out, err = run(capsys, "billing", "close", "2026-10", "--today", "2026-11-25", "--db", demo, "--json")
    assert status == 0, err
    assert not any(char in out for char in ESCAPES)
    names = [i["name"] for i in json.loads(out)["invoices"]]
    assert OSC_NAME in names


def test_quote_shows_markup_in_a_name_literally(capsys: pytest.CaptureFixture[str]) -> None:
    """`quote --name "Tanaka [/inc]"` crashed the rich table; now the name is printed as typed."""
    status, out, err = run(capsys, "quote", "--pcs", "3", "--name", "Tanaka [/inc]\x1b[2J")
    assert status == 0, err
    assert "Tanaka [/inc][2J" in out and "\x1b" not in out


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil.test\",\"x\")", "+81-3-1234-5678", "-2+3", "@SUM(A1)", "'quoted"])
def test_csv_export_neutralises_formulas_and_round_trips(capsys: pytest.CaptureFixture[str], demo: str, tmp_path: Path, name: str) -> None:
    """Formula-like names are exported as text ('=…); importing the file back restores them exactly."""
    code = _rename_first_client(demo, "Acme", office_name=None)
    database = open_database(demo)
    with database.transaction() as session:
        client = session.scalars(select(Client).where(Client.code == code)).one()
        client.contact_person = name
    database.engine.dispose()
    exported = tmp_path / "clients.csv"
    assert run(capsys, "export", "clients", str(exported), "--db", demo)[0] == 0
    with exported.open(encoding="utf-8", newline="") as fh:
        cells = [row["contact_person"] for row in csv.DictReader(fh) if row["code"] == code]
    assert cells == ["'" + name]
    fresh = str(tmp_path / "fresh.sqlite3")
    status, _out, err = run(capsys, "import", "clients", str(exported), "--db", fresh)
    assert status == 0, err
    again = tmp_path / "again.csv"
    assert run(capsys, "export", "clients", str(again), "--db", fresh)[0] == 0
    assert again.read_bytes() == exported.read_bytes()
    check = open_database(fresh)
    with check.sessions() as session:
        assert session.scalars(select(Client.contact_person).where(Client.code == code)).one() == name


def test_invoice_csv_marks_formula_text() -> None:
    """A non-routine line's basis starts with the request's text: `=HYPERLINK(…)` is written as text."""
    from data.invoice_export import invoice_csv

    line = {"position": 1, "label": "非日常業務 (non-routine work) 10/02", "basis": '=HYPERLINK("http://evil.test"): 60 min',
            "quantity": 1, "unit_price": 8000, "net": 8000, "tax_rate": "10%"}
    rows = list(csv.reader(invoice_csv({"number": "INV-202610-00001", "lines": [line]}).splitlines()))
    assert rows[1][3] == "'" + line["basis"] and rows[1][6] == "8000"
