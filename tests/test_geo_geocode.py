"""Offline geocoding of Japanese addresses (data.geocode) as office forms, CSV import and the CLI use it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from data.db import open_database
from data.demo import generate_demo
from data.demo_tables import CONCIERGES, OSAKA, SHINJUKU_SHOPS, TOKYO
from data.errors import GeocodeError
from data.geocode import GEOCODER_ENV, GeocodeResult, gazetteer, geocode
from data.models import Office
from data.records import default_geocoder
from dispatch.travel import distance_m

FIXTURES = Path(__file__).parent / "fixtures"
KM = 1000


def _offices() -> list[tuple[str, str]]:
    rows = []
    for line in (FIXTURES / "geo_offices.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            address, municipality = line.split("\t")
            rows.append((address, municipality))
    return rows


def _office_point(address: str, municipality: str) -> tuple[float, float]:
    m = next(m for m in gazetteer().municipalities.values() if m.name == municipality and address.startswith(m.prefecture))
    return m.lat, m.lon


def _near(r: GeocodeResult, point: tuple[float, float]) -> int:
    return distance_m((r.lat, r.lon), point)


def test_demo_offices_resolve_to_their_town_within_1_km(tmp_path: Path) -> None:
    """Every office address of the demo business (two seeds) geocodes to town precision within 1 km of the
    generator's point (a real chōme point, jittered by at most ~200 m)."""
    cases: dict[str, tuple[float, float]] = {}
    for seed in (7, 11):  # one fresh file per seed (emptying a database is no user's action)
        database = open_database(str(tmp_path / f"demo{seed}.sqlite3"))
        with database.transaction() as session:
            generate_demo(session, seed=seed, today=dt.date(2026, 11, 25))
        with database.transaction() as session:
            for o in session.scalars(select(Office)):
                cases[o.address] = (o.lat, o.lon)
        database.engine.dispose()
    assert len(cases) >= 200, len(cases)
    far = {a: (geocode(a).precision, _near(geocode(a), p)) for a, p in cases.items()}
    bad = {a: v for a, v in far.items() if v[0] != "town" or v[1] > KM}
    assert not bad


@pytest.mark.parametrize("place", TOKYO + OSAKA + SHINJUKU_SHOPS, ids=lambda p: p.address)
def test_demo_towns_resolve_within_1_km(place: object) -> None:
    """The demo generator's real towns (Tokyo 23 wards, suburbs, Yokohama, Kawasaki, Osaka wards) resolve to
    their chōme within 1 km."""
    from data.demo_tables import Place

    assert isinstance(place, Place)
    r = geocode(place.address)
    assert r.precision == "town"
    assert _near(r, (place.lat, place.lon)) <= KM


@pytest.mark.parametrize(("address", "municipality"), _offices(), ids=[a for a, _ in _offices()])
def test_municipal_office_addresses_resolve_within_1_km(address: str, municipality: str) -> None:
    """Ward and city offices of Tokyo's 23 wards, Osaka's 24 wards, Yokohama, Kawasaki and a village land within
    1 km of the office point of an independent source (japancode), in the right municipality."""
    r = geocode(address)
    assert (r.precision, r.municipality) == ("town", municipality)
    assert _near(r, _office_point(address, municipality)) <= KM


def test_concierge_home_towns_resolve() -> None:
    """The demo concierges' home addresses resolve to their town."""
    for _code, _name, address, lat, lon, _skills, _profile in CONCIERGES:
        r = geocode(f"{address}3-5")
        assert r.precision == "town"
        assert _near(r, (lat, lon)) <= KM


SAME_PLACE = [
    "東京都渋谷区道玄坂1丁目2-3",
    "東京都渋谷区道玄坂１丁目２－３",
    "東京都渋谷区道玄坂一丁目二番三号",
    "東京都渋谷区道玄坂1丁目2番地3",
    "東京都渋谷区道玄坂1-2-3",
    "東京都渋谷区道玄坂1ー2ー3",
    "東京都渋谷区道玄坂1‐2‐3",
    "東京都 渋谷区 道玄坂 1-2-3",
    "渋谷区道玄坂1-2-3",
    "〒150-0043 東京都渋谷区道玄坂1-2-3",
    "〒150-0043 道玄坂1丁目2-3",
    "150-0043 渋谷区道玄坂1-2-3",
    "渋谷区道玄坂1の2の3",
    "日本東京都渋谷区道玄坂1-2-3",
]


