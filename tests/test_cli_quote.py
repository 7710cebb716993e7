"""`concierge quote` as an admin runs it: flags, offices files, a client from the database, bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run
from sqlalchemy import select

from data.db import Database
from data.models import Client, Contract, Office, Seat
from data.models import Quote as QuoteRow
from data.quotes import client_quote_inputs, save_quote
from pricing.quote import quote
from pricing.tariff import load_tariff


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, "quote", *args, "--json")
    assert code == 0, err
    body: dict[str, Any] = json.loads(out)
    return body


def test_thirty_pcs_table(capsys: pytest.CaptureFixture[str]) -> None:
    """`quote --pcs 30 --servers 1` prints a table ending in the ¥92,400 monthly total and the contract terms."""
    code, out, err = run(capsys, "quote", "--pcs", "30", "--servers", "1", "--start", "2026-04-15")
    assert code == 0, err
    assert "¥92,400" in out and "¥84,000" in out and "¥8,400" in out
    assert "first billable month 2026-04" in out and "earliest end 2026-06-30" in out


def test_rounding_whole_after_vs_half(capsys: pytest.CaptureFixture[str]) -> None:
    """15 PCs + 1 server: half → 1.5 units ¥46,200; whole_after → 1 unit ¥30,800; the JSON says which rule."""
    half = run_json(capsys, "--pcs", "15", "--servers", "1", "--rounding", "half")
    whole = run_json(capsys, "--pcs", "15", "--servers", "1", "--rounding", "whole_after")
    assert (half["rounding"], half["net_total"], half["tax"], half["gross_total"]) == ("half", 42000, 4200, 46200)
    assert (whole["rounding"], whole["net_total"], whole["tax"], whole["gross_total"]) == ("whole_after", 28000, 2800, 30800)
    assert half["clusters"][0]["units"] == 1.5 and whole["clusters"][0]["units"] == 1


def test_seed_figures_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    """2 PCs → ¥30,800; 100 PCs + 1 server between ¥92,400 and ¥123,200."""
    assert run_json(capsys, "--pcs", "2")["gross_total"] == 30800
    assert 92400 <= run_json(capsys, "--pcs", "100", "--servers", "1")["gross_total"] <= 123200


def test_offices_json_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Offices files: 10 shops in one city (JSON) → ¥30,800; Tokyo + Osaka with 5 PCs each (CSV) → ¥61,600."""
    shops = {"offices": [{"name": f"Shop {i}", "lat": 35.68 + 0.002 * i, "lon": 139.76, "pcs": 1, "servers": 0} for i in range(10)]}
    (tmp_path / "shops.json").write_text(json.dumps(shops), encoding="utf-8")
    body = run_json(capsys, "--offices", str(tmp_path / "shops.json"))
    assert body["gross_total"] == 30800 and len(body["clusters"]) == 1 and len(body["clusters"][0]["offices"]) == 10

    (tmp_path / "two.csv").write_text("name,lat,lon,pcs,servers\nTokyo,35.6812,139.7671,5,0\nOsaka,34.7025,135.4959,5,0\n", encoding="utf-8")
    body = run_json(capsys, "--offices", str(tmp_path / "two.csv"))
    assert body["gross_total"] == 61600
    assert [c["offices"] for c in body["clusters"]] == [["Tokyo"], ["Osaka"]]


