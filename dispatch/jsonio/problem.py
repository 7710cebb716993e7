"""The problem format `concierge-dispatch/1` (docs/dispatch-json.md): parse, load, dump.

Every field is checked and a mistake raises DispatchError naming its JSON path
(`visits[12].windows[0].end`), unknown keys included. Travel is a profile over coordinates, a matrix in
the JSON, or a binary `.npy` matrix file beside it (`matrix_file`: int array [2, N, N], seconds then
metres, memory-mapped: a 5,000-place day reads in well under a second).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.errors import DispatchError
from dispatch.jsonio.reader import Reader, format_seconds, read_json
from dispatch.problem import (
    DEFAULT_SHIFT_END,
    DEFAULT_SHIFT_START,
    Break,
    Concierge,
    DispatchProblem,
    Location,
    Matrix,
    Pin,
    Urgency,
    Visit,
    VisitStatus,
    Window,
)

PROBLEM_SCHEMA = "concierge-dispatch/1"
FORMAT_KEY = "time_format"  # problem.meta: "hhmm" or "minutes"
#: The largest travel matrix entry (seconds or metres) and location index accepted.
MAX_TRAVEL = 10**9
MAX_INDEX = 10**7

K_TOP = frozenset({"schema", "date", "travel", "concierges", "visits"})
K_TRAVEL = frozenset({"profile", "matrix", "matrix_file"})
K_MATRIX = frozenset({"seconds", "meters"})
K_LOCATION = frozenset({"lat", "lon", "index"})
K_CONCIERGE = frozenset({"id", "start", "end", "shift", "skills", "max_visits", "break", "capacity", "profile", "off"})
K_SHIFT = frozenset({"start", "end"})
K_BREAK = frozenset({"earliest", "latest", "minutes"})
K_VISIT = frozenset(
    {"id", "location", "duration_minutes", "windows", "urgency", "deadline", "requested", "skills", "dedicated",
     "dedicated_required", "required", "priority", "pinned", "load", "status"}
)
K_WINDOW = frozenset({"start", "end"})
K_PIN = frozenset({"concierge", "start"})


def _location(data: Any, path: str) -> Location:
    r = Reader(data, path, K_LOCATION)
    if r.has("index"):
        index = r.get("index", int)
        if not 0 <= index <= MAX_INDEX:
            raise DispatchError(f"{r.sub('index')}: must be between 0 and {MAX_INDEX}, got {index}")
        if r.has("lat") or r.has("lon"):
            raise DispatchError(f"{path}: give either index or lat/lon, not both")
        return Location(index=index)
    try:
        return Location(lat=float(r.get("lat", (int, float))), lon=float(r.get("lon", (int, float))))
    except OverflowError:
        raise DispatchError(f"{path}: lat/lon must be degrees") from None
    except DispatchError as exc:
        text = str(exc)
        raise DispatchError(f"{path}{text.removeprefix('location')}" if text.startswith("location") else text) from None


def _skills(r: Reader) -> frozenset[str]:
    skills = r.get("skills", list, [])
    for k, s in enumerate(skills):
        if not isinstance(s, str) or not s.strip():
            raise DispatchError(f"{r.sub('skills')}[{k}]: must be a non-empty string")
    return frozenset(s.strip() for s in skills)


def _wrap(path: str, exc: DispatchError) -> DispatchError:
    """Prefix a dataclass validation message with the object's path."""
    return DispatchError(f"{path}.{exc}")


