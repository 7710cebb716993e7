"""Offline geocoding of Japanese addresses against the shipped gazetteer (data/gazetteer/gazetteer.tsv.gz).

`geocode(address)` normalises the address (full/half-width, kanji numerals, 丁目/番地/号 and hyphen
variants, 大字/字, ケ/ヶ/が, a missing prefecture, postal codes), splits it into prefecture,
municipality (wards included), town and chōme, and returns the representative point of the finest
level it reached, with that precision: "town" (town or chōme), "municipality" or "prefecture".
Block and building numbers are kept in the normalised form but do not move the point (the gazetteer
stops at chōme).

Matching compares *keys* (data/address_keys.py): the same folding applied to the gazetteer's names and
to the input, so 霞ヶ関/霞が関/霞ケ関, 虎ノ門/虎の門, 六本木六丁目/六本木6丁目 meet. The parts live in
their own modules: address_keys (folding, linear in the input), gazetteer_index (the shipped data),
address_parse (prefecture → municipality → town → chōme); this module assembles the result, adds the
postal code and the optional online fallback. Input over MAX_ADDRESS_CHARS is refused.

The gazetteer is read on the first call and cached. An online geocoder (geopy Nominatim) may be used
for what the gazetteer cannot resolve to a town, only when asked (`online=True` or
CONCIERGE_GEOCODER=nominatim); any failure there falls back to the gazetteer result with a warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from data.address_keys import block_part, town_text, width
from data.address_parse import POSTAL, POSTAL_ANYWHERE, Parse, match_town, parse, resolve_town
from data.errors import GeocodeError
from data.gazetteer_index import gazetteer

__all__ = ["GEOCODER_ENV", "MAX_ADDRESS_CHARS", "GeocodeResult", "gazetteer", "geocode"]

Precision = Literal["town", "municipality", "prefecture"]

#: Environment variable that opts in to the online geocoder ("nominatim"); anything else: offline.
GEOCODER_ENV = "CONCIERGE_GEOCODER"
#: Identifies the app to Nominatim, as its usage policy requires.
NOMINATIM_USER_AGENT = "concierge-desk/0.1 (offline-first IT concierge dispatch)"
#: Seconds before an online request is given up (the app never hangs on the network).
ONLINE_TIMEOUT_SECONDS = 3.0
#: Nominatim's usage policy: at most one request per second.
ONLINE_MIN_DELAY_SECONDS = 1.0

MAX_ADDRESS_CHARS = 300
"""Longer input is refused before any matching (an address fits in far less; a pasted page does not)."""
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


# --------------------------------------------------------------------------------------------- geocode


def geocode(address: str, *, online: bool | None = None, online_geocoder: OnlineGeocoder | None = None) -> GeocodeResult:
    """Resolve a Japanese address (or a postal code, or both) offline, optionally online.

    `online` None follows CONCIERGE_GEOCODER (=nominatim to opt in). Raises GeocodeError when not even
    a prefecture can be found (or the input is longer than MAX_ADDRESS_CHARS)."""
    if len(address) > MAX_ADDRESS_CHARS:
        raise GeocodeError(f"address: longer than {MAX_ADDRESS_CHARS} characters ({len(address):,})")
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
    base = result or GeocodeResult(hit[0], hit[1], "prefecture", width(address), "")
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
    text = width(address).strip("、,")
    if text.startswith("日本"):
        text = text.removeprefix("日本国").removeprefix("日本")
    shown = address.strip()
    postal = None
    m = POSTAL.match(text) or POSTAL_ANYWHERE.search(text)
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
    p = parse(g, text) if text else Parse()
    pmunis = [g.municipalities[c] for c, _ in entries if c in g.municipalities]
    if entries and p.municipality is None and pmunis:
        # the postal code gives the municipality; the text (if any) names the town
        muni = pmunis[0]
        p.prefecture, p.municipality, p.rest = muni.prefecture, muni, text
        if p.prefecture and text.startswith(p.prefecture):
            p.rest = text[len(p.prefecture) :]
        if p.rest:
            resolve_town(p, muni, p.rest)
    elif entries and p.municipality is not None and pmunis and all(m.code != p.municipality.code for m in pmunis):
        code = postal or ""
        warnings.append(f"postal code 〒{code[:3]}-{code[3:]} is in {pmunis[0].prefecture}{pmunis[0].name}, not {p.municipality.name}")
        entries = []
    if p.municipality is not None and p.town is None and not p.town_text and entries:
        # no town in the text: the postal code's town, when it names exactly one
        towns = {t for c, t in entries if c == p.municipality.code and t}
        if len(towns) == 1:
            t = match_town(p.municipality, next(iter(towns)))
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
    block = block_part(p.rest)
    if p.town is None or p.town_text:
        typed = p.town_text or town_text(p.rest)
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
