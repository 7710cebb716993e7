"""The shipped gazetteer (data/gazetteer/gazetteer.tsv.gz) as an index: prefectures, municipalities (with a
designated city's wards), towns and chōme with their points, and postal codes.

The file is read on the first call of `gazetteer()` (a few tenths of a second) and kept; each
municipality's town lines are parsed into `Town`s on first use, and the postal codes when the first one is
looked up (most addresses have none, and 120,000 postal lines took as long to parse as everything else:
`concierge geocode` starts in under a second). Names are indexed by their matching key (data.address_keys).
"""

from __future__ import annotations

import gzip
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from data.address_keys import kanji_number, key, strip_aza, strip_aza_name

GAZETTEER_FILE = "gazetteer.tsv.gz"

_CHOME = re.compile(r"^(.*?)([〇一二三四五六七八九十百]+)丁目$")


@dataclass
class Town:
    name: str
    """Town name without chōme ("道玄坂")."""
    lat: float
    lon: float
    chome: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    """chōme number -> (full name "道玄坂一丁目", lat, lon)."""
    plain: bool = False
    """The gazetteer also has the town itself (an 大字 beside its chōme): a bare number after it may be a block."""


@dataclass
class Municipality:
    code: str
    prefecture: str
    name: str
    lat: float
    lon: float
    raw_towns: list[str] = field(default_factory=list)
    """Its gazetteer "T" lines, parsed into `towns` on first use."""
    parsed: dict[str, Town] | None = None
    wards: list[Municipality] = field(default_factory=list)
    """A designated city's wards."""

    @property
    def towns(self) -> dict[str, Town]:
        """Town key (no chōme, no 大字) -> town."""
        if self.parsed is None:
            self.parsed = parse_towns(self.raw_towns)
        return self.parsed


def parse_towns(lines: list[str]) -> dict[str, Town]:
    """T lines of one municipality -> towns by key, chōme grouped under their town."""
    grouped: dict[str, list[tuple[str, int | None, float, float]]] = {}
    for line in lines:
        _, _, town, lat_text, lon_text = line.split("\t")
        m = _CHOME.match(town)
        base, n = (m.group(1), int(kanji_number(m.group(2)))) if m else (town, None)
        grouped.setdefault(strip_aza(key(base)), []).append((town if m else base, n, float(lat_text), float(lon_text)))
    towns: dict[str, Town] = {}
    for k, entries in grouped.items():
        plain = [e for e in entries if e[1] is None]
        chome = {e[1]: (strip_aza_name(e[0]), e[2], e[3]) for e in entries if e[1] is not None}
        if plain:
            name, lat, lon = plain[0][0], plain[0][2], plain[0][3]
        else:
            lat = statistics.fmean(e[2] for e in entries)
            lon = statistics.fmean(e[3] for e in entries)
            name = _CHOME.sub(r"\1", entries[0][0])
        towns[k] = Town(strip_aza_name(name), lat, lon, chome, plain=bool(plain))
    return towns


@dataclass
class Gazetteer:
    version: str
    prefectures: dict[str, tuple[float, float]]
    municipalities: dict[str, Municipality]
    by_key: dict[str, list[Municipality]]
    """Municipality key (also without 郡) -> municipalities, over all prefectures."""
    pref_ward_keys: dict[tuple[str, str], list[Municipality]]
    """(prefecture, ward key) -> designated-city wards, for "神奈川県西区…"."""
    postal_lines: list[str]
    """The gazetteer's "P" lines, parsed into `postal` on first use."""
    town_rows: int = 0
    """Town/chōme rows read (parsed per municipality on first use)."""
    parsed_postal: dict[str, list[tuple[str, str]]] | None = None

    @property
    def postal(self) -> dict[str, list[tuple[str, str]]]:
        """Postal code (7 digits) -> [(municipality code, town)]."""
        if self.parsed_postal is None:
            postal: dict[str, list[tuple[str, str]]] = {}
            for line in self.postal_lines:
                f = line.split("\t")
                postal.setdefault(f[1], []).append((f[2], f[3] if len(f) > 3 else ""))
            self.parsed_postal = postal
        return self.parsed_postal


def read_gazetteer(text: Iterable[str]) -> Gazetteer:
    """The gazetteer from its lines."""
    version = ""
    prefectures: dict[str, tuple[float, float]] = {}
    munis: dict[str, Municipality] = {}
    postal: list[str] = []
    rows = 0
    current: Municipality | None = None
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
        if kind == "P":
            postal.append(line)
            continue
        f = line.split("\t")
        if kind == "M":
            munis[f[1]] = Municipality(f[1], f[2], f[3], float(f[4]), float(f[5]))
        elif kind == "R":
            prefectures[f[1]] = (float(f[2]), float(f[3]))
        elif kind == "#":
            version = "\t".join(f[1:])
    by_key: dict[str, list[Municipality]] = {}
    pref_ward_keys: dict[tuple[str, str], list[Municipality]] = {}
    by_name = {(m.prefecture, m.name): m for m in munis.values()}
    for muni in munis.values():
        keys = {key(muni.name)}
        gun = re.match(r"^.+?郡(.+[町村])$", muni.name)
        if gun:
            keys.add(key(gun.group(1)))
        for k in keys:
            by_key.setdefault(k, []).append(muni)
        ward = re.match(r"^(.+?市)(.+区)$", muni.name)
        if ward and not muni.code.startswith("13"):
            pref_ward_keys.setdefault((muni.prefecture, key(ward.group(2))), []).append(muni)
            city = by_name.get((muni.prefecture, ward.group(1)))
            if city is not None:
                city.wards.append(muni)
    return Gazetteer(version, prefectures, munis, by_key, pref_ward_keys, postal, rows)


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, read on first use (a few tenths of a second) and kept."""
    raw = resources.files("data.gazetteer").joinpath(GAZETTEER_FILE).read_bytes()
    return read_gazetteer(gzip.decompress(raw).decode("utf-8").splitlines())