def _concierge(data: Any, path: str) -> tuple[Concierge, bool, bool]:
    r = Reader(data, path, K_CONCIERGE)
    cid = r.get("id", str)
    start = _location(r.get("start", dict), r.sub("start"))
    end = _location(r.data["end"], r.sub("end")) if r.has("end") else None
    shift_start, shift_end = DEFAULT_SHIFT_START, DEFAULT_SHIFT_END
    hhmm = False
    if r.has("shift"):
        s = Reader(r.get("shift", dict), r.sub("shift"), K_SHIFT)
        shift_start, shift_end = s.time("start", DEFAULT_SHIFT_START), s.time("end", DEFAULT_SHIFT_END)
        hhmm |= s.hhmm
        if shift_end < shift_start:
            raise DispatchError(f"{s.sub('end')}: ends before the shift starts")
    brk = None
    if r.has("break"):
        b = Reader(r.get("break", dict), r.sub("break"), K_BREAK)
        earliest, latest = b.time("earliest"), b.time("latest")
        minutes = b.get("minutes", int)
        hhmm |= b.hhmm
        if latest < earliest:
            raise DispatchError(f"{b.sub('latest')}: is before earliest")
        try:
            brk = Break(earliest, latest, minutes)
        except DispatchError as exc:
            raise _wrap(path, exc) from None
    try:
        c = Concierge(
            cid, start, shift_start=shift_start, shift_end=shift_end, end=end, skills=_skills(r),
            max_visits=r.get("max_visits", int, None), break_=brk, capacity=r.get("capacity", int, None), profile=r.get("profile", str, None),
        )
    except DispatchError as exc:
        raise _wrap(path, exc) from None
    return c, hhmm, bool(r.get("off", bool, False))


def _visit(data: Any, path: str) -> tuple[Visit, bool]:
    r = Reader(data, path, K_VISIT)
    vid = r.get("id", str)
    location = _location(r.get("location", dict), r.sub("location"))
    duration = r.get("duration_minutes", int)
    windows = []
    hhmm = False
    for k, w in enumerate(r.get("windows", list, [])):
        wr = Reader(w, f"{r.sub('windows')}[{k}]", K_WINDOW)
        ws, we = wr.time("start"), wr.time("end")
        hhmm |= wr.hhmm
        if we < ws:
            raise DispatchError(f"{wr.path}: end {w['end']} is before start {w['start']}")
        try:
            windows.append(Window(ws, we))
        except DispatchError as exc:
            raise DispatchError(f"{wr.path}{str(exc).removeprefix('window')}") from None
    urgency_text = r.get("urgency", str, "normal")
    try:
        urgency = Urgency(urgency_text)
    except ValueError:
        raise DispatchError(f"{r.sub('urgency')}: {urgency_text[:40]!r} is not one of emergency, high, normal, low") from None
    status_text = r.get("status", str, "open")
    try:
        status = VisitStatus(status_text)
    except ValueError:
        raise DispatchError(f"{r.sub('status')}: {status_text[:40]!r} is not one of open, in_progress, done") from None
    pin = None
    if r.has("pinned"):
        pr = Reader(r.get("pinned", dict), r.sub("pinned"), K_PIN)
        pin = Pin(pr.get("concierge", str, None), pr.time("start", None))
        hhmm |= pr.hhmm
    deadline = r.time("deadline", None)
    requested = r.time("requested", None)
    hhmm |= r.hhmm
    try:
        v = Visit(
            vid, location, duration, windows=tuple(windows), urgency=urgency, deadline=deadline, requested=requested, skills=_skills(r),
            dedicated=r.get("dedicated", str, None), dedicated_required=r.get("dedicated_required", bool, False),
            required=r.get("required", bool, False), priority=r.get("priority", int, 0), pinned=pin, load=r.get("load", int, 0), status=status,
        )
    except DispatchError as exc:
        raise _wrap(path, exc) from None
    return v, hhmm


def _square(rows: Any, path: str, n: int | None = None) -> np.ndarray[Any, np.dtype[np.int64]]:
    """A JSON list of lists -> an int64 square matrix of entries 0..MAX_TRAVEL (fast path through numpy;
    the slow scan only runs to name the first bad entry)."""
    if not isinstance(rows, list):
        raise DispatchError(f"{path}: must be a list of rows")
    size = len(rows) if n is None else n
    try:
        arr = np.array(rows)
    except (ValueError, OverflowError):
        arr = np.zeros(0)
    if arr.shape == (size, size) and arr.dtype.kind in "iu" and (size == 0 or (arr.min() >= 0 and arr.max() <= MAX_TRAVEL)):
        return arr.astype(np.int64, copy=False)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != size:
            raise DispatchError(f"{path}[{i}]: must be a list of {size} integers (the matrix is {size} rows)")
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= MAX_TRAVEL:
                raise DispatchError(f"{path}[{i}][{j}]: must be an integer between 0 and {MAX_TRAVEL}, got {str(x)[:40]}")
    raise DispatchError(f"{path}: must be a square matrix of integers")


