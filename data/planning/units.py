"""Visit ids and times of day: how the database's rows and moments map onto the dispatch problem.

Visit ids in problems are `R<request id>`; concierge ids are concierge codes (what `--concierge` takes).
Problem times are minutes from the plan date's midnight, plan times seconds; the database stores naive
business-local datetimes (data.clock).
"""

from __future__ import annotations

import datetime as dt

from data.errors import NotFoundError


def visit_key(request_id: int) -> str:
    """The problem's visit id of a request."""
    return f"R{request_id}"


def request_id_of(visit_id: str) -> int:
    """The request id behind a problem visit id (`R12` → 12)."""
    if not visit_id.startswith("R") or not visit_id[1:].isdecimal():
        raise NotFoundError(f"{visit_id!r} is not a visit request id (R<number>)")
    return int(visit_id[1:])


def minutes_of(day: dt.date, when: dt.datetime) -> int:
    """Minutes from `day`'s midnight (negative before it)."""
    return int((when - dt.datetime.combine(day, dt.time())).total_seconds() // 60)


def clock_of(day: dt.date, seconds: int) -> dt.datetime:
    """The moment `seconds` after `day`'s midnight."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def tmin(t: dt.time) -> int:
    return t.hour * 60 + t.minute
