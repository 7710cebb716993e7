"""Offline geocoding of Japanese addresses against the shipped gazetteer (data/gazetteer/gazetteer.tsv.gz).

`geocode(address)` normalises the address (full/half-width, kanji numerals, 丁目/番地/号 and hyphen
variants, 大字/字, ケ/ヶ/が, a missing prefecture, postal codes), splits it into prefecture,
municipality (wards included), town and chōme, and returns the representative point of the finest
level it reached, with that precision: "town" (town or chōme), "municipality" or "prefecture".
Block and building numbers are kept in the normalised form but do not move the point (the gazetteer
stops at chōme).

Matching compares *keys* (`_key`): the same folding applied to the gazetteer's names and to the input,
so 霞ヶ関/霞が関/霞ケ関, 虎ノ門/虎の門, 六本木六丁目/六本木6丁目 meet.

The gazetteer is read on the first call and cached. An online geocoder (geopy Nominatim) may be used
for what the gazetteer cannot resolve to a town, only when asked (`online=True` or
CONCIERGE_GEOCODER=nominatim); any failure there falls back to the gazetteer result with a warning.
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

from data.errors import GeocodeError

Precision = Literal["town", "municipality", "prefecture"]

#: Environment variable that opts in to the online geocoder ("nominatim"); anything else: offline.
GEOCODER_ENV = "CONCIERGE_GEOCODER"
#: Identifies the app to Nominatim, as its usage policy requires.
NOMINATIM_USER_AGENT = "concierge-desk/0.1 (offline-first IT concierge dispatch)"
#: Seconds before an online request is given up (the app never hangs on the network).
ONLINE_TIMEOUT_SECONDS = 3.0
#: Nominatim's usage policy: at most one request per second.
ONLINE_MIN_DELAY_SECONDS = 1.0

#: Where a prefecture is not written and a municipality name exists in several prefectures, the
#: first of these wins (the business works in Tokyo and Osaka); the result carries a warning.
PREFERRED_PREFECTURES = ("東京都", "大阪府", "神奈川県", "埼玉県", "千葉県", "兵庫県", "京都府", "愛知県", "福岡県")

GAZETTEER_FILE = "gazetteer.tsv.gz"
#: Decimals of the returned coordinates (the gazetteer has 5: about a metre).
COORD_DECIMALS = 6

OnlineGeocoder = Callable[[str], "tuple[float, float] | None"]
"""address -> (lat, lon), None when not found; may raise on network failure."""


@dataclass(frozen=True)
class GeocodeResult:
    """Where an address is, and how precisely that is known."""

    lat: float
    lon: float
    precision: Precision
    """"town" (town or chōme point), "municipality" (its office) or "prefecture" (its capital's office)."""
    normalized: str
    """The address in normal form (prefecture, municipality, town and chōme as in the gazetteer, then
    block numbers as "2-3" and whatever followed)."""
    prefecture: str
    municipality: str | None = None
    town: str | None = None
    """Town with chōme as in the gazetteer ("道玄坂一丁目"); None below town precision."""
    warning: str | None = None
    """What was assumed or not found, for the user to check; None when the match was clean."""

    def as_dict(self) -> dict[str, object]:
        """The JSON form: lat, lon, precision, normalized, prefecture, municipality, town (+ warning)."""
        d: dict[str, object] = {
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
            "normalized": self.normalized,
            "prefecture": self.prefecture,
            "municipality": self.municipality,
            "town": self.town,
        }
        if self.warning:
            d["warning"] = self.warning
        return d


# --------------------------------------------------------------------------------------------- folding

_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUM = re.compile("[〇一二三四五六七八九十百千]+")
_DASHES = "‐‑‒–—―−─━－ｰ\\-"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s*[{_DASHES}ー]\s*(?=\d)")
#: Variant spellings folded to one character in keys (both sides).
_VARIANTS = str.maketrans(
    {
        "ヶ": "ケ", "ヵ": "ケ", "が": "ケ", "ガ": "ケ", "ノ": "の", "之": "の",
        "﨑": "崎", "嵜": "崎", "髙": "高", "邊": "辺", "邉": "辺", "澤": "沢", "濱": "浜", "齋": "斎", "齊": "斎",
        "嶋": "島", "冨": "富", "廣": "広", "舘": "館", "驒": "騨", "槇": "槙", "塚": "塚", "條": "条",
    }
)  # fmt: skip


def _kanji_number(s: str) -> int:
    """一 -> 1, 二十三 -> 23, 百五 -> 105, 二〇 -> 20 (positional when there is no 十/百/千)."""
    if not any(c in _KANJI_UNITS for c in s):
        return int("".join(str(_KANJI_DIGITS[c]) for c in s))
    total, digit = 0, 0
    for c in s:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        else:
            total += (digit or 1) * _KANJI_UNITS[c]
            digit = 0
    return total + digit


def _width(s: str) -> str:
    """NFKC (full-width digits/letters -> half-width), no spaces, one hyphen between digits."""
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"\s+", "", s)
    return _DASH_BETWEEN_DIGITS.sub("-", s)


