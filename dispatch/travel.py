"""Travel model: coordinates -> integer metres and seconds (OR-Tools takes integers only).

Distances are ellipsoidal (WGS-84) geodesic metres, the same quantity as geopy's
``geodesic(a, b).meters``; they are computed with Vincenty's inverse formula in numpy (agrees with
geopy's Karney algorithm to well under a millimetre at the distances concierges travel), so that one
code path serves a single pair and a matrix of millions of pairs. Both the per-pair functions
(`distance_m`, `travel_seconds`, used by the feasibility checker) and `build_matrix` (used by the
routing model) go through the same vectorised functions and the same rounding (`_to_int`), and each
pair is always computed in one canonical order, so they agree to the integer.

Seconds come from a `Profile` (detour factor, door-to-door speed, fixed overhead per trip; see
travel_profiles.toml and docs/geography.md). A `PrecomputedMatrix` (from a routing server, say) can
replace the model: it answers `matrix(points)` like a profile does.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from dispatch.errors import DispatchError

Point = tuple[float, float]
"""(latitude, longitude) in degrees."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: WGS-84 ellipsoid (the one geopy's `geodesic` uses by default).
WGS84_A = 6_378_137.0
WGS84_F = 1 / 298.257223563
WGS84_B = (1 - WGS84_F) * WGS84_A

#: Fixed number of Vincenty iterations: every pair gets exactly the same arithmetic, whatever the
#: batch it is computed in (the error shrinks ~300x per iteration: after 4, pairs 3,000 km apart are
#: within 0.1 mm of geopy's geodesic).
VINCENTY_ITERATIONS = 4

#: Pairs per vectorised batch in `build_matrix` (bounds memory: ~30 float temporaries per pair).
BATCH_PAIRS = 400_000

#: Coordinates of a precomputed matrix are matched after rounding to this many decimals (~0.1 m).
POINT_DECIMALS = 6

PROFILES_FILE = "travel_profiles.toml"


def _to_int(x: FloatArray) -> IntArray:
    """The one rounding step of the travel model: to the nearest integer, ties to even."""
    return np.rint(x).astype(np.int64)


@dataclass(frozen=True)
class TravelMatrix:
    """Travel between N points: `seconds[i, j]` and `meters[i, j]`, integer N x N, zero diagonal."""

    seconds: IntArray
    meters: IntArray


class MatrixSource(Protocol):
    """Anything that can produce a travel matrix for a list of points (a profile, a precomputed file)."""

    def matrix(self, points: Sequence[Point]) -> TravelMatrix: ...


