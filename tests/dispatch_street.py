"""Tiny hand-checkable dispatch days: places 0..7 on a straight street, 1 km and 10 minutes apart."""

from __future__ import annotations

from typing import Any

from dispatch.jsonio import parse_problem
from dispatch.problem import DispatchProblem

PLACES = 8


def street(concierges: list[dict[str, Any]], visits: list[dict[str, Any]]) -> DispatchProblem:
    """A problem on the street: concierges start at place 0 unless said otherwise, visits last 30 minutes
    and are normal unless said otherwise."""
    sec = [[600 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    met = [[1000 * abs(i - j) for j in range(PLACES)] for i in range(PLACES)]
    for c in concierges:
        c.setdefault("start", {"index": 0})
    for v in visits:
        v.setdefault("duration_minutes", 30)
        v.setdefault("urgency", "normal")
    travel = {"matrix": {"seconds": sec, "meters": met}}
    return parse_problem({"schema": "concierge-dispatch/1", "travel": travel, "concierges": concierges, "visits": visits})


def visit(vid: str, place: int, **extra: Any) -> dict[str, Any]:
    """A visit dict at street place `place`."""
    return {"id": vid, "location": {"index": place}, **extra}