@pytest.mark.parametrize("address", SAME_PLACE)
def test_spelling_variants_give_the_same_chome(address: str) -> None:
    """Full-width digits, kanji numerals, 番地/号 and hyphen variants, spaces, no prefecture, postal code: one chōme."""
    r = geocode(address)
    assert (r.precision, r.prefecture, r.municipality, r.town) == ("town", "東京都", "渋谷区", "道玄坂一丁目")
    assert r.normalized == "東京都渋谷区道玄坂一丁目2-3"
    assert r.warning is None


@pytest.mark.parametrize(
    ("address", "town"),
    [
        ("東京都千代田区霞が関1-1", "霞が関一丁目"),
        ("東京都千代田区霞ヶ関1-1", "霞が関一丁目"),
        ("東京都千代田区霞ケ関1-1", "霞が関一丁目"),
        ("東京都港区虎の門1-2", "虎ノ門一丁目"),
        ("東京都目黒区自由ヶ丘1-1", "自由が丘一丁目"),
        ("東京都港区六本木六丁目10番1号", "六本木六丁目"),
        ("東京都千代田区二番町5", "二番町"),
        ("北海道札幌市中央区南25条西11丁目", "南二十五条西十一丁目"),
        ("岐阜県大野郡白川村大字鳩谷517", "鳩谷"),
        ("岐阜県大野郡白川村鳩谷517", "鳩谷"),
        ("京都府京都市中京区烏丸通三条上る場之町599", "場之町"),
    ],
)
def test_variant_spellings_and_aza(address: str, town: str) -> None:
    """ケ/ヶ/が, ノ/の, kanji chōme, town names with numerals, 大字, Sapporo's 条, Kyoto's street directions."""
    r = geocode(address)
    assert (r.precision, r.town) == ("town", town)


@pytest.mark.parametrize(
    ("address", "prefecture", "municipality"),
    [
        ("横浜市西区みなとみらい2-3-1", "神奈川県", "横浜市西区"),
        ("大阪市北区梅田1-1-3", "大阪府", "大阪市北区"),
        ("川崎市川崎区駅前本町11-2", "神奈川県", "川崎市川崎区"),
        ("新宿区西新宿2-8-1", "東京都", "新宿区"),
        ("神奈川県西区みなとみらい2-3-1", "神奈川県", "横浜市西区"),
        ("大阪市梅田1-1-3", "大阪府", "大阪市北区"),
        ("東京渋谷区道玄坂1-2-3", "東京都", "渋谷区"),
        ("大阪府北区梅田1-1-3", "大阪府", "大阪市北区"),
    ],
)
def test_missing_prefecture_or_city(address: str, prefecture: str, municipality: str) -> None:
    """Well-known cities without their prefecture, a ward without its city, a designated city without its ward."""
    r = geocode(address)
    assert (r.precision, r.prefecture, r.municipality) == ("town", prefecture, municipality)


def test_ambiguous_municipality_is_assumed_with_a_warning() -> None:
    """府中市 exists in Tokyo and Hiroshima: Tokyo is assumed, and the user is told."""
    r = geocode("府中市宮西町2-24")
    assert (r.prefecture, r.municipality) == ("東京都", "府中市")
    assert r.warning and "広島県府中市" in r.warning


def test_postal_code_alone() -> None:
    """A postal code alone (either spelling) resolves to its town."""
    for text in ("〒150-0043", "1500043", "〒１５０－００４３", "150-0043"):
        r = geocode(text)
        assert (r.precision, r.municipality, r.town) == ("town", "渋谷区", "道玄坂")
        assert _near(r, (35.6579, 139.6984)) <= KM