@dataclass(frozen=True)
class Profile:
    """Straight-line metres -> door-to-door seconds:
    ``overhead_s + rint(metres * detour / (speed_kmh / 3.6))``; 0 metres (same place) is 0 seconds."""

    name: str
    detour: float
    """Travelled distance over straight-line distance (>= 1)."""
    speed_kmh: float
    """Average door-to-door speed over the travelled distance, km/h (> 0)."""
    overhead_s: int
    """Fixed seconds per trip: walking from the station or car park, building entry (>= 0)."""
    walk_up_to_m: int = 0
    """Up to this straight-line distance the trip takes the faster of this profile and `walk`
    (0: never)."""
    walk: Profile | None = None
    """The profile used for short hops (see `walk_up_to_m`)."""

    def __post_init__(self) -> None:
        where = f"profiles.{self.name}"
        if not (math.isfinite(self.detour) and self.detour >= 1):
            raise DispatchError(f"{where}.detour: must be a number >= 1, got {self.detour!r}")
        if not (math.isfinite(self.speed_kmh) and self.speed_kmh > 0):
            raise DispatchError(f"{where}.speed_kmh: must be a number > 0, got {self.speed_kmh!r}")
        if self.overhead_s < 0:
            raise DispatchError(f"{where}.overhead_s: must be >= 0, got {self.overhead_s!r}")
        if self.walk_up_to_m < 0:
            raise DispatchError(f"{where}.walk_up_to_m: must be >= 0, got {self.walk_up_to_m!r}")

    def seconds(self, meters: IntArray) -> IntArray:
        """Vectorised `travel_seconds`."""
        m = np.asarray(meters, dtype=np.int64)
        own = self.overhead_s + _to_int(m.astype(np.float64) * self.detour / (self.speed_kmh / 3.6))
        if self.walk is not None and self.walk_up_to_m > 0:
            own = np.where(m <= self.walk_up_to_m, np.minimum(own, self.walk.seconds(m)), own)
        return np.where(m == 0, 0, own).astype(np.int64)

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Travel between all pairs of `points` under this profile."""
        meters = distance_matrix(points)
        return TravelMatrix(self.seconds(meters), meters)


# --------------------------------------------------------------------------------------------- profiles

_KEYS = {"detour", "speed_kmh", "overhead_s", "walk_up_to_m", "walk_profile"}


def load_profiles(path: str | Path | None = None) -> dict[str, Profile]:
    """The travel profiles of a TOML file (`[profiles.<name>]` tables; see travel_profiles.toml);
    None: the shipped defaults `tokyo_rail`, `car` and `walk`."""
    if path is None:
        where = f"dispatch/{PROFILES_FILE}"
        text = resources.files("dispatch").joinpath(PROFILES_FILE).read_text(encoding="utf-8")
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise DispatchError(f"{where}: cannot read travel profiles ({e.strerror or e})") from e
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DispatchError(f"{where}: not valid TOML ({e})") from e
    tables = doc.get("profiles")
    if not isinstance(tables, dict) or not tables:
        raise DispatchError(f"{where}: needs at least one [profiles.<name>] table")
    raw: dict[str, Mapping[str, Any]] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise DispatchError(f"{where}: profiles.{name} must be a table")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise DispatchError(f"{where}: profiles.{name}.{unknown[0]}: unknown key (known: {', '.join(sorted(_KEYS))})")
        for key in ("detour", "speed_kmh", "overhead_s"):
            if key not in table:
                raise DispatchError(f"{where}: profiles.{name}.{key}: missing")
        raw[name] = table
    base: dict[str, Profile] = {}
    for name, t in raw.items():
        try:
            base[name] = Profile(
                name=name,
                detour=_number(t["detour"], where, name, "detour"),
                speed_kmh=_number(t["speed_kmh"], where, name, "speed_kmh"),
                overhead_s=_integer(t["overhead_s"], where, name, "overhead_s"),
            )
        except DispatchError as e:
            raise e if str(e).startswith(where) else DispatchError(f"{where}: {e}") from None
    profiles = dict(base)
    for name, t in raw.items():
        walk_name = t.get("walk_profile")
        if walk_name is None:
            if "walk_up_to_m" in t:
                raise DispatchError(f"{where}: profiles.{name}.walk_up_to_m: needs walk_profile")
            continue
        if walk_name not in base:
            raise DispatchError(f"{where}: profiles.{name}.walk_profile: unknown profile {walk_name!r}")
        walk = base[walk_name]
        if walk_name == name or raw[walk_name].get("walk_profile") is not None:
            raise DispatchError(f"{where}: profiles.{name}.walk_profile: {walk_name!r} has a walk_profile itself")
        b = base[name]
        try:
            profiles[name] = Profile(name, b.detour, b.speed_kmh, b.overhead_s, _integer(t.get("walk_up_to_m", 0), where, name, "walk_up_to_m"), walk)
        except DispatchError as e:
            raise DispatchError(f"{where}: {e}") from None
    return profiles


def _number(v: object, where: str, name: str, key: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise DispatchError(f"{where}: profiles.{name}.{key}: must be a number, got {v!r}")
    return float(v)


def _integer(v: object, where: str, name: str, key: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise DispatchError(f"{where}: profiles.{name}.{key}: must be a whole number, got {v!r}")
    return v


# --------------------------------------------------------------------------------------------- distance


def _reduced(lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """sin and cos of the reduced latitude (per point, so a matrix computes them once per point)."""
    u = np.arctan((1 - WGS84_F) * np.tan(np.radians(lat)))
    return np.sin(u), np.cos(u)


def _vincenty(dlon: FloatArray, sin_u1: FloatArray, cos_u1: FloatArray, sin_u2: FloatArray, cos_u2: FloatArray) -> FloatArray:
    """Ellipsoidal distance in metres (Vincenty's inverse formula, fixed iteration count) from the
    longitude difference (degrees) and both points' reduced latitudes."""
    f, a, b = WGS84_F, WGS84_A, WGS84_B
    big_l = np.radians(dlon)
    lam = big_l
    zero = np.zeros_like(big_l)
    sin_sigma = cos_sigma = sigma = cos2_alpha = cos_2sm = zero
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(VINCENTY_ITERATIONS):
            sin_lam, cos_lam = np.sin(lam), np.cos(lam)
            sin_sigma = np.sqrt((cos_u2 * sin_lam) ** 2 + (cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam) ** 2)
            cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
            sigma = np.arctan2(sin_sigma, cos_sigma)
            sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / sin_sigma)
            cos2_alpha = 1 - sin_alpha**2
            cos_2sm = np.where(cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha)
            c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
            lam = big_l + (1 - c) * f * sin_alpha * (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2)))
    u_sq = cos2_alpha * (a * a - b * b) / (b * b)
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (cos_2sm + big_b / 4 * (cos_sigma * (-1 + 2 * cos_2sm**2) - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)))
    )
    s: FloatArray = b * big_a * (sigma - delta_sigma)
    return np.where(sin_sigma == 0, 0.0, s)