def _key(s: str) -> str:
    """The matching key: width-folded, variants folded, kanji numerals as digits."""
    s = _width(s).translate(_VARIANTS)
    return _KANJI_NUM.sub(lambda m: str(_kanji_number(m.group())), s)


def _strip_aza(k: str) -> str:
    for prefix in ("大字", "字"):
        if k.startswith(prefix) and len(k) > len(prefix):
            return k[len(prefix) :]
    return k


# --------------------------------------------------------------------------------------------- gazetteer

_CHOME = re.compile(r"^(.*?)([〇一二三四五六七八九十百]+)丁目$")


@dataclass
class _Town:
    name: str
    """Town name without chōme ("道玄坂")."""
    lat: float
    lon: float
    chome: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    """chōme number -> (full name "道玄坂一丁目", lat, lon)."""
    plain: bool = False
    """The gazetteer also has the town itself (an 大字 beside its chōme): a bare number after it may be a block."""


@dataclass
class _Municipality:
    code: str
    prefecture: str
    name: str
    lat: float
    lon: float
    raw_towns: list[str] = field(default_factory=list)
    """Its gazetteer "T" lines, parsed into `towns` on first use."""
    parsed: dict[str, _Town] | None = None
    wards: list[_Municipality] = field(default_factory=list)
    """A designated city's wards."""

    @property
    def towns(self) -> dict[str, _Town]:
        """Town key (no chōme, no 大字) -> town."""
        if self.parsed is None:
            self.parsed = _parse_towns(self.raw_towns)
        return self.parsed


def _parse_towns(lines: list[str]) -> dict[str, _Town]:
    """T lines of one municipality -> towns by key, chōme grouped under their town."""
    grouped: dict[str, list[tuple[str, int | None, float, float]]] = {}
    for line in lines:
        _, _, town, lat_text, lon_text = line.split("\t")
        m = _CHOME.match(town)
        base, n = (m.group(1), _kanji_number(m.group(2))) if m else (town, None)
        grouped.setdefault(_strip_aza(_key(base)), []).append((town if m else base, n, float(lat_text), float(lon_text)))
    towns: dict[str, _Town] = {}
    for k, entries in grouped.items():
        plain = [e for e in entries if e[1] is None]
        chome = {e[1]: (_strip_aza_name(e[0]), e[2], e[3]) for e in entries if e[1] is not None}
        if plain:
            name, lat, lon = plain[0][0], plain[0][2], plain[0][3]
        else:
            lat = statistics.fmean(e[2] for e in entries)
            lon = statistics.fmean(e[3] for e in entries)
            name = _CHOME.sub(r"\1", entries[0][0])
        towns[k] = _Town(_strip_aza_name(name), lat, lon, chome, plain=bool(plain))
    return towns