def test_dispersed_shops_two_tier_with_visits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """100 shops nationwide: two-tier recommended, ¥30,800 a month + ¥13,200 per visit; --visits-per-month used."""
    shops = [{"name": f"Shop {i}", "lat": 31.5 + (i % 10) * 1.1, "lon": 130.5 + (i // 10) * 1.2, "pcs": 1, "servers": 0} for i in range(100)]
    (tmp_path / "shops.json").write_text(json.dumps({"offices": shops}), encoding="utf-8")
    body = run_json(capsys, "--offices", str(tmp_path / "shops.json"), "--visits-per-month", "6")
    assert body["recommended"] == "two_tier" and body["gross_total"] == 30800 and body["spot_fee_gross"] == 13200
    two = body["plans"]["two_tier"]
    assert (two["gross_total"], two["spot_fee_gross"], two["expected_visits_per_month"]) == (30800, 13200, 6)
    assert two["expected_gross_total"] == 30800 + 6 * 13200
    assert body["plans"]["per_cluster"]["gross_total"] == 100 * 30800


def test_out_of_scope_seats_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    """--other-seats are listed as out of scope, not priced."""
    body = run_json(capsys, "--pcs", "10", "--other-seats", "3", "--name", "Design")
    assert body["gross_total"] == 30800
    assert body["out_of_scope"] == [{"office": "Design", "seats": 3, "reason": "non-Windows OS"}]


def test_conditions_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    """Saturday coverage and remote-only visiting appear as named lines."""
    body = run_json(capsys, "--pcs", "10", "--service-hours", "saturday", "--visiting", "remote_only")
    assert [line["label"] for line in body["lines"]] == ["Concierge units", "Saturday coverage", "Remote support only"]
    assert body["net_total"] == 28000 + 4200 - 14000


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--pcs", "-1"], "--pcs"),
        (["--pcs", "1.5"], "--pcs"),
        (["--pcs", "ten"], "--pcs"),
        (["--pcs", "5", "--servers", "-2"], "--servers"),
        (["--pcs", "0"], "pcs"),
        (["--pcs", "5", "--lat", "95"], "lat"),
        (["--pcs", "5", "--rounding", "quarter"], "--rounding"),
        (["--pcs", "5", "--visiting", "never"], "--visiting"),
        (["--pcs", "5", "--visits-per-month", "-3"], "--visits-per-month"),
        (["--pcs", "5", "--start", "2026-02-30"], "--start"),
        ([], "offices"),
    ],
)
def test_bad_flags_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    """Bad input exits 2 with one line naming the option, never a traceback."""
    code, out, err = run(capsys, "quote", *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    ("content", "suffix", "needle"),
    [
        ('{"offices": []}', ".json", "offices"),
        ('{"offices": [{"name": "A", "lat": 35.6, "lon": 139.7, "pcs": -4}]}', ".json", "offices[0]: pcs"),
        ('{"offices": [{"name": "A", "lat": 35.6, "lon": 139.7, "pcs": 2.5}]}', ".json", "offices[0]: pcs"),
        ('{"offices": [{"name": "A", "lat": 135.6, "lon": 139.7, "pcs": 2}]}', ".json", "offices[0]: lat"),
        ("name,lat,lon,pcs,servers\nA,35.6,139.7,3,x\n", ".csv", "line 2: servers"),
        ("name,lat,lon,pcs\nA,35.6,,3\n", ".csv", "line 2: lon"),
        ("{not json", ".json", "not valid JSON"),
    ],
)
def test_bad_offices_file_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, suffix: str, needle: str) -> None:
    """A bad offices file exits 2 naming the office and field."""
    path = tmp_path / f"offices{suffix}"
    path.write_text(content, encoding="utf-8")
    code, _out, err = run(capsys, "quote", "--offices", str(path))
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_bad_tariff_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--tariff (or CONCIERGE_TARIFF) with a negative price exits 2 naming the key."""
    text = (Path(__file__).parents[1] / "pricing" / "tariffs" / "default.toml").read_text(encoding="utf-8")
    path = tmp_path / "t.toml"
    path.write_text(text.replace("spot_fee = 12000", "spot_fee = -1"), encoding="utf-8")
    code, _out, err = run(capsys, "quote", "--pcs", "5", "--tariff", str(path))
    assert code == 2 and "two_tier.spot_fee" in err
    monkeypatch.setenv("CONCIERGE_TARIFF", str(path))
    code, _out, err = run(capsys, "quote", "--pcs", "5")
    assert code == 2 and "two_tier.spot_fee" in err


def _client(session: Any) -> Client:
    """A client with two Tokyo offices (Windows PCs, one server, old PCs, Macs) and a Saturday seat contract."""
    client = Client(code="C9001", name="株式会社テスト商事")
    session.add(client)
    session.flush()
    hq = Office(client_id=client.id, code="O9001", name="本社", address="東京都千代田区丸の内1丁目", lat=35.6812, lon=139.7671)
    branch = Office(client_id=client.id, code="O9002", name="銀座店", address="東京都中央区銀座4丁目", lat=35.6716, lon=139.7651)
    session.add_all([hq, branch])
    session.flush()
    session.add_all(
        [
            Seat(office_id=hq.id, label="pcs-new", kind="pc", os="windows", purchase_year=2025, count=8),
            Seat(office_id=hq.id, label="pcs-old", kind="pc", os="windows", purchase_year=2015, count=4),
            Seat(office_id=hq.id, label="srv", kind="server", os="windows", purchase_year=2024, count=1),
            Seat(office_id=hq.id, label="macs", kind="pc", os="macos", purchase_year=2024, count=3),
            Seat(office_id=hq.id, label="printer", kind="printer", os="none", purchase_year=2024, count=2),
            Seat(office_id=branch.id, label="pcs", kind="pc", os="windows", purchase_year=2024, count=3),
        ]
    )
    session.add(
        Contract(
            client_id=client.id,
            plan="concierge_seats",
            start_month=dt.date(2026, 4, 1),
            service_hours=["saturday"],
            options={"variant": "per_cluster", "rounding": "whole_after"},
        )
    )
    session.flush()
    return client


@pytest.mark.db
def test_client_seats_on_record(database: Database) -> None:
    """Windows PCs and servers are counted, Macs flagged, old PCs counted; the contract's hours and rounding apply."""
    with database.transaction() as session:
        client_id = _client(session).id
        offices, options = client_quote_inputs(session, client_id, today=dt.date(2026, 11, 1))
    hq, branch = offices
    assert (hq.pcs, hq.servers, hq.other_seats, hq.old_devices) == (12, 1, 3, 4)
    assert (branch.pcs, branch.servers) == (3, 0)
    assert options.service_hours == ("saturday",) and options.rounding == "whole_after"
    result = quote(offices, options, load_tariff())
    # 15 PCs + 1 server, one cluster, whole_after → 1 unit; +15% Saturday; 4 old PCs × ¥700
    assert [int(line.net) for line in result.lines] == [28000, 4200, 2800]
    with database.transaction() as session:
        row = save_quote(session, result, client_id)
        assert row.id and row.tariff_version == result.tariff_version and row.gross_total == result.gross_total
    with database.transaction() as session:
        stored = session.scalars(select(QuoteRow)).one()
        assert stored.body["gross_total"] == int(result.gross_total) and stored.recommended == "per_cluster"


