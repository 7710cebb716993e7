"""The travel model of dispatch.travel: geodesic metres, profiles, the matrix builder and precomputed matrices."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from geopy.distance import geodesic  # type: ignore[import-untyped]

from data.planning import TRAVEL_MATRIX_ENV, with_travel
from dispatch.check import check_plan
from dispatch.errors import DispatchError
from dispatch.problem import Concierge, DispatchProblem, Location, Visit
from dispatch.solve import SolveParams, solve
from dispatch.travel import (
    PrecomputedMatrix,
    Profile,
    build_matrix,
    distance_m,
    load_matrix,
    load_profiles,
    travel_seconds,
)

SHIBUYA = (35.6580, 139.7016)
SHINJUKU = (35.6896, 139.7006)
UMEDA = (34.7025, 135.4959)
SAPPORO = (43.0687, 141.3508)
NAHA = (26.2124, 127.6809)


def _points(n: int, seed: int = 3) -> list[tuple[float, float]]:
    rnd = random.Random(seed)
    return [
        (rnd.uniform(24.0, 45.5), rnd.uniform(123.0, 146.0)) if k % 5 == 0 else (rnd.uniform(35.5, 35.8), rnd.uniform(139.5, 139.9)) for k in range(n)
    ]


def test_distance_agrees_with_geopy_geodesic() -> None:
    """Metres are geopy's geodesic metres, rounded once (within half a metre), from 10 m to Sapporo-Naha."""
    pts = _points(300)
    pairs = [(SHIBUYA, SHINJUKU), (SHIBUYA, UMEDA), (SAPPORO, NAHA), (SHIBUYA, (35.6581, 139.7016))]
    pairs += list(zip(pts[::2], pts[1::2], strict=True))
    for a, b in pairs:
        assert abs(distance_m(a, b) - geodesic(a, b).meters) <= 0.5


def test_distance_is_symmetric_and_zero_on_the_same_point() -> None:
    """Same point: 0 m; either direction: the same integer."""
    assert distance_m(SHIBUYA, SHIBUYA) == 0
    for a, b in zip(_points(100), _points(100, seed=4), strict=True):
        assert distance_m(a, b) == distance_m(b, a)


def test_shipped_profiles() -> None:
    """tokyo_rail, car and walk ship; tokyo_rail walks short hops."""
    profiles = load_profiles()
    assert {"tokyo_rail", "car", "walk"} <= set(profiles)
    rail, walk = profiles["tokyo_rail"], profiles["walk"]
    assert rail.walk == walk and rail.walk_up_to_m > 0
    assert travel_seconds(300, rail) == travel_seconds(300, walk)  # a 300 m hop is walked
    assert travel_seconds(5000, rail) < travel_seconds(5000, walk)


def test_travel_seconds_formula() -> None:
    """overhead + metres x detour / speed, rounded once; 0 m is 0 s."""
    car = Profile("car", detour=1.5, speed_kmh=36.0, overhead_s=600)
    assert travel_seconds(0, car) == 0
    assert travel_seconds(10_000, car) == 600 + 1500  # 15 km at 10 m/s
    assert travel_seconds(1, car) == 600


@pytest.mark.parametrize("name", ["tokyo_rail", "car", "walk"])
def test_travel_time_grows_with_distance(name: str) -> None:
    """Farther is never quicker, across the walk/train switch too."""
    profile = load_profiles()[name]
    times = [travel_seconds(m, profile) for m in range(0, 30_000, 50)]
    assert times == sorted(times)


@pytest.mark.parametrize("name", ["tokyo_rail", "car", "walk"])
def test_matrix_equals_the_per_pair_functions(name: str) -> None:
    """Every cell of the matrix is exactly what distance_m/travel_seconds give (the checker relies on it)."""
    profile = load_profiles()[name]
    pts = _points(45) + [SHIBUYA, SHINJUKU, SHIBUYA]  # Tokyo hops and a few far ones, one repeated point
    m = build_matrix(pts, profile)
    assert m.seconds.dtype == np.int64 and m.meters.dtype == np.int64 and m.seconds.shape == (48, 48)
    for i, a in enumerate(pts):
        for j, b in enumerate(pts):
            d = distance_m(a, b)
            assert (int(m.meters[i, j]), int(m.seconds[i, j])) == (d, travel_seconds(d, profile))


