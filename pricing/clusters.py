"""Office clusters: single-linkage grouping on geodesic distance (one concierge per cluster).

Two offices are linked when their geodesic (WGS-84, geopy) distance is at most the threshold; a
cluster is a connected group of links. For speed, distances are first computed as great-circle
(haversine) distances in numpy, which differ from the geodesic by less than 0.6 %: pairs clearly
inside (below 99 % of the threshold) are linked at once, pairs clearly outside (above 101 %) are not,
and only the pairs in between are measured with geopy. 500 offices take a few milliseconds.
numpy and geopy are imported on the first call with two or more offices: a one-office quote (the common
`concierge quote --pcs 30`) does not wait for them to load.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

EARTH_RADIUS_KM = 6371.0088
"""Mean earth radius of the haversine pre-filter."""

SURE_INSIDE = 0.99
SURE_OUTSIDE = 1.01
"""Haversine/threshold ratios beyond which the geodesic cannot disagree (the spherical error is < 0.6 %)."""

CHUNK = 512
"""Rows of the distance matrix computed at once (bounds memory for thousands of offices)."""


@dataclass(frozen=True)
class Cluster:
    """Offices served by one concierge: indices into the input, ascending, and the largest distance between two."""

    members: tuple[int, ...]
    span_km: Decimal
    """Geodesic distance between the two farthest offices, in km to 0.01 (0 for a single office)."""


def _haversine_rows(lat: np.ndarray, lon: np.ndarray, rows: slice) -> np.ndarray:
    """Great-circle km from the offices in `rows` to every office (radians in, km out)."""
    import numpy as np

    dlat = lat[None, :] - lat[rows, None]
    dlon = lon[None, :] - lon[rows, None]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[rows, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


def _geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    from geopy.distance import geodesic  # type: ignore[import-untyped]

    return float(geodesic(a, b).km)


def cluster_points(points: Sequence[tuple[float, float]], *, km: Decimal) -> list[Cluster]:
    """Single-linkage clusters of (lat, lon) points at threshold `km`, ordered by their first member."""
    n = len(points)
    if n == 0:
        return []
    if n == 1:
        return [Cluster(members=(0,), span_km=Decimal("0.00"))]
    import numpy as np

    threshold = float(km)
    coords = np.radians(np.asarray(points, dtype=float).reshape(n, 2))
    lat, lon = coords[:, 0], coords[:, 1]
    root = np.arange(n)
    # root[i] is the smallest index of i's cluster so far, kept fully compressed

    def merge(indices: np.ndarray) -> None:
        roots = np.unique(root[indices])
        if len(roots) > 1:
            root[np.isin(root, roots)] = roots[0]

    for start in range(0, n, CHUNK):
        rows = slice(start, min(start + CHUNK, n))
        dist = _haversine_rows(lat, lon, rows)
        for r in range(dist.shape[0]):
            i = start + r
            merge(np.append(np.flatnonzero(dist[r] <= threshold * SURE_INSIDE), i))
            for j in np.flatnonzero((dist[r] > threshold * SURE_INSIDE) & (dist[r] <= threshold * SURE_OUTSIDE)):
                if j > i and root[i] != root[j] and _geodesic_km(points[i], points[int(j)]) <= threshold:
                    merge(np.array([i, int(j)]))

    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(int(root[i]), []).append(i)
    clusters = [Cluster(members=tuple(members), span_km=_span_km(points, members, lat, lon)) for members in groups.values()]
    clusters.sort(key=lambda cluster: cluster.members[0])
    return clusters


def _span_km(points: Sequence[tuple[float, float]], members: list[int], lat: np.ndarray, lon: np.ndarray) -> Decimal:
    """Geodesic distance of the farthest pair (found with the haversine matrix), in km to 0.01."""
    if len(members) < 2:
        return Decimal("0.00")
    import numpy as np

    index = np.asarray(members)
    sub_lat, sub_lon = lat[index], lon[index]
    best = (0, 0)
    best_km = -1.0
    for start in range(0, len(members), CHUNK):
        rows = slice(start, min(start + CHUNK, len(members)))
        dist = _haversine_rows(sub_lat, sub_lon, rows)
        flat = int(np.argmax(dist))
        r, c = divmod(flat, dist.shape[1])
        if float(dist[r, c]) > best_km:
            best_km = float(dist[r, c])
            best = (start + r, c)
    a, b = members[best[0]], members[best[1]]
    return Decimal(str(round(_geodesic_km(points[a], points[b]), 2))).quantize(Decimal("0.01"))