def _matrix(data: Any, path: str) -> Matrix:
    r = Reader(data, path, K_MATRIX)
    seconds = _square(r.get("seconds", list), r.sub("seconds"))
    meters = _square(r.get("meters", list), r.sub("meters"), seconds.shape[0])
    return Matrix(seconds, meters)


def load_matrix_file(path: Path, where: str = "travel.matrix_file") -> Matrix:
    """A binary travel matrix: a `.npy` integer array [2, N, N] (seconds, then metres), memory-mapped
    copy-on-write: writable arrays are the type the installed kernels were compiled for (a read-only map
    made numba compile every kernel again on the first plan, ~20-40 s); the file is never written."""
    try:
        arr = np.load(path, mmap_mode="c", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DispatchError(f"{where}: cannot read {path} as a .npy array ({exc})") from None
    if arr.ndim != 3 or arr.shape[0] != 2 or arr.shape[1] != arr.shape[2]:
        raise DispatchError(f"{where}: {path} must hold an array of shape (2, N, N) (seconds, metres), got {arr.shape}")
    if arr.dtype.kind not in "iu":
        raise DispatchError(f"{where}: {path} must hold integers, got {arr.dtype}")
    if arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) > MAX_TRAVEL):
        raise DispatchError(f"{where}: entries must be between 0 and {MAX_TRAVEL}")
    return Matrix(arr[0], arr[1])


def _date(r: Reader) -> str | None:
    text: str | None = r.get("date", str, None)
    if text is None:
        return None
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise DispatchError(f"date: {text[:40]!r} is not a date (YYYY-MM-DD)") from None
    if len(text) != 10:
        raise DispatchError(f"date: {text[:40]!r} is not a date (YYYY-MM-DD)")
    return text


def parse_problem(data: Any, base: Path | None = None) -> DispatchProblem:
    """A `concierge-dispatch/1` document -> DispatchProblem (DispatchError names the bad path); `base` is
    the folder a `matrix_file` is relative to."""
    r = Reader(data, "", K_TOP)
    schema = r.get("schema", str)
    if schema != PROBLEM_SCHEMA:
        raise DispatchError(f"schema: expected {PROBLEM_SCHEMA!r}, got {schema[:40]!r}")
    date = _date(r)
    travel = Reader(r.get("travel", dict, {"profile": "tokyo_rail"}), "travel", K_TRAVEL)
    matrix = None
    if travel.has("matrix_file"):
        name = Path(travel.get("matrix_file", str))
        matrix = load_matrix_file(name if name.is_absolute() or base is None else base / name)
    elif travel.has("matrix"):
        matrix = _matrix(travel.get("matrix", dict), "travel.matrix")
    profile = travel.get("profile", str, None) if matrix is None else None
    if matrix is None and profile is None:
        raise DispatchError("travel: needs a profile, a matrix or a matrix_file")
    hhmm = False
    concierges: list[Concierge] = []
    off: list[Concierge] = []
    for k, c in enumerate(r.get("concierges", list)):
        con, h, is_off = _concierge(c, f"concierges[{k}]")
        (off if is_off else concierges).append(con)
        hhmm |= h
    visits = []
    for k, v in enumerate(r.get("visits", list)):
        vis, h = _visit(v, f"visits[{k}]")
        visits.append(vis)
        hhmm |= h
    if matrix is not None:
        for k, c in enumerate(r.data["concierges"]):
            for key in ("start", "end"):
                if isinstance(c.get(key), dict) and c[key].get("index") is not None and c[key]["index"] >= matrix.size:
                    raise DispatchError(f"concierges[{k}].{key}.index: {c[key]['index']} is outside the {matrix.size}-row matrix")
        for k, v in enumerate(r.data["visits"]):
            idx = v["location"].get("index")
            if idx is not None and idx >= matrix.size:
                raise DispatchError(f"visits[{k}].location.index: {idx} is outside the {matrix.size}-row matrix")
    return DispatchProblem(
        tuple(concierges), tuple(visits), profile=profile, matrix=matrix, date=date, meta={FORMAT_KEY: "hhmm" if hhmm else "minutes"}, off=tuple(off),
    )