@dataclass
class _Gazetteer:
    version: str
    prefectures: dict[str, tuple[float, float]]
    municipalities: dict[str, _Municipality]
    by_key: dict[str, list[_Municipality]]
    """Municipality key (also without 郡) -> municipalities, over all prefectures."""
    pref_ward_keys: dict[tuple[str, str], list[_Municipality]]
    """(prefecture, ward key) -> designated-city wards, for "神奈川県西区…"."""
    postal: dict[str, list[tuple[str, str]]]
    """Postal code (7 digits) -> [(municipality code, town)]."""
    town_rows: int = 0
    """Town/chōme rows read (parsed per municipality on first use)."""


def _read_gazetteer(text: Iterable[str]) -> _Gazetteer:
    version = ""
    prefectures: dict[str, tuple[float, float]] = {}
    munis: dict[str, _Municipality] = {}
    postal: dict[str, list[tuple[str, str]]] = {}
    rows = 0
    current: _Municipality | None = None
    for line in text:
        kind = line[:1]
        if kind == "T":
            code = line[2:7]
            if current is None or current.code != code:
                current = munis.get(code)
            if current is not None:
                current.raw_towns.append(line)
                rows += 1
            continue
        f = line.split("\t")
        if kind == "P":
            postal.setdefault(f[1], []).append((f[2], f[3] if len(f) > 3 else ""))
        elif kind == "M":
            munis[f[1]] = _Municipality(f[1], f[2], f[3], float(f[4]), float(f[5]))
        elif kind == "R":
            prefectures[f[1]] = (float(f[2]), float(f[3]))
        elif kind == "#":
            version = "\t".join(f[1:])
    by_key: dict[str, list[_Municipality]] = {}
    pref_ward_keys: dict[tuple[str, str], list[_Municipality]] = {}
    by_name = {(m.prefecture, m.name): m for m in munis.values()}
    for muni in munis.values():
        keys = {_key(muni.name)}
        gun = re.match(r"^.+?郡(.+[町村])$", muni.name)
        if gun:
            keys.add(_key(gun.group(1)))
        for k in keys:
            by_key.setdefault(k, []).append(muni)
        ward = re.match(r"^(.+?市)(.+区)$", muni.name)
        if ward and not muni.code.startswith("13"):
            pref_ward_keys.setdefault((muni.prefecture, _key(ward.group(2))), []).append(muni)
            city = by_name.get((muni.prefecture, ward.group(1)))
            if city is not None:
                city.wards.append(muni)
    return _Gazetteer(version, prefectures, munis, by_key, pref_ward_keys, postal, rows)