def test_unknown_chome_falls_back_to_the_municipality() -> None:
    """A town that does not exist keeps the municipality, says so, and gives precision municipality."""
    r = geocode("東京都渋谷区道玄坂九丁目")
    assert (r.precision, r.municipality, r.town) == ("municipality", "渋谷区", None)
    assert r.warning == "municipality found, town '道玄坂九丁目' not found; using 渋谷区 centroid"
    assert _near(r, (35.6640, 139.6982)) <= KM  # Shibuya ward office


@pytest.mark.parametrize(
    ("address", "precision", "municipality"),
    [
        ("東京都西多摩郡檜原村467-1", "municipality", "西多摩郡檜原村"),
        ("東京都渋谷区存在しない町1-2", "municipality", "渋谷区"),
        ("大阪府大阪市北区", "municipality", "大阪市北区"),
        ("東京都", "prefecture", None),
        ("東京都ほげほげ区1-2", "prefecture", None),
    ],
)
def test_coarser_precision_keeps_the_right_area(address: str, precision: str, municipality: str | None) -> None:
    """Addresses without a known town resolve to the right municipality (or prefecture) with a warning."""
    r = geocode(address)
    assert (r.precision, r.municipality) == (precision, municipality)
    assert r.warning


@pytest.mark.parametrize("address", ["", "   ", "asdfghjkl", "1234567", "〒000-0000", "Springfield, USA"])
def test_nonsense_raises_geocode_error(address: str) -> None:
    """Nothing recognisable, not even a prefecture: GeocodeError (a ValidationError for forms)."""
    with pytest.raises(GeocodeError):
        geocode(address, online=False)


def test_online_fallback_failure_keeps_the_gazetteer_result() -> None:
    """With the online geocoder opted in and the network down, the gazetteer answer comes back with a warning."""

    def down(address: str) -> tuple[float, float] | None:
        raise OSError("Network is unreachable")

    r = geocode("東京都渋谷区道玄坂九丁目", online=True, online_geocoder=down)
    assert (r.precision, r.municipality) == ("municipality", "渋谷区")
    assert r.warning and "online geocoder unavailable" in r.warning and "Network is unreachable" in r.warning


def test_online_fallback_failure_on_nonsense_is_a_geocode_error() -> None:
    """Nothing offline and the network down: still a GeocodeError, not a network exception."""

    def down(address: str) -> tuple[float, float] | None:
        raise TimeoutError("timed out")

    with pytest.raises(GeocodeError, match="online geocoder unavailable"):
        geocode("asdfghjkl", online=True, online_geocoder=down)


def test_online_result_is_used_only_when_the_gazetteer_stops_short() -> None:
    """Town-level gazetteer answers never go online; coarser ones take the online point."""
    calls: list[str] = []

    def fake(address: str) -> tuple[float, float] | None:
        calls.append(address)
        return 35.6571, 139.6960

    assert geocode("東京都渋谷区道玄坂1-2-3", online=True, online_geocoder=fake).warning is None
    assert calls == []
    r = geocode("東京都渋谷区道玄坂九丁目", online=True, online_geocoder=fake)
    assert (r.lat, r.lon, r.precision) == (35.6571, 139.696, "town")
    assert calls == ["東京都渋谷区道玄坂九丁目"]


