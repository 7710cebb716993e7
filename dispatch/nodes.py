"""Nodes and travel arrays: the one numbering every engine shares.

Node k < len(visits) is visit k; the nodes after them are the distinct start/end places of the concierges.
Travel is held per profile as square matrices over *rows* (the problem's own matrix rows, or the distinct
coordinates of a profile-based day) with `rows[node]` pointing into them, so a 5,000-visit matrix is never
copied for the evaluator and the LNS; engines that need node-by-node arrays (OR-Tools, PyVRP) ask
`node_seconds` / `node_meters` for a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dispatch.errors import DispatchError
from dispatch.problem import DispatchProblem, Location

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Travel:
    """Travel for each profile the concierges use: `seconds[p][rows[a], rows[b]]` from node a to node b
    (metres likewise); `vehicle_profile[v]` is concierge v's profile ("" for an explicit matrix)."""

    seconds: dict[str, npt.NDArray[np.integer]]
    meters: dict[str, npt.NDArray[np.integer]]
    vehicle_profile: tuple[str, ...]
    rows: IntArray

    @property
    def n_nodes(self) -> int:
        """Number of nodes (visits and depots)."""
        return int(self.rows.shape[0])

    def node_seconds(self, profile: str) -> IntArray:
        """Node-by-node seconds of a profile (a copy, int64)."""
        m = self.seconds[profile]
        return np.ascontiguousarray(m[np.ix_(self.rows, self.rows)], dtype=np.int64)

    def node_meters(self, profile: str) -> IntArray:
        """Node-by-node metres of a profile (a copy, int64)."""
        m = self.meters[profile]
        return np.ascontiguousarray(m[np.ix_(self.rows, self.rows)], dtype=np.int64)

    def leg(self, v: int, a: int, b: int) -> tuple[int, int]:
        """(seconds, metres) of concierge v from node a to node b."""
        p = self.vehicle_profile[v]
        ra, rb = self.rows[a], self.rows[b]
        return int(self.seconds[p][ra, rb]), int(self.meters[p][ra, rb])


@dataclass(frozen=True)
class Nodes:
    """The places of all nodes and each concierge's start and end node."""

    places: tuple[Location, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, problem: DispatchProblem) -> Nodes:
        places = [v.location for v in problem.visits]
        depot_of: dict[Location, int] = {}
        starts: list[int] = []
        ends: list[int] = []
        for c in problem.concierges:
            for loc, out in ((c.start, starts), (c.end_location, ends)):
                if loc not in depot_of:
                    depot_of[loc] = len(places)
                    places.append(loc)
                out.append(depot_of[loc])
        return cls(tuple(places), tuple(starts), tuple(ends))


def build_travel(problem: DispatchProblem, nodes: Nodes | None = None) -> Travel:
    """Travel for the problem's nodes: its explicit matrix (rows = location indices, no copy) or, for
    coordinates, one matrix per profile over the distinct places."""
    nodes = nodes or Nodes.of(problem)
    places = nodes.places
    if problem.matrix is not None:
        rows = np.array([loc.index for loc in places], dtype=np.int64)
        return Travel({"": problem.matrix.seconds}, {"": problem.matrix.meters}, tuple("" for _ in problem.concierges), rows)
    from dispatch.travel import distance_matrix, load_profiles

    profiles = load_profiles()
    names = tuple(c.profile or problem.profile or "" for c in problem.concierges)
    unique: dict[tuple[float, float], int] = {}
    rows_list = [unique.setdefault(loc.point, len(unique)) for loc in places]
    points = list(unique)
    seconds: dict[str, npt.NDArray[np.integer]] = {}
    meters: dict[str, npt.NDArray[np.integer]] = {}
    dist: IntArray | None = None
    for k, name in enumerate(names):
        if name in seconds:
            continue
        if name not in profiles:
            where = f"concierges[{k}].profile" if problem.concierges[k].profile else "travel.profile"
            raise DispatchError(f"{where}: unknown travel profile {name!r} (known: {', '.join(sorted(profiles))})")
        dist = distance_matrix(points) if dist is None else dist  # the same metres for every profile
        seconds[name] = profiles[name].seconds(dist)
        meters[name] = dist
    return Travel(seconds, meters, names, np.array(rows_list, dtype=np.int64))

