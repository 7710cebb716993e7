"""The dispatch problem: who can go where, when, and what matters most.

Times are integer minutes from the plan date's midnight (they may exceed 1,440 for multi-day benchmarks
and be negative for requests received the day before). Locations are either coordinates (travel comes
from a profile of `dispatch.travel`) or a row of an explicit travel matrix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from dispatch.errors import DispatchError

#: The business's own skill vocabulary, which `data/` validates against. The dispatch API takes any string:
#: a visit needing a skill no concierge has is left unplanned with a reason naming it.
KNOWN_SKILLS: frozenset[str] = frozenset(
    {"english", "server", "network", "mac", "windows", "linux", "printer", "security", "cloud", "phone", "cabling", "backup"}
)
#: Bounds on the numbers a problem may hold (minutes from midnight, durations, counts): wide enough for any
#: real day (and multi-day benchmarks), small enough that every sum stays far inside 64-bit integers.
MAX_ABS_MINUTES = 100 * 24 * 60
MAX_DURATION_MINUTES = 14 * 24 * 60
MAX_COUNT = 1_000_000
MAX_LOAD = 10**12
MAX_PRIORITY = 1000

DEFAULT_SHIFT_START = 9 * 60
DEFAULT_SHIFT_END = 18 * 60
#: The response aim: a visit requested at minute t should start by t + RESPONSE_AIM_MINUTES.
RESPONSE_AIM_MINUTES = 24 * 60


class Urgency(StrEnum):
    """How soon a visit is needed; drives penalties for lateness and for leaving it unplanned."""

    EMERGENCY = "emergency"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class VisitStatus(StrEnum):
    """Progress of a visit; `done` and `in_progress` visits are fixed where they are."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


def _fail(path: str, message: str) -> DispatchError:
    return DispatchError(f"{path}: {message}")


def _minutes(path: str, value: int) -> None:
    if not -MAX_ABS_MINUTES <= value <= MAX_ABS_MINUTES:
        raise _fail(path, f"{value} is outside -{MAX_ABS_MINUTES}..{MAX_ABS_MINUTES} minutes")


