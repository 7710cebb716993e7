"""`concierge billing ...` as the office runs it at the start of a month."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from billing_fakes import FakeRules
from billing_scenario import build
from cli_runner import run

import data.billing
from data.db import open_database


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(data.billing, "load_rules", lambda _ref="default": FakeRules())
    path = str(tmp_path / "billing.sqlite3")
    database = open_database(path)
    with database.transaction() as session:
        build(session)
    database.engine.dispose()
    return path


def test_close_list_show_export(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Close October, list it, show an invoice as text and JSON, export Markdown and CSV."""
    code, out, err = run(capsys, "billing", "close", "2026-10", "--db", db, "--today", "2026-11-05")
    assert code == 0, err
    assert out.splitlines()[-1] == "2026-10 closed: 4 invoices, ¥252,450 in total (tax included)"
    code, out, _ = run(capsys, "billing", "close", "2026-10", "--db", db, "--today", "2026-11-05")
    assert code == 0 and out.splitlines()[-1].startswith("2026-10 was already closed: 4 invoices, ¥252,450")

    code, out, _ = run(capsys, "billing", "list", "--month", "2026-10", "--db", db, "--json")
    rows = json.loads(out)
    assert [r["gross_total"] for r in rows] == [105600, 70400, 38500, 37950]
    number = rows[0]["number"]

    code, out, _ = run(capsys, "billing", "show", number, "--db", db)
    assert code == 0
    for text in ("適格請求書", "登録番号: T1234567890123", "発行日: 2026-11-02", "株式会社青葉商事 御中",
                 "| 10%対象 | ¥96,000 | ¥9,600 |", "**合計 (税込): ¥105,600**", "お振込先: みずほ銀行", "お支払期限: 2026-12-02"):
        assert text in out
    code, out, _ = run(capsys, "billing", "show", number, "--db", db, "--json")
    document = json.loads(out)
    assert (document["net_total"], document["tax"], document["gross_total"]) == (96000, 9600, 105600)
    assert document["per_rate"] == [{"rate": "10%", "net": 96000, "tax": 9600}]

    md, lines = tmp_path / "inv.md", tmp_path / "inv.csv"
    code, out, _ = run(capsys, "billing", "export", number, "--db", db, "--md", str(md), "--csv", str(lines))
    assert code == 0 and "¥105,600" in md.read_text(encoding="utf-8")
    rows = list(csv.DictReader(lines.read_text(encoding="utf-8-sig").splitlines()))
    assert [int(r["net"]) for r in rows] == [84000, 12000] and rows[1]["quantity"] == "1.5"


def test_notices_lists_the_capped_incident(db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`billing notices --month 2026-10` shows the level-7 incident stopped at its 10,000 yen limit."""
    import data.incidents

    monkeypatch.setattr(data.incidents, "load_rules", lambda _ref="default": FakeRules())
    code, out, _ = run(capsys, "billing", "notices", "--month", "2026-10", "--db", db, "--json")
    assert code == 0
    assert [(r["client"], r["fee"], r["limit"], r["message"]) for r in json.loads(out)] == [
        ("富士デザイン株式会社", 27500, 10000, "limit reached: stop or continue?")
    ]


@pytest.mark.parametrize(("args", "message"), [
    (("billing", "close", "2026-11", "--today", "2026-11-05"), "month: 2026-11 has not ended yet"),
    (("billing", "close", "11/2026"), "month: '11/2026' is not a month (YYYY-MM)"),
    (("billing", "close", "2026-10", "--today", "soon"), "'soon' is not a date"),
    (("billing", "show", "INV-209901-00001"), "invoice 'INV-209901-00001' does not exist"),
    (("billing", "export", "1"), "give --md FILE or --csv FILE"),
])
def test_bad_input_is_one_line_exit_2(db: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str) -> None:
    """Future months, bad months or dates, unknown invoices: exit 2, one line naming the problem."""
    code, _, err = run(capsys, *args, "--db", db)
    assert code == 2, err
    assert message in err and len(err.strip().splitlines()) == 1