def _pair_meters(p: FloatArray, q: FloatArray) -> IntArray:
    """Integer metres between rows of `p` and `q` (K x 2 each, already in canonical order p <= q)."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    q = np.ascontiguousarray(q, dtype=np.float64)
    s1, c1 = _reduced(np.ascontiguousarray(p[:, 0]))
    s2, c2 = _reduced(np.ascontiguousarray(q[:, 0]))
    return _to_int(_vincenty(np.ascontiguousarray(q[:, 1] - p[:, 1]), s1, c1, s2, c2))


def _check_point(p: Sequence[float], where: str) -> Point:
    if len(p) != 2:
        raise DispatchError(f"{where}: must be (lat, lon), got {p!r}")
    lat, lon = float(p[0]), float(p[1])
    if not (math.isfinite(lat) and -90 <= lat <= 90 and math.isfinite(lon) and -180 <= lon <= 180):
        raise DispatchError(f"{where}: ({lat}, {lon}) is not a latitude/longitude in degrees")
    return lat, lon


def distance_m(a: Point, b: Point) -> int:
    """Geodesic metres between two (lat, lon) points, rounded once (same integers as `build_matrix`)."""
    pa, pb = _check_point(a, "a"), _check_point(b, "b")
    if pa == pb:
        return 0
    if pb < pa:
        pa, pb = pb, pa
    return int(_pair_meters(np.array([pa]), np.array([pb]))[0])


def travel_seconds(meters: int, profile: Profile) -> int:
    """Door-to-door seconds for a trip of `meters` straight-line metres under `profile`."""
    if meters < 0:
        raise DispatchError(f"meters: must be >= 0, got {meters}")
    return int(profile.seconds(np.array([meters], dtype=np.int64))[0])


def distance_matrix(points: Sequence[Point]) -> IntArray:
    """Integer geodesic metres between all pairs of `points` (N x N); identical points are computed once."""
    n = len(points)
    if n == 0:
        return np.zeros((0, 0), dtype=np.int64)
    pts = np.array([_check_point(p, f"points[{i}]") for i, p in enumerate(points)], dtype=np.float64)
    # np.unique(axis=0) sorts rows lexicographically, the same order as tuple comparison in distance_m
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    k = len(uniq)
    dist = np.zeros((k, k), dtype=np.int64)
    if k > 1:
        sin_u, cos_u = _reduced(np.ascontiguousarray(uniq[:, 0]))
        lon = np.ascontiguousarray(uniq[:, 1])
        rows, cols = np.triu_indices(k, 1)
        for s in range(0, len(rows), BATCH_PAIRS):
            r, c = rows[s : s + BATCH_PAIRS], cols[s : s + BATCH_PAIRS]
            d = _to_int(_vincenty(lon[c] - lon[r], sin_u[r], cos_u[r], sin_u[c], cos_u[c]))
            dist[r, c] = d
            dist[c, r] = d
    return dist[np.ix_(inverse, inverse)]


def build_matrix(points: Sequence[Point], profile: MatrixSource) -> TravelMatrix:
    """Travel between all pairs of `points` from a `Profile` (the model) or a `PrecomputedMatrix`."""
    return profile.matrix(points)


# --------------------------------------------------------------------------------------------- precomputed


def _key(p: Sequence[float]) -> Point:
    return round(float(p[0]), POINT_DECIMALS), round(float(p[1]), POINT_DECIMALS)


@dataclass(frozen=True)
class PrecomputedMatrix:
    """Travel times and distances supplied from outside (e.g. an OSRM or Valhalla table), by point.

    File format (JSON, UTF-8), documented in docs/geography.md::

        {"points": [[lat, lon], ...],          # N points, degrees
         "seconds": [[0, 540, ...], ...],      # N x N, seconds from row point to column point
         "meters": [[0, 3200, ...], ...]}      # N x N, metres (optional: geodesic metres if absent)

    Numbers may be fractional (rounded once, ties to even); entries must be >= 0; the diagonal is
    taken as 0. Points are matched to the problem's coordinates after rounding to 6 decimals."""

    points: tuple[Point, ...]
    seconds: IntArray
    meters: IntArray
    source: str = "<memory>"

    def __post_init__(self) -> None:
        n = len(self.points)
        for name, arr in (("seconds", self.seconds), ("meters", self.meters)):
            if arr.shape != (n, n):
                raise DispatchError(f"{self.source}: {name} must be {n} x {n} (one row per point), got {arr.shape}")
            if (arr < 0).any():
                raise DispatchError(f"{self.source}: {name} entries must be >= 0")

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """The sub-matrix for `points`; raises DispatchError naming the first point not in the file."""
        index = {_key(p): i for i, p in enumerate(self.points)}
        rows = []
        for i, p in enumerate(points):
            row = index.get(_key(p))
            if row is None:
                raise DispatchError(f"{self.source}: points[{i}] ({p[0]}, {p[1]}) is not in the travel matrix")
            rows.append(row)
        ix = np.array(rows, dtype=np.int64)
        sec = self.seconds[np.ix_(ix, ix)].copy()
        met = self.meters[np.ix_(ix, ix)].copy()
        same = ix[:, None] == ix[None, :]
        sec[same] = 0
        met[same] = 0
        return TravelMatrix(sec, met)


