"""Travel for plans built from the database: the profiles of `dispatch.travel`, or a precomputed matrix."""

from __future__ import annotations

import dataclasses
import os

from dispatch.problem import DispatchProblem, Location, Matrix

#: Environment variable naming a precomputed travel matrix file (format: dispatch.travel.PrecomputedMatrix,
#: docs/geography.md): when set, its times replace the travel profiles for every plan built from the database.
TRAVEL_MATRIX_ENV = "CONCIERGE_TRAVEL_MATRIX"


def with_travel(problem: DispatchProblem, matrix_file: str | None = None) -> DispatchProblem:
    """`problem` itself (travel from the profiles of `dispatch.travel`), unless a precomputed travel matrix
    file is given or named by $CONCIERGE_TRAVEL_MATRIX: then the same problem on an explicit matrix cut
    from that file (locations become matrix rows, in order: concierge starts and ends, then visits)."""
    path = matrix_file or os.environ.get(TRAVEL_MATRIX_ENV, "").strip()
    if not path:
        return problem
    from dispatch.travel import load_matrix

    points: list[tuple[float, float]] = []

    def index(loc: Location) -> Location:
        points.append(loc.point)
        return Location(index=len(points) - 1)

    concierges = tuple(
        dataclasses.replace(c, start=index(c.start), end=None if c.end is None else index(c.end), profile=None) for c in problem.concierges
    )
    visits = tuple(dataclasses.replace(v, location=index(v.location)) for v in problem.visits)
    sub = load_matrix(path).matrix(points)
    meta = {**problem.meta, "travel": f"matrix:{path}"}
    return dataclasses.replace(problem, concierges=concierges, visits=visits, profile=None, matrix=Matrix(sub.seconds, sub.meters), meta=meta)