@pytest.mark.db
def test_quote_client_from_the_command_line(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """`quote --client CODE --save --json` quotes the seats on record and stores the quote with its tariff version."""
    with database.transaction() as session:
        client_id = _client(session).id
    body = run_json(capsys, "--client", "C9001", "--db", database.url, "--save", "--rounding", "half", "--start", "2026-11-01")
    assert body["rounding"] == "half" and body["net_total"] == 42000 + 6300 + 2800
    assert body["out_of_scope"] == [{"office": "本社", "seats": 3, "reason": "non-Windows OS"}]
    with database.transaction() as session:
        row = session.get(QuoteRow, body["saved_quote_id"])
        assert row is not None and row.client_id == client_id and row.net_total == body["net_total"]
    code, _out, err = run(capsys, "quote", "--client", "9999", "--db", database.url)
    assert code == 2 and "client" in err


def test_address_column_is_geocoded(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An `address` column instead of lat/lon goes through the geocoder; coarse results warn on stderr."""
    import data.records as command  # `quote --offices` imports its geocoder from there when it needs one

    places = {"東京都千代田区丸の内1丁目": (35.6812, 139.7671, "town"), "大阪府": (34.69, 135.52, "prefecture")}
    monkeypatch.setattr(command, "default_geocoder", lambda: lambda address: places[address])
    path = tmp_path / "offices.csv"
    path.write_text("name,address,pcs,servers\n本社,東京都千代田区丸の内1丁目,8,1\n大阪,大阪府,4,0\n", encoding="utf-8")
    code, out, err = run(capsys, "quote", "--offices", str(path), "--json")
    assert code == 0, err
    body = json.loads(out)
    assert [c["offices"] for c in body["clusters"]] == [["本社"], ["大阪"]] and body["gross_total"] == 61600
    assert "line 3" in err and "prefecture" in err

    monkeypatch.setattr(command, "default_geocoder", lambda: None)
    code, _out, err = run(capsys, "quote", "--offices", str(path))
    assert code == 2 and "address needs geocoding, give lat/lon" in err and "line 2: address" in err


@pytest.mark.parametrize("count", ["⒈", "²", "①"])
def test_a_count_in_digits_int_cannot_read_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], count: str) -> None:
    """Characters Python calls digits but int() cannot read (found by the thorough fuzz: `⒈` ended as an
    internal error) are a one-line refusal naming the field; full-width digits still count."""
    (tmp_path / "odd.csv").write_text(f"name,lat,lon,pcs,servers\nTokyo,35.6812,139.7671,{count},0\n", encoding="utf-8")
    code, _out, err = run(capsys, "quote", "--offices", str(tmp_path / "odd.csv"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "pcs" in err and "internal error" not in err
    (tmp_path / "wide.csv").write_text("name,lat,lon,pcs,servers\nTokyo,35.6812,139.7671,５,0\n", encoding="utf-8")
    code, _out, err = run(capsys, "quote", "--offices", str(tmp_path / "wide.csv"))
    assert code == 0, err