def load_matrix(path: str | Path) -> PrecomputedMatrix:
    """Read a precomputed travel matrix file (format: `PrecomputedMatrix`)."""
    where = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise DispatchError(f"{where}: cannot read travel matrix ({e.strerror or e})") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DispatchError(f"{where}: not valid JSON ({e})") from e
    if not isinstance(doc, dict):
        raise DispatchError(f"{where}: must be a JSON object with points, seconds and meters")
    raw_points = doc.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        raise DispatchError(f"{where}: points: must be a non-empty list of [lat, lon]")
    points: list[Point] = []
    for i, p in enumerate(raw_points):
        if not isinstance(p, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in p):
            raise DispatchError(f"{where}: points[{i}]: must be [lat, lon], got {p!r}")
        points.append(_check_point(p, f"{where}: points[{i}]"))
    if len(set(map(_key, points))) != len(points):
        raise DispatchError(f"{where}: points: the same point is listed twice")
    seconds = _square(doc.get("seconds"), len(points), where, "seconds")
    meters = distance_matrix(points) if doc.get("meters") is None else _square(doc["meters"], len(points), where, "meters")
    return PrecomputedMatrix(tuple(points), seconds, meters, where)


def _square(v: object, n: int, where: str, name: str) -> IntArray:
    if v is None:
        raise DispatchError(f"{where}: {name}: missing")
    try:
        arr = np.array(v, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DispatchError(f"{where}: {name}: must be a {n} x {n} list of numbers") from e
    if arr.shape != (n, n):
        raise DispatchError(f"{where}: {name}: must be {n} x {n} (one row per point), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise DispatchError(f"{where}: {name}: entries must be finite numbers (null means unreachable: not allowed)")
    if (arr < 0).any():
        raise DispatchError(f"{where}: {name}: entries must be >= 0")
    out = _to_int(arr)
    np.fill_diagonal(out, 0)
    return out
