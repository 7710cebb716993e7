"""`concierge geocode` as a user runs it."""

from __future__ import annotations

import json

import pytest

from tui import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        cli.main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_geocode_json(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints exactly the documented keys for a chōme-level match."""
    code, out, err = run(capsys, "geocode", "東京都渋谷区道玄坂1丁目2-3", "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert list(doc) == ["lat", "lon", "precision", "normalized", "prefecture", "municipality", "town"]
    assert doc["precision"] == "town" and doc["town"] == "道玄坂一丁目" and doc["municipality"] == "渋谷区"
    assert abs(doc["lat"] - 35.6579) < 0.01 and abs(doc["lon"] - 139.6984) < 0.01


def test_geocode_text_with_partial_match(capsys: pytest.CaptureFixture[str]) -> None:
    """A town that does not exist: the municipality centroid, precision and the warning are shown."""
    code, out, _ = run(capsys, "geocode", "東京都渋谷区道玄坂九丁目")
    assert code == 0
    assert "precision: municipality" in out
    assert "municipality found, town '道玄坂九丁目' not found; using 渋谷区 centroid" in out


def test_geocode_json_warning(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON form carries the warning when there is one."""
    code, out, _ = run(capsys, "geocode", "東京都渋谷区道玄坂九丁目", "--json")
    assert code == 0 and json.loads(out)["precision"] == "municipality" and "warning" in json.loads(out)


def test_geocode_postal_code(capsys: pytest.CaptureFixture[str]) -> None:
    """A postal code alone resolves to its town."""
    code, out, _ = run(capsys, "geocode", "〒150-0043", "--json")
    assert code == 0 and json.loads(out)["town"] == "道玄坂"


@pytest.mark.parametrize("text", ["asdfghjkl", "!!!", "9999999", ""])
def test_geocode_nonsense_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], text: str) -> None:
    """Nonsense: one line on stderr starting 'concierge:', exit code 2, nothing on stdout."""
    code, out, err = run(capsys, "geocode", text)
    assert code == 2 and out == ""
    assert err.startswith("concierge: ") and err.count("\n") == 1


def test_geocode_offline_flag_overrides_the_environment(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--offline never goes online even when CONCIERGE_GEOCODER=nominatim."""
    monkeypatch.setenv("CONCIERGE_GEOCODER", "nominatim")
    code, out, _ = run(capsys, "geocode", "東京都", "--offline", "--json")
    assert code == 0 and json.loads(out)["precision"] == "prefecture"
    assert "online" not in json.loads(out).get("warning", "")