def _bounded(path: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise _fail(path, f"must be between {low} and {high}, got {value}")


@dataclass(frozen=True)
class Location:
    """A place: coordinates (`lat`, `lon` in degrees) or `index`, a row of the problem's travel matrix."""

    lat: float | None = None
    lon: float | None = None
    index: int | None = None

    def __post_init__(self) -> None:
        if self.index is not None:
            if self.lat is not None or self.lon is not None:
                raise _fail("location", "give either index or lat/lon, not both")
            if self.index < 0:
                raise _fail("location.index", f"must be >= 0, got {self.index}")
            return
        if self.lat is None or self.lon is None:
            raise _fail("location", "needs lat and lon (or index)")
        if not (-90.0 <= self.lat <= 90.0) or not math.isfinite(self.lat):
            raise _fail("location.lat", f"must be within -90..90, got {self.lat}")
        if not (-180.0 <= self.lon <= 180.0) or not math.isfinite(self.lon):
            raise _fail("location.lon", f"must be within -180..180, got {self.lon}")

    @property
    def point(self) -> tuple[float, float]:
        """(lat, lon); only for coordinate locations."""
        assert self.lat is not None and self.lon is not None
        return (self.lat, self.lon)


@dataclass(frozen=True)
class Window:
    """A time window for the *start* of service, minutes from midnight, both ends inclusive."""

    start: int
    end: int

    def __post_init__(self) -> None:
        _minutes("window.start", self.start)
        _minutes("window.end", self.end)
        if self.end < self.start:
            raise _fail("window", f"end {self.end} is before start {self.start}")


@dataclass(frozen=True)
class Break:
    """A break of `minutes` whose *start* lies in [earliest, latest] (minutes from midnight): with
    earliest 11:30, latest 14:00 and 60 minutes it may run 14:00-15:00. It is taken between two visits
    (or before the first, or after the last within the shift), never during one, and only on a day the
    concierge has visits."""

    earliest: int
    latest: int
    minutes: int

    def __post_init__(self) -> None:
        if not 0 < self.minutes <= MAX_DURATION_MINUTES:
            raise _fail("break.minutes", f"must be between 1 and {MAX_DURATION_MINUTES}, got {self.minutes}")
        _minutes("break.earliest", self.earliest)
        _minutes("break.latest", self.latest)
        if self.latest < self.earliest:
            raise _fail("break.latest", f"{self.latest} is before earliest {self.earliest}")


@dataclass(frozen=True)
class Concierge:
    """One concierge's day. `end` None means back to `start`; `max_visits`/`capacity` None mean no limit;
    `profile` None means the problem's travel profile (ignored with an explicit matrix)."""

    id: str
    start: Location
    shift_start: int = DEFAULT_SHIFT_START
    shift_end: int = DEFAULT_SHIFT_END
    end: Location | None = None
    skills: frozenset[str] = frozenset()
    max_visits: int | None = None
    break_: Break | None = None
    capacity: int | None = None
    profile: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise _fail("concierge.id", "must not be empty")
        _minutes("shift.start", self.shift_start)
        _minutes("shift.end", self.shift_end)
        if self.shift_end < self.shift_start:
            raise _fail("shift.end", f"{self.shift_end} is before shift start {self.shift_start}")
        if any(not isinstance(s, str) or not s for s in self.skills):
            raise _fail("skills", "every skill must be a non-empty string")
        if self.max_visits is not None:
            _bounded("max_visits", self.max_visits, 0, MAX_COUNT)
        if self.capacity is not None:
            _bounded("capacity", self.capacity, 0, MAX_LOAD)

    @property
    def end_location(self) -> Location:
        """Where the day ends."""
        return self.end if self.end is not None else self.start


@dataclass(frozen=True)
class Pin:
    """Hold a visit on `concierge` and/or at start minute `start`."""

    concierge: str | None = None
    start: int | None = None


@dataclass(frozen=True)
class Visit:
    """A visit request. `windows` empty means any time in the shift; `deadline` None means only the 24 h aim
    from `requested` applies (none when `requested` is None too); `dedicated` names the client's dedicated
    concierge (preferred, or required with `dedicated_required`); `required` visits must be served;
    `priority` (0 = annual plan .. higher = monthly incident plans) raises the cost of leaving it unplanned."""

    id: str
    location: Location
    duration: int
    windows: tuple[Window, ...] = ()
    urgency: Urgency = Urgency.NORMAL
    deadline: int | None = None
    requested: int | None = None
    skills: frozenset[str] = frozenset()
    dedicated: str | None = None
    dedicated_required: bool = False
    required: bool = False
    priority: int = 0
    pinned: Pin | None = None
    load: int = 0
    status: VisitStatus = VisitStatus.OPEN

    def __post_init__(self) -> None:
        if not self.id:
            raise _fail("visit.id", "must not be empty")
        _bounded("duration_minutes", self.duration, 0, MAX_DURATION_MINUTES)
        for k, w in enumerate(self.windows):
            if w.end < w.start:
                raise _fail(f"windows[{k}]", f"end {w.end} is before start {w.start}")
        for name, t in (("deadline", self.deadline), ("requested", self.requested)):
            if t is not None:
                _minutes(name, t)
        if any(not isinstance(s, str) or not s for s in self.skills):
            raise _fail("skills", "every skill must be a non-empty string")
        if self.dedicated_required and self.dedicated is None:
            raise _fail("dedicated_required", "needs a dedicated concierge")
        _bounded("load", self.load, 0, MAX_LOAD)
        _bounded("priority", self.priority, 0, MAX_PRIORITY)
        if self.pinned is not None and self.pinned.start is not None:
            _minutes("pinned.start", self.pinned.start)
        if self.status is not VisitStatus.OPEN and (self.pinned is None or self.pinned.concierge is None or self.pinned.start is None):
            raise _fail("status", f"a {self.status.value} visit must be pinned to a concierge and a start")

    @property
    def fixed(self) -> bool:
        """Done or in progress: it stays where it is."""
        return self.status is not VisitStatus.OPEN

    @property
    def due(self) -> int | None:
        """The soft latest start: the deadline, else the 24 h aim from the request time."""
        if self.deadline is not None:
            return self.deadline
        if self.requested is not None:
            return self.requested + RESPONSE_AIM_MINUTES
        return None


@dataclass(frozen=True)
class Matrix:
    """An explicit travel matrix: integer seconds and metres between rows (square, same size)."""

    seconds: npt.NDArray[np.int64]
    meters: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        s, m = self.seconds, self.meters
        if s.ndim != 2 or s.shape[0] != s.shape[1]:
            raise _fail("travel.matrix.seconds", f"must be square, got shape {s.shape}")
        if m.shape != s.shape:
            raise _fail("travel.matrix.meters", f"shape {m.shape} differs from seconds {s.shape}")
        if (s < 0).any() or (m < 0).any():
            raise _fail("travel.matrix", "entries must be >= 0")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Matrix):
            return NotImplemented
        return bool(np.array_equal(self.seconds, other.seconds) and np.array_equal(self.meters, other.meters))

    def __hash__(self) -> int:
        return hash((self.seconds.shape, self.seconds.tobytes(), self.meters.tobytes()))

    @property
    def size(self) -> int:
        """Number of rows."""
        return int(self.seconds.shape[0])