def _strip_aza_name(name: str) -> str:
    for prefix in ("大字", "字"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


@cache
def gazetteer() -> _Gazetteer:
    """The shipped gazetteer, read on first use (about a second) and kept."""
    raw = resources.files("data.gazetteer").joinpath(GAZETTEER_FILE).read_bytes()
    return _read_gazetteer(gzip.decompress(raw).decode("utf-8").splitlines())


# --------------------------------------------------------------------------------------------- parsing

_POSTAL = re.compile(r"^(?:〒|郵便番号:?)?(\d{3})-?(\d{4})(?!\d)")
_POSTAL_ANYWHERE = re.compile(r"〒(\d{3})-?(\d{4})(?!\d)")
_PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県",
    "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",
    "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県",
    "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県",
    "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip


def _strip_prefix(text: str, key_prefix: str) -> str:
    """The rest of `text` (width-folded) after the characters whose key is `key_prefix` (keys fold
    character by character, except runs of kanji numerals, which are never cut)."""
    for i in range(len(text) + 1):
        if 0 < i < len(text) and _KANJI_NUM.match(text[i - 1]) and _KANJI_NUM.match(text[i]):
            continue
        if _key(text[:i]) == key_prefix:
            return text[i:]
    return text[len(key_prefix) :]


def _block_part(rest: str) -> str:
    """Block/building part in normal form: 2番3号 / 2番地の3 / 2-3 -> "2-3"; kanji numerals -> digits."""
    s = _KANJI_NUM.sub(lambda m: str(_kanji_number(m.group())), rest)
    s = re.sub(r"(\d+)番地?(?:の)?(?=\d)", r"\1-", s)
    s = re.sub(r"(\d+)(?:番地?|号)", r"\1", s)
    s = re.sub(r"(?<=\d)の(?=\d)", "-", s)
    return s


def _town_text(rest: str) -> str:
    """The town part of what the user typed, for messages: up to 丁目 or the first block number."""
    m = re.match(r"^(.*?丁目)", rest) or re.match(r"^(.*?)(?=\d|$)", rest)
    return (m.group(1) if m else rest) or rest


@dataclass
class _Parse:
    prefecture: str | None = None
    municipality: _Municipality | None = None
    town: _Town | None = None
    chome: int | None = None
    rest: str = ""
    """What follows the last matched part (width-folded input)."""
    town_text: str = ""
    """The town as typed, when the town was not found."""
    warnings: list[str] = field(default_factory=list)


def _match_municipality(g: _Gazetteer, text: str, prefecture: str | None) -> tuple[_Municipality, str, list[str]] | None:
    """Longest municipality name at the start of `text` (in `prefecture`, or anywhere)."""
    k = _key(text)
    warnings: list[str] = []
    for n in range(min(len(k), 16), 0, -1):
        cands = g.by_key.get(k[:n], [])
        if prefecture is not None:
            cands = [c for c in cands if c.prefecture == prefecture] or g.pref_ward_keys.get((prefecture, k[:n]), [])
        if not cands:
            continue
        if len(cands) > 1:
            rank = {p: i for i, p in enumerate(PREFERRED_PREFECTURES)}
            cands = sorted(cands, key=lambda c: (rank.get(c.prefecture, len(rank)), c.code))
            others = "、".join(sorted({c.prefecture + c.name for c in cands[1:]}))
            what = "prefecture not given" if prefecture is None else "city not given"
            warnings.append(f"{what}; assumed {cands[0].prefecture}{cands[0].name} (also: {others})")
        return cands[0], _strip_prefix(text, k[:n]), warnings
    return None


def _match_town(muni: _Municipality, text: str) -> tuple[_Municipality, _Town, str] | None:
    """Longest town name at the start of `text` (after 大字/字), else anywhere in it (Kyoto's
    street-style addresses); a designated city searches its wards."""
    k = _strip_aza(_key(text))
    body = text
    for prefix in ("大字", "字"):
        if _key(body).startswith(prefix):
            body = body[len(prefix) :]
    places = muni.wards or [muni]
    best: tuple[int, _Municipality, _Town, str] | None = None
    for place in places:
        for n in range(min(len(k), 20), 0, -1):
            town = place.towns.get(k[:n])
            if town is not None:
                if best is None or n > best[0]:
                    best = (n, place, town, _strip_prefix(body, k[:n]))
                break
    if best is not None:
        return best[1], best[2], best[3]
    if muni.prefecture != "京都府" and "通" not in text:
        return None
    for place in places:
        for tk, town in place.towns.items():
            if len(tk) >= 2 and tk in k and (best is None or len(tk) > best[0]):
                i = k.index(tk)
                best = (len(tk), place, town, _strip_prefix(body, k[: i + len(tk)]))
    return (best[1], best[2], best[3]) if best is not None else None


def _parse(g: _Gazetteer, text: str) -> _Parse:
    p = _Parse(rest=text)
    found = None
    for pref in _PREFECTURES:
        if text.startswith(pref):
            p.prefecture, text = pref, text[len(pref) :]
            break
    else:
        # a prefecture without its 都/府/県 ("東京渋谷区…"), when a municipality of it follows
        for pref in _PREFECTURES:
            short = pref if pref == "北海道" else pref[:-1]
            if text.startswith(short):
                found = _match_municipality(g, text[len(short) :], pref)
                if found is not None:
                    p.prefecture = pref
                    break
    found = found or _match_municipality(g, text, p.prefecture)
    if found is None:
        p.rest = text
        return p
    p.municipality, text, warns = found
    p.prefecture = p.municipality.prefecture
    p.warnings += warns
    p.rest = text
    _resolve_town(p, p.municipality, text)
    return p


def _resolve_town(p: _Parse, muni: _Municipality, text: str) -> None:
    """Town and chōme of `text` (what follows the municipality) into `p`."""
    after = text
    p.rest = text
    town = _match_town(muni, text)
    if town is None:
        p.town_text = _town_text(text)
        return
    p.municipality, p.town, text = town
    kt = _key(text)
    m = re.match(r"^(\d+)丁目", kt) or (re.match(r"^(\d+)(?![\d番])", kt) if p.town.chome else None)
    if m and not m.group(0).endswith("丁目") and int(m.group(1)) not in p.town.chome and p.town.plain:
        m = None  # "上柚木1-2" where 上柚木 has no 1丁目 but exists itself: 1 is a block number
    if m:
        p.chome = int(m.group(1))
        text = _strip_prefix(text, m.group(0))
        if p.chome not in p.town.chome:
            typed = _town_text(after)
            p.town_text = typed if "丁目" in typed else f"{p.town.name}{p.chome}丁目"
    p.rest = text.lstrip("-の")


# --------------------------------------------------------------------------------------------- geocode


def geocode(address: str, *, online: bool | None = None, online_geocoder: OnlineGeocoder | None = None) -> GeocodeResult:
    """Resolve a Japanese address (or a postal code, or both) offline, optionally online.

    `online` None follows CONCIERGE_GEOCODER (=nominatim to opt in). Raises GeocodeError when not even
    a prefecture can be found."""
    result, error = _offline(address)
    use_online = online if online is not None else os.environ.get(GEOCODER_ENV, "").strip().lower() == "nominatim"
    if not use_online or (result is not None and result.precision == "town"):
        if result is None:
            raise GeocodeError(error)
        return result
    lookup = online_geocoder or _nominatim()
    try:
        hit = lookup(address)
    except Exception as exc:  # network, timeout, service errors: never fatal
        why = f"online geocoder unavailable ({type(exc).__name__}: {exc})".replace("\n", " ")
        if result is None:
            raise GeocodeError(f"{error}; {why}") from exc
        return _with_warning(result, f"{why}; using the gazetteer result")
    if hit is None or not (20.0 <= hit[0] <= 46.5 and 122.0 <= hit[1] <= 154.5):
        if result is None:
            raise GeocodeError(f"{error}; the online geocoder found nothing either")
        return _with_warning(result, "the online geocoder found nothing either")
    base = result or GeocodeResult(hit[0], hit[1], "prefecture", _width(address), "")
    return _result(hit[0], hit[1], "town", base.normalized, base.prefecture, base.municipality, base.town, ["position from the online geocoder"])


def _result(
    lat: float, lon: float, precision: Precision, normalized: str, prefecture: str, municipality: str | None, town: str | None, warnings: list[str]
) -> GeocodeResult:
    """A result with coordinates rounded to COORD_DECIMALS and the warnings joined (None if none)."""
    return GeocodeResult(
        round(lat, COORD_DECIMALS), round(lon, COORD_DECIMALS), precision, normalized, prefecture, municipality, town, "; ".join(warnings) or None
    )


def _with_warning(r: GeocodeResult, warning: str) -> GeocodeResult:
    text = f"{r.warning}; {warning}" if r.warning else warning
    return GeocodeResult(r.lat, r.lon, r.precision, r.normalized, r.prefecture, r.municipality, r.town, text)


def _offline(address: str) -> tuple[GeocodeResult | None, str]:
    """The gazetteer result, or None and the reason."""
    g = gazetteer()
    text = _width(address).strip("、,")
    if text.startswith("日本"):
        text = text.removeprefix("日本国").removeprefix("日本")
    shown = address.strip()
    postal = None
    m = _POSTAL.match(text) or _POSTAL_ANYWHERE.search(text)
    if m:
        postal = m.group(1) + m.group(2)
        text = (text[: m.start()] + text[m.end() :]).strip("、,")
    if not text and postal is None:
        return None, "address: empty"
    entries = g.postal.get(postal, []) if postal else []
    if postal and not entries:
        if not text:
            return None, f"postal code 〒{postal[:3]}-{postal[3:]} is not known"
        warnings = [f"postal code 〒{postal[:3]}-{postal[3:]} is not known; ignored"]
    else:
        warnings = []
    p = _parse(g, text) if text else _Parse()
    pmunis = [g.municipalities[c] for c, _ in entries if c in g.municipalities]
    if entries and p.municipality is None and pmunis:
        # the postal code gives the municipality; the text (if any) names the town
        muni = pmunis[0]
        p.prefecture, p.municipality, p.rest = muni.prefecture, muni, text
        if p.prefecture and text.startswith(p.prefecture):
            p.rest = text[len(p.prefecture) :]
        if p.rest:
            _resolve_town(p, muni, p.rest)
    elif entries and p.municipality is not None and pmunis and all(m.code != p.municipality.code for m in pmunis):
        code = postal or ""
        warnings.append(f"postal code 〒{code[:3]}-{code[3:]} is in {pmunis[0].prefecture}{pmunis[0].name}, not {p.municipality.name}")
        entries = []
    if p.municipality is not None and p.town is None and not p.town_text and entries:
        # no town in the text: the postal code's town, when it names exactly one
        towns = {t for c, t in entries if c == p.municipality.code and t}
        if len(towns) == 1:
            t = _match_town(p.municipality, next(iter(towns)))
            if t is not None:
                p.municipality, p.town, _ = t
        elif len(towns) > 1:
            warnings.append(f"postal code 〒{postal and postal[:3]}-{postal and postal[3:]} covers several towns ({'、'.join(sorted(towns)[:5])})")
    warnings = p.warnings + warnings
    if p.prefecture is None:
        return None, f"address: no prefecture or municipality recognised in {shown!r}"
    if p.municipality is None:
        lat, lon = g.prefectures[p.prefecture]
        rest = p.rest
        warnings.append(
            f"prefecture found, municipality not found in {rest!r}; using {p.prefecture} centre"
            if rest
            else f"only the prefecture is given; using {p.prefecture} centre"
        )
        return _result(lat, lon, "prefecture", p.prefecture + rest, p.prefecture, None, None, warnings), ""
    muni = p.municipality
    block = _block_part(p.rest)
    if p.town is None or p.town_text:
        typed = p.town_text or _town_text(p.rest)
        if typed:
            warnings.append(f"municipality found, town '{typed}' not found; using {muni.name} centroid")
        else:
            warnings.append(f"no town given; using {muni.name} centroid")
        normalized = f"{muni.prefecture}{muni.name}{p.rest if p.town is None else p.town_text + block}"
        return _result(muni.lat, muni.lon, "municipality", normalized, muni.prefecture, muni.name, None, warnings), ""
    town = p.town
    if p.chome is not None:
        name, lat, lon = town.chome[p.chome]
    else:
        name, lat, lon = town.name, town.lat, town.lon
    normalized = f"{muni.prefecture}{muni.name}{name}{block}"
    return _result(lat, lon, "town", normalized, muni.prefecture, muni.name, name, warnings), ""


@cache
def _nominatim() -> OnlineGeocoder:
    """geopy's Nominatim behind a one-request-per-second limiter, short timeout, no retries."""
    from geopy.extra.rate_limiter import RateLimiter  # type: ignore[import-untyped]
    from geopy.geocoders import Nominatim  # type: ignore[import-untyped]

    service = Nominatim(user_agent=NOMINATIM_USER_AGENT, timeout=ONLINE_TIMEOUT_SECONDS)
    limited = RateLimiter(service.geocode, min_delay_seconds=ONLINE_MIN_DELAY_SECONDS, max_retries=0, swallow_exceptions=False)

    def lookup(address: str) -> tuple[float, float] | None:
        loc = limited(address, country_codes="jp", exactly_one=True)
        return None if loc is None else (float(loc.latitude), float(loc.longitude))

    return lookup
