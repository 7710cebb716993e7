"""The quote form's text as the admin types it: fields checked by name, priced, and exported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data.errors import ValidationError
from data.quote_form import OfficeExtras, Places, quote_from_form, quote_markdown, quote_text, write_quote
from pricing.tariff import load_tariff

TOKYO = "35.6812, 139.7671"
OSAKA = "34.6937, 135.5023"


def _office(name: str = "本社", place: str = TOKYO, pcs: str = "30", servers: str = "1") -> dict[str, str]:
    return {"name": name, "place": place, "pcs": pcs, "servers": servers}


def test_thirty_pcs_and_a_server() -> None:
    """30 PCs + 1 server typed in the form: three units, ¥92,400 incl. tax."""
    q = quote_from_form([_office()], {}, load_tariff(), Places())
    assert (int(q.net_total), int(q.tax), int(q.gross_total)) == (84000, 8400, 92400)


def test_empty_rows_are_ignored_and_names_default() -> None:
    """Blank rows do not count; an office without a name is called by its row number."""
    q = quote_from_form([{"name": "", "place": "", "pcs": "", "servers": ""}, _office(name="", pcs="2")], {}, load_tariff(), Places())
    assert q.gross_total == 30800
    assert q.offices[0].name == "Office 2"


@pytest.mark.parametrize(
    ("rows", "options", "field"),
    [
        ([], {}, "offices"),
        ([_office(pcs="ten")], {}, "offices.0.pcs"),
        ([_office(), _office(servers="-1")], {}, "offices.1.servers"),
        ([_office(place="95, 139")], {}, "offices.0.place"),
        ([_office(place="")], {}, "offices.0.place"),
        ([_office()], {"rounding": "down"}, "rounding"),
        ([_office()], {"service_hours": "night"}, "service_hours"),
        ([_office()], {"response_hours": "0"}, "response_hours"),
        ([_office()], {"visiting": "sometimes"}, "visiting"),
        ([_office()], {"start": "2026-13"}, "start"),
    ],
)
def test_bad_field_is_named(rows: list[dict[str, str]], options: dict[str, str], field: str) -> None:
    """Each bad entry names the field the screen marks."""
    with pytest.raises(ValidationError) as caught:
        quote_from_form(rows, options, load_tariff(), Places())
    assert caught.value.field == field


def test_known_places_need_no_geocoder() -> None:
    """Offices loaded from a client keep their coordinates under their address."""
    places = Places(known={"大阪本町": (34.6826, 135.5023)})
    q = quote_from_form([_office(pcs="5"), _office("大阪", "大阪本町", "5", "0")], {}, load_tariff(), places)
    assert len(q.clusters) == 2 and q.gross_total == 61600


def test_old_devices_never_exceed_the_typed_count() -> None:
    """A loaded office with 8 old PCs edited down to 3 PCs still prices (old devices capped at 3)."""
    q = quote_from_form([_office(pcs="3", servers="0")], {}, load_tariff(), Places(), [OfficeExtras(old_devices=8)])
    assert q.offices[0].old_devices == 3


def test_exports_show_lines_and_totals(tmp_path: Path) -> None:
    """Text and Markdown exports carry every line and the total incl. tax; a bad folder names the path field."""
    q = quote_from_form([_office("東京", TOKYO, "5", "0"), _office("大阪", OSAKA, "5", "0")], {"start": "2026-12"}, load_tariff(), Places())
    created = dt.datetime(2026, 11, 25, 10, 0)
    text = quote_text(q, title="Quote for 青葉商事", created=created)
    markdown = quote_markdown(q, title="Quote for 青葉商事", created=created)
    for body in (text, markdown):
        assert "¥61,600" in body and "東京" in body and "大阪" in body
        assert "2027-02-28" in body  # earliest end of a December start (3-month minimum)
    assert "| **Total incl. tax** | | | | **¥61,600** |" in markdown
    path = write_quote(q, {"path": str(tmp_path / "q.txt"), "format": "text"}, title="Quote", created=created)
    assert path.read_text(encoding="utf-8").startswith("Quote\n=====")
    with pytest.raises(ValidationError) as caught:
        write_quote(q, {"path": str(tmp_path), "format": "markdown"}, title="Quote", created=created)
    assert caught.value.field == "path"