def load_problem(path: str | Path) -> DispatchProblem:
    """Read a problem file (a `matrix_file` is taken relative to it)."""
    return parse_problem(read_json(path), Path(path).parent)


def _hhmm(problem: DispatchProblem) -> bool:
    return problem.meta.get(FORMAT_KEY) == "hhmm"


def _t(minutes: int, hhmm: bool) -> str | int | float:
    return format_seconds(minutes * 60, hhmm)


def _loc(loc: Location) -> dict[str, Any]:
    return {"index": loc.index} if loc.index is not None else {"lat": loc.lat, "lon": loc.lon}


def _dump_concierge(c: Concierge, h: bool) -> dict[str, Any]:
    d: dict[str, Any] = {"id": c.id, "start": _loc(c.start), "shift": {"start": _t(c.shift_start, h), "end": _t(c.shift_end, h)}}
    if c.end is not None:
        d["end"] = _loc(c.end)
    if c.skills:
        d["skills"] = sorted(c.skills)
    if c.max_visits is not None:
        d["max_visits"] = c.max_visits
    if c.break_ is not None:
        d["break"] = {"earliest": _t(c.break_.earliest, h), "latest": _t(c.break_.latest, h), "minutes": c.break_.minutes}
    if c.capacity is not None:
        d["capacity"] = c.capacity
    if c.profile is not None:
        d["profile"] = c.profile
    return d


def _dump_visit(v: Visit, h: bool) -> dict[str, Any]:
    e: dict[str, Any] = {"id": v.id, "location": _loc(v.location), "duration_minutes": v.duration, "urgency": v.urgency.value}
    if v.windows:
        e["windows"] = [{"start": _t(w.start, h), "end": _t(w.end, h)} for w in v.windows]
    for key, t in (("deadline", v.deadline), ("requested", v.requested)):
        if t is not None:
            e[key] = _t(t, h)
    if v.skills:
        e["skills"] = sorted(v.skills)
    if v.dedicated is not None:
        e["dedicated"] = v.dedicated
    if v.dedicated_required:
        e["dedicated_required"] = True
    if v.required:
        e["required"] = True
    if v.priority:
        e["priority"] = v.priority
    if v.pinned is not None:
        pin: dict[str, Any] = {}
        if v.pinned.concierge is not None:
            pin["concierge"] = v.pinned.concierge
        if v.pinned.start is not None:
            pin["start"] = _t(v.pinned.start, h)
        e["pinned"] = pin
    if v.load:
        e["load"] = v.load
    if v.status is not VisitStatus.OPEN:
        e["status"] = v.status.value
    return e


def dump_problem(problem: DispatchProblem) -> dict[str, Any]:
    """DispatchProblem -> `concierge-dispatch/1` document (travel matrices inline)."""
    h = _hhmm(problem)
    travel: dict[str, Any]
    if problem.matrix is not None:
        travel = {"matrix": {"seconds": problem.matrix.seconds.tolist(), "meters": problem.matrix.meters.tolist()}}
    else:
        travel = {"profile": problem.profile}
    concierges = [_dump_concierge(c, h) for c in problem.concierges] + [{**_dump_concierge(c, h), "off": True} for c in problem.off]
    doc: dict[str, Any] = {"schema": PROBLEM_SCHEMA}
    if problem.date is not None:
        doc["date"] = problem.date
    doc.update({"travel": travel, "concierges": concierges, "visits": [_dump_visit(v, h) for v in problem.visits]})
    return doc