def test_identical_coordinates_are_deduplicated() -> None:
    """Repeated points get identical rows and 0 between them."""
    pts = [SHIBUYA, SHINJUKU, SHIBUYA, UMEDA, SHINJUKU]
    m = build_matrix(pts, load_profiles()["tokyo_rail"])
    assert m.meters[0, 2] == m.seconds[0, 2] == 0
    assert (m.meters[0] == m.meters[2]).all() and (m.seconds[1] == m.seconds[4]).all()
    assert np.diag(m.seconds).sum() == 0
    assert (m.meters == m.meters.T).all()


def test_empty_and_single_point_matrices() -> None:
    """No points or one point: an empty or 1x1 zero matrix."""
    assert build_matrix([], load_profiles()["car"]).seconds.shape == (0, 0)
    assert build_matrix([SHIBUYA], load_profiles()["car"]).seconds.tolist() == [[0]]


def test_bad_coordinates_are_refused() -> None:
    """A latitude out of range names the point."""
    with pytest.raises(DispatchError, match=r"points\[1\]"):
        build_matrix([SHIBUYA, (95.0, 139.0)], load_profiles()["car"])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_profiles_file(tmp_path: Path) -> None:
    """A user's TOML defines its own profiles, a walk alternative included."""
    path = _write(
        tmp_path / "p.toml",
        """
[profiles.bike]
detour = 1.2
speed_kmh = 15
overhead_s = 180
walk_up_to_m = 500
walk_profile = "foot"
[profiles.foot]
detour = 1.2
speed_kmh = 4.0
overhead_s = 60
""",
    )
    profiles = load_profiles(path)
    assert set(profiles) == {"bike", "foot"}
    assert profiles["bike"].walk == profiles["foot"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[profiles.x]\ndetour = 1.2\nspeed_kmh = 10\n", r"profiles\.x\.overhead_s: missing"),
        ("[profiles.x]\ndetour = 0.5\nspeed_kmh = 10\noverhead_s = 0\n", r"profiles\.x\.detour"),
        ("[profiles.x]\ndetour = 1.2\nspeed_kmh = 0\noverhead_s = 0\n", r"profiles\.x\.speed_kmh"),
        ("[profiles.x]\ndetour = 1.2\nspeed_kmh = 10\noverhead_s = 1.5\n", r"profiles\.x\.overhead_s"),
        ("[profiles.x]\ndetour = 1.2\nspeed_kmh = 10\noverhead_s = 0\nspeed = 3\n", r"profiles\.x\.speed: unknown key"),
        ("[profiles.x]\ndetour = 1.2\nspeed_kmh = 10\noverhead_s = 0\nwalk_profile = 'nope'\n", "unknown profile 'nope'"),
        ("[other]\n", "at least one"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_profiles_file_names_the_key(tmp_path: Path, text: str, match: str) -> None:
    """A mistake in a profiles file is a DispatchError naming the file and key."""
    path = _write(tmp_path / "p.toml", text)
    with pytest.raises(DispatchError, match=match) as info:
        load_profiles(path)
    assert str(path) in str(info.value)


def test_missing_profiles_file(tmp_path: Path) -> None:
    """An unreadable file is a DispatchError, not an OSError."""
    with pytest.raises(DispatchError, match="cannot read"):
        load_profiles(tmp_path / "none.toml")


def _matrix_doc(points: list[tuple[float, float]], **over: Any) -> dict[str, Any]:
    n = len(points)
    doc: dict[str, Any] = {
        "points": [list(p) for p in points],
        "seconds": [[0 if i == j else 100 * (i + 1) + j for j in range(n)] for i in range(n)],
        "meters": [[0 if i == j else 1000 * abs(i - j) for j in range(n)] for i in range(n)],
    }
    doc.update(over)
    return doc


def test_precomputed_matrix_replaces_the_model(tmp_path: Path) -> None:
    """A routing server's table, by point: any subset and order, duplicates at 0; asymmetric times kept."""
    pts = [SHIBUYA, SHINJUKU, UMEDA]
    path = _write(tmp_path / "m.json", json.dumps(_matrix_doc(pts)))
    source = load_matrix(path)
    m = build_matrix([UMEDA, SHIBUYA, UMEDA, SHINJUKU], source)
    assert m.seconds.tolist() == [[0, 300, 0, 301], [102, 0, 102, 101], [0, 300, 0, 301], [202, 200, 202, 0]]
    assert m.meters[1, 3] == 1000


def test_precomputed_matrix_without_meters_uses_geodesic_metres(tmp_path: Path) -> None:
    """meters may be left out: geodesic metres fill in; fractional seconds are rounded."""
    pts = [SHIBUYA, SHINJUKU]
    path = _write(tmp_path / "m.json", json.dumps({"points": pts, "seconds": [[0, 612.4], [598.6, 0]]}))
    m = build_matrix(pts, load_matrix(path))
    assert m.seconds.tolist() == [[0, 612], [599, 0]]
    assert m.meters[0, 1] == distance_m(SHIBUYA, SHINJUKU)


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"seconds": [[0]]}, "points"),
        (_matrix_doc([SHIBUYA, SHINJUKU], seconds=[[0, 1]]), r"seconds: must be 2 x 2"),
        (_matrix_doc([SHIBUYA, SHINJUKU], seconds=[[0, -1], [1, 0]]), ">= 0"),
        (_matrix_doc([SHIBUYA, SHINJUKU], seconds=[[0, None], [1, 0]]), "finite"),
        (_matrix_doc([SHIBUYA, SHIBUYA]), "listed twice"),
        (_matrix_doc([SHIBUYA, (135.0, 35.0)]), r"points\[1\]"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_matrix_file(tmp_path: Path, doc: object, match: str) -> None:
    """A malformed matrix file is a DispatchError naming the file and what is wrong."""
    path = _write(tmp_path / "m.json", json.dumps(doc))
    with pytest.raises(DispatchError, match=match):
        load_matrix(path)


def test_matrix_file_not_json_or_missing(tmp_path: Path) -> None:
    """Unreadable or non-JSON files are DispatchErrors."""
    with pytest.raises(DispatchError, match="not valid JSON"):
        load_matrix(_write(tmp_path / "m.json", "{"))
    with pytest.raises(DispatchError, match="cannot read"):
        load_matrix(tmp_path / "none.json")


def test_point_missing_from_the_matrix_is_named(tmp_path: Path) -> None:
    """A problem location the file does not cover is named."""
    source = load_matrix(_write(tmp_path / "m.json", json.dumps(_matrix_doc([SHIBUYA, SHINJUKU]))))
    with pytest.raises(DispatchError, match=r"points\[1\] \(34.7025, 135.4959\) is not in the travel matrix"):
        source.matrix([SHIBUYA, UMEDA])
    assert isinstance(source, PrecomputedMatrix)


def _day() -> DispatchProblem:
    concierges = (
        Concierge("K1", Location(*SHIBUYA), shift_start=540, shift_end=1080),
        Concierge("K2", Location(*SHINJUKU), shift_start=540, shift_end=1080, profile="walk"),
    )
    visits = tuple(Visit(f"V{k}", Location(35.66 + 0.01 * k, 139.70 + 0.005 * k), duration=60) for k in range(5))
    return DispatchProblem(concierges=concierges, visits=visits, profile="tokyo_rail")


def test_a_day_solved_on_the_model_passes_the_checker() -> None:
    """Per-concierge profiles: the solver's matrix and the checker's per-leg recomputation agree."""
    problem = _day()
    plan = solve(problem, SolveParams(time_limit=30, solution_limit=50))
    assert plan.planned == 5
    assert check_plan(problem, plan) == []


def test_with_travel_uses_a_precomputed_matrix_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$CONCIERGE_TRAVEL_MATRIX swaps the profiles for the file's times; the plan still checks."""
    problem = _day()
    pts = sorted({c.start.point for c in problem.concierges} | {v.location.point for v in problem.visits})
    n = len(pts)
    doc = {"points": pts, "seconds": [[0 if i == j else 900 + 60 * abs(i - j) for j in range(n)] for i in range(n)]}
    path = _write(tmp_path / "osrm.json", json.dumps(doc))
    monkeypatch.delenv(TRAVEL_MATRIX_ENV, raising=False)
    assert with_travel(problem) is problem
    monkeypatch.setenv(TRAVEL_MATRIX_ENV, str(path))
    swapped = with_travel(problem)
    assert swapped.matrix is not None and swapped.profile is None
    assert swapped.matrix.seconds[0, 1] == 900 + 60 * abs(pts.index(problem.concierges[0].start.point) - pts.index(problem.concierges[1].start.point))
    plan = solve(swapped, SolveParams(time_limit=30, solution_limit=50))
    assert check_plan(swapped, plan) == []