def test_offline_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the opt-in nothing goes online, even for a coarse answer."""
    monkeypatch.delenv(GEOCODER_ENV, raising=False)

    def boom(address: str) -> tuple[float, float] | None:
        raise AssertionError("went online")

    assert geocode("東京都", online_geocoder=boom).precision == "prefecture"
    monkeypatch.setenv(GEOCODER_ENV, "nominatim")
    assert "online geocoder unavailable" in (geocode("東京都", online_geocoder=lambda a: boom(a)).warning or "")


def test_records_default_geocoder_uses_the_gazetteer() -> None:
    """Office forms and CSV import get (lat, lon, precision) from the gazetteer."""
    resolve = default_geocoder()
    assert resolve is not None
    lat, lon, precision = resolve("東京都千代田区丸の内1-9-1")
    assert precision == "town"
    assert distance_m((lat, lon), (35.6812, 139.7671)) <= KM  # Tokyo Station


def test_json_form_has_the_documented_keys() -> None:
    """The --json keys are exactly lat, lon, precision, normalized, prefecture, municipality, town (+ warning)."""
    assert list(geocode("東京都渋谷区道玄坂1-2-3").as_dict()) == ["lat", "lon", "precision", "normalized", "prefecture", "municipality", "town"]
    assert "warning" in geocode("東京都渋谷区道玄坂九丁目").as_dict()


def test_random_gazetteer_towns_resolve_to_themselves() -> None:
    """A seeded sample of 600 chōme from all over Japan, written with digits, 丁目/番/号 or full-width digits,
    comes back as the same chōme (the parser does not depend on the Tokyo/Osaka cases above)."""
    import random
    import re

    g = gazetteer()
    rnd = random.Random(9)
    munis = sorted((m for m in g.municipalities.values() if m.raw_towns), key=lambda m: m.code)
    forms = ("{b}{n}-3-4", "{b}{n}丁目3番4号", "{b}{w}丁目３－４")
    checked = 0
    wrong = []
    while checked < 600:
        m = rnd.choice(munis)
        _, _, town, _, _ = rnd.choice(m.raw_towns).split("\t")
        mm = re.match(r"^(.*?)([一二三四五六七八九]|[一二三四五六七八九]?十[一二三四五六七八九]?)丁目$", town)
        if not mm:
            continue
        n = "一二三四五六七八九".index(mm.group(2)[-1]) + 1 if "十" not in mm.group(2) else None
        if n is None:
            continue
        wide = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        address = m.prefecture + m.name + rnd.choice(forms).format(b=mm.group(1), n=n, w=wide)
        r = geocode(address)
        checked += 1
        if (r.precision, r.municipality, r.town) != ("town", m.name, town.removeprefix("大字").removeprefix("字")):
            wrong.append((address, r.town, r.warning))
    assert wrong == []


def test_bare_number_after_an_aza_without_that_chome_is_a_block() -> None:
    """上柚木 has chōme 2 and 3 and is also an 大字: 上柚木1-2 is block 1 of the 大字, not a missing 1丁目."""
    r = geocode("東京都八王子市上柚木1-2")
    assert (r.precision, r.town) == ("town", "上柚木")


@pytest.mark.parametrize("run", ["1" * 5_000, "一" * 5_000, "１" * 5_000, "十" * 5_000])
def test_long_number_runs_are_refused_by_length_not_crashed(run: str) -> None:
    """Digit or kanji-numeral runs over 4,300 characters used to crash int(); now the length is named."""
    with pytest.raises(GeocodeError, match="longer than 300 characters"):
        geocode(f"東京都渋谷区道玄坂{run}")


def test_the_key_folding_handles_runs_of_any_length() -> None:
    """The folding itself never converts a run with int(): 30,000 kanji numerals fold to 30,000 digits."""
    from data.address_keys import block_part, key, strip_prefix

    assert key("一" * 30_000) == "1" * 30_000
    assert key("六本木六丁目") == key("六本木6丁目")
    assert strip_prefix("二" * 30_000 + "丁目", "2" * 30_000 + "丁目") == ""
    assert strip_prefix("道玄坂" + "1" * 30_000, key("道玄坂")) == "1" * 30_000
    assert block_part("2番地の3" + "4" * 30_000) == "2-3" + "4" * 30_000


@pytest.mark.parametrize("address", ["東京都渋谷区道玄坂1丁目2-3", "東京都渋谷区道玄坂一丁目二番三号", "〒150-0043 渋谷区道玄坂1-2-3"])
def test_the_split_geocoder_gives_the_same_answers(address: str) -> None:
    """After the split into address_keys/address_parse/gazetteer_index, the known addresses resolve as before."""
    result = geocode(address)
    assert (result.precision, result.town) == ("town", "道玄坂一丁目")
    assert result.normalized.startswith("東京都渋谷区道玄坂一丁目")