@dataclass(frozen=True)
class DispatchProblem:
    """One day to plan. Travel is either `profile` (a name known to `dispatch.travel.load_profiles`) or
    `matrix`; with a matrix every location must be an index into it. `off` lists concierges who do not
    work that day: never routed, named in reasons (the only holder of a skill, a required dedicated
    concierge)."""

    concierges: tuple[Concierge, ...]
    visits: tuple[Visit, ...]
    profile: str | None = "tokyo_rail"
    matrix: Matrix | None = None
    date: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)
    off: tuple[Concierge, ...] = ()

    def __post_init__(self) -> None:
        ids: dict[str, int] = {}
        for k, c in enumerate(self.concierges):
            if c.id in ids:
                raise _fail(f"concierges[{k}].id", f"duplicate concierge id {c.id!r}")
            ids[c.id] = k
        for k, c in enumerate(self.off):
            if c.id in ids:
                raise _fail(f"off[{k}].id", f"{c.id!r} is both working and off")
        seen: set[str] = set()
        for k, v in enumerate(self.visits):
            if v.id in seen:
                raise _fail(f"visits[{k}].id", f"duplicate visit id {v.id!r}")
            seen.add(v.id)
            known = ids.keys() | {c.id for c in self.off}
            if v.dedicated is not None and v.dedicated not in known:
                raise _fail(f"visits[{k}].dedicated", f"unknown concierge {v.dedicated!r}")
            if v.pinned is not None and v.pinned.concierge is not None and v.pinned.concierge not in known:
                raise _fail(f"visits[{k}].pinned.concierge", f"unknown concierge {v.pinned.concierge!r}")
            if v.fixed and v.pinned is not None and v.pinned.concierge not in ids:
                raise _fail(f"visits[{k}].pinned.concierge", f"a {v.status.value} visit must be pinned to a working concierge")
        if self.matrix is None and self.profile is None:
            raise _fail("travel", "needs a profile or a matrix")
        locations = [(f"concierges[{k}].start", c.start) for k, c in enumerate(self.concierges)]
        locations += [(f"concierges[{k}].end", c.end) for k, c in enumerate(self.concierges) if c.end is not None]
        locations += [(f"visits[{k}].location", v.location) for k, v in enumerate(self.visits)]
        for path, loc in locations:
            if self.matrix is not None:
                if loc.index is None:
                    raise _fail(path, "needs an index: the problem has a travel matrix")
                if loc.index >= self.matrix.size:
                    raise _fail(path, f"index {loc.index} is outside the {self.matrix.size}-row matrix")
            elif loc.index is not None:
                raise _fail(path, "an index needs a travel matrix")

    def concierge_index(self, concierge_id: str) -> int:
        """Position of a concierge by id."""
        for k, c in enumerate(self.concierges):
            if c.id == concierge_id:
                return k
        raise DispatchError(f"unknown concierge {concierge_id!r}")

    def visit(self, visit_id: str) -> Visit:
        """A visit by id."""
        for v in self.visits:
            if v.id == visit_id:
                return v
        raise DispatchError(f"unknown visit {visit_id!r}")
