"""JSON formats `concierge-dispatch/1` (problems) and `concierge-plan/1` (plans); see docs/dispatch-json.md.

Parsing checks every field and raises DispatchError naming its JSON path (`visits[12].windows[0].end`).
Times are "HH:MM" strings or integer minutes from the plan date's midnight; a plan is written in the
format its problem used (seconds appear as "HH:MM:SS" or fractional minutes only when not whole).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dispatch.errors import DispatchError
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, Unplanned
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
PLAN_SCHEMA = "concierge-plan/1"
HHMM = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")
FORMAT_KEY = "time_format"  # problem.meta: "hhmm" or "minutes"


class _Reader:
    """Typed access to a JSON object that names the path of whatever is wrong."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise DispatchError(f"{path or 'problem'}: must be an object")
        self.data = data
        self.path = path
        self.hhmm = False

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise DispatchError(f"{self.sub(key)}: missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind is not bool and (kind is int or (isinstance(kind, tuple) and bool not in kind)):
            raise DispatchError(f"{self.sub(key)}: must be {what or _kind_name(kind)}, got {value!r}")
        if not isinstance(value, kind):
            raise DispatchError(f"{self.sub(key)}: must be {what or _kind_name(kind)}, got {value!r}")
        return value

    def time(self, key: str, default: Any = ...) -> Any:
        value = self.get(key, (int, str), default, what='"HH:MM" or integer minutes')
        if isinstance(value, str):
            self.hhmm = True
            return parse_time(value, self.sub(key))
        return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list", dict: "an object"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_time(text: str, path: str) -> int:
    """"HH:MM" (hours may exceed 23) -> minutes from midnight."""
    m = HHMM.match(text.strip())
    if not m:
        raise DispatchError(f"{path}: {text!r} is not a time (\"HH:MM\" or integer minutes)")
    return int(m.group(1)) * 60 + int(m.group(2))


def format_seconds(seconds: int, hhmm: bool) -> str | int | float:
    """Seconds from midnight in the problem's time format."""
    if hhmm:
        sign = "-" if seconds < 0 else ""
        s = abs(seconds)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        return f"{sign}{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 4)


def parse_seconds(value: Any, path: str) -> int:
    """Inverse of `format_seconds`."""
    if isinstance(value, str):
        neg = value.startswith("-")
        m = HHMM.match(value.lstrip("-"))
        if not m:
            raise DispatchError(f"{path}: {value!r} is not a time")
        s = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
        return -s if neg else s
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value * 60)
    raise DispatchError(f"{path}: must be a time")


def _location(data: Any, path: str) -> Location:
    r = _Reader(data, path)
    try:
        if r.has("index"):
            return Location(index=r.get("index", int))
        return Location(lat=float(r.get("lat", (int, float))), lon=float(r.get("lon", (int, float))))
    except DispatchError as exc:
        text = str(exc)
        raise DispatchError(f"{path}{text.removeprefix('location')}" if text.startswith("location") else text) from None


def _skills(r: _Reader) -> frozenset[str]:
    skills = r.get("skills", list, [])
    for k, s in enumerate(skills):
        if not isinstance(s, str):
            raise DispatchError(f"{r.sub('skills')}[{k}]: must be a string")
    return frozenset(skills)


def _wrap(path: str, exc: DispatchError) -> DispatchError:
    """Prefix a dataclass validation message with the object's path."""
    return DispatchError(f"{path}.{exc}")


def _concierge(data: Any, path: str) -> tuple[Concierge, bool]:
    r = _Reader(data, path)
    cid = r.get("id", str)
    start = _location(r.get("start", dict), r.sub("start"))
    end = _location(r.data["end"], r.sub("end")) if r.has("end") else None
    shift_start, shift_end = DEFAULT_SHIFT_START, DEFAULT_SHIFT_END
    hhmm = False
    if r.has("shift"):
        s = _Reader(r.get("shift", dict), r.sub("shift"))
        shift_start, shift_end = s.time("start", DEFAULT_SHIFT_START), s.time("end", DEFAULT_SHIFT_END)
        hhmm |= s.hhmm
        if shift_end < shift_start:
            raise DispatchError(f"{s.sub('end')}: ends before the shift starts")
    brk = None
    if r.has("break"):
        b = _Reader(r.get("break", dict), r.sub("break"))
        earliest, latest = b.time("earliest"), b.time("latest")
        minutes = b.get("minutes", int)
        hhmm |= b.hhmm
        if latest < earliest:
            raise DispatchError(f"{b.sub('latest')}: is before earliest")
        if minutes <= 0:
            raise DispatchError(f"{b.sub('minutes')}: must be > 0, got {minutes}")
        brk = Break(earliest, latest, minutes)
    skills = _skills(r)
    try:
        c = Concierge(
            cid,
            start,
            shift_start=shift_start,
            shift_end=shift_end,
            end=end,
            skills=skills,
            max_visits=r.get("max_visits", int, None),
            break_=brk,
            capacity=r.get("capacity", int, None),
            profile=r.get("profile", str, None),
        )
    except DispatchError as exc:
        raise _wrap(path, exc) from None
    return c, hhmm


def _visit(data: Any, path: str) -> tuple[Visit, bool]:
    r = _Reader(data, path)
    vid = r.get("id", str)
    location = _location(r.get("location", dict), r.sub("location"))
    duration = r.get("duration_minutes", int)
    if duration < 0:
        raise DispatchError(f"{r.sub('duration_minutes')}: must be >= 0, got {duration}")
    windows = []
    hhmm = False
    for k, w in enumerate(r.get("windows", list, [])):
        wr = _Reader(w, f"{r.sub('windows')}[{k}]")
        ws, we = wr.time("start"), wr.time("end")
        hhmm |= wr.hhmm
        if we < ws:
            raise DispatchError(f"{wr.path}: end {w['end']} is before start {w['start']}")
        windows.append(Window(ws, we))
    urgency_text = r.get("urgency", str, "normal")
    try:
        urgency = Urgency(urgency_text)
    except ValueError:
        raise DispatchError(f"{r.sub('urgency')}: {urgency_text!r} is not one of emergency, high, normal, low") from None
    status_text = r.get("status", str, "open")
    try:
        status = VisitStatus(status_text)
    except ValueError:
        raise DispatchError(f"{r.sub('status')}: {status_text!r} is not one of open, in_progress, done") from None
    pin = None
    if r.has("pinned"):
        pr = _Reader(r.get("pinned", dict), r.sub("pinned"))
        pin = Pin(pr.get("concierge", str, None), pr.time("start", None))
        hhmm |= pr.hhmm
    deadline = r.time("deadline", None)
    requested = r.time("requested", None)
    hhmm |= r.hhmm
    try:
        v = Visit(
            vid,
            location,
            duration,
            windows=tuple(windows),
            urgency=urgency,
            deadline=deadline,
            requested=requested,
            skills=_skills(r),
            dedicated=r.get("dedicated", str, None),
            dedicated_required=r.get("dedicated_required", bool, False),
            required=r.get("required", bool, False),
            priority=r.get("priority", int, 0),
            pinned=pin,
            load=r.get("load", int, 0),
            status=status,
        )
    except DispatchError as exc:
        raise _wrap(path, exc) from None
    return v, hhmm


def _matrix(data: Any, path: str) -> Matrix:
    r = _Reader(data, path)
    arrays = []
    for key in ("seconds", "meters"):
        rows = r.get(key, list)
        n = len(rows)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != n:
                raise DispatchError(f"{r.sub(key)}[{i}]: must be a list of {n} integers (the matrix is {n} rows)")
            for j, x in enumerate(row):
                if isinstance(x, bool) or not isinstance(x, int) or x < 0:
                    raise DispatchError(f"{r.sub(key)}[{i}][{j}]: must be an integer >= 0, got {x!r}")
        arrays.append(np.array(rows, dtype=np.int64).reshape(n, n))
    if arrays[0].shape != arrays[1].shape:
        raise DispatchError(f"{r.sub('meters')}: has {arrays[1].shape[0]} rows, seconds has {arrays[0].shape[0]}")
    return Matrix(arrays[0], arrays[1])


def parse_problem(data: Any) -> DispatchProblem:
    """A `concierge-dispatch/1` document -> DispatchProblem (DispatchError names the bad path)."""
    r = _Reader(data, "")
    schema = r.get("schema", str)
    if schema != PROBLEM_SCHEMA:
        raise DispatchError(f"schema: expected {PROBLEM_SCHEMA!r}, got {schema!r}")
    travel = _Reader(r.get("travel", dict, {"profile": "tokyo_rail"}), "travel")
    matrix = _matrix(travel.get("matrix", dict), "travel.matrix") if travel.has("matrix") else None
    profile = travel.get("profile", str, None) if matrix is None else None
    if matrix is None and profile is None:
        raise DispatchError("travel: needs a profile or a matrix")
    hhmm = False
    concierges = []
    for k, c in enumerate(r.get("concierges", list)):
        con, h = _concierge(c, f"concierges[{k}]")
        concierges.append(con)
        hhmm |= h
    visits = []
    for k, v in enumerate(r.get("visits", list)):
        vis, h = _visit(v, f"visits[{k}]")
        visits.append(vis)
        hhmm |= h
    if matrix is not None:
        for k, c in enumerate(r.data["concierges"]):
            for key in ("start", "end"):
                if isinstance(c.get(key), dict) and "index" in c[key] and c[key]["index"] >= matrix.size:
                    raise DispatchError(f"concierges[{k}].{key}.index: {c[key]['index']} is outside the {matrix.size}-row matrix")
        for k, v in enumerate(r.data["visits"]):
            idx = v["location"].get("index")
            if idx is not None and idx >= matrix.size:
                raise DispatchError(f"visits[{k}].location.index: {idx} is outside the {matrix.size}-row matrix")
    return DispatchProblem(
        tuple(concierges),
        tuple(visits),
        profile=profile,
        matrix=matrix,
        date=r.get("date", str, None),
        meta={FORMAT_KEY: "hhmm" if hhmm else "minutes"},
    )


def load_problem(path: str | Path) -> DispatchProblem:
    """Read a problem file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DispatchError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DispatchError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    return parse_problem(data)


def _hhmm(problem: DispatchProblem) -> bool:
    return problem.meta.get(FORMAT_KEY) == "hhmm"


def _t(minutes: int, hhmm: bool) -> str | int | float:
    return format_seconds(minutes * 60, hhmm)


def _loc(loc: Location) -> dict[str, Any]:
    return {"index": loc.index} if loc.index is not None else {"lat": loc.lat, "lon": loc.lon}


def dump_problem(problem: DispatchProblem) -> dict[str, Any]:
    """DispatchProblem -> `concierge-dispatch/1` document."""
    h = _hhmm(problem)
    travel: dict[str, Any]
    if problem.matrix is not None:
        travel = {"matrix": {"seconds": problem.matrix.seconds.tolist(), "meters": problem.matrix.meters.tolist()}}
    else:
        travel = {"profile": problem.profile}
    concierges = []
    for c in problem.concierges:
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
        concierges.append(d)
    visits = []
    for v in problem.visits:
        e: dict[str, Any] = {"id": v.id, "location": _loc(v.location), "duration_minutes": v.duration, "urgency": v.urgency.value}
        if v.windows:
            e["windows"] = [{"start": _t(w.start, h), "end": _t(w.end, h)} for w in v.windows]
        if v.deadline is not None:
            e["deadline"] = _t(v.deadline, h)
        if v.requested is not None:
            e["requested"] = _t(v.requested, h)
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
        visits.append(e)
    doc: dict[str, Any] = {"schema": PROBLEM_SCHEMA}
    if problem.date is not None:
        doc["date"] = problem.date
    doc.update({"travel": travel, "concierges": concierges, "visits": visits})
    return doc


def dump_plan(plan: Plan, problem: DispatchProblem, texts: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Plan -> `concierge-plan/1` document, times in the problem's format; `texts` are reason sentences
    (default: `dispatch.explain.reason_text`)."""
    from dispatch.explain import reason_text

    h = _hhmm(problem)
    routes = []
    for r in plan.routes:
        d: dict[str, Any] = {
            "concierge": r.concierge,
            "depart": format_seconds(r.start, h),
            "return": format_seconds(r.end, h),
            "stops": [
                {
                    "visit": s.visit,
                    "arrival": format_seconds(s.arrival, h),
                    "start": format_seconds(s.start, h),
                    "end": format_seconds(s.end, h),
                    "travel_seconds": s.travel_seconds,
                    "travel_meters": s.travel_meters,
                }
                for s in r.stops
            ],
            "return_travel_seconds": r.return_seconds,
            "return_travel_meters": r.return_meters,
            "travel_seconds": r.travel_seconds,
            "travel_meters": r.travel_meters,
        }
        if r.break_start is not None and r.break_end is not None:
            d["break"] = {"start": format_seconds(r.break_start, h), "end": format_seconds(r.break_end, h)}
        routes.append(d)
    unplanned = [
        {
            "visit": u.visit,
            "reason": (texts or {}).get(u.visit) or reason_text(u.reason, problem),
            "code": u.reason.code.value,
            "detail": dict(u.reason.detail),
        }
        for u in plan.unplanned
    ]
    return {
        "schema": PLAN_SCHEMA,
        "status": plan.status.value,
        "routes": routes,
        "unplanned": unplanned,
        "travel_seconds": plan.travel_seconds,
        "travel_meters": plan.travel_meters,
        "cost": dict(plan.cost),
        "objective": plan.objective,
        "solve_seconds": round(plan.solve_seconds, 3),
    }


def parse_plan(data: Any) -> Plan:
    """A `concierge-plan/1` document -> Plan (times back to seconds)."""
    r = _Reader(data, "")
    schema = r.get("schema", str)
    if schema != PLAN_SCHEMA:
        raise DispatchError(f"schema: expected {PLAN_SCHEMA!r}, got {schema!r}")
    try:
        status = PlanStatus(r.get("status", str))
    except ValueError:
        raise DispatchError(f"status: unknown status {data['status']!r}") from None
    routes = []
    for k, rd in enumerate(r.get("routes", list)):
        rr = _Reader(rd, f"routes[{k}]")
        stops = []
        for j, sd in enumerate(rr.get("stops", list)):
            p = f"routes[{k}].stops[{j}]"
            sr = _Reader(sd, p)
            stops.append(
                Stop(
                    sr.get("visit", str),
                    parse_seconds(sd.get("arrival"), f"{p}.arrival"),
                    parse_seconds(sd.get("start"), f"{p}.start"),
                    parse_seconds(sd.get("end"), f"{p}.end"),
                    sr.get("travel_seconds", int),
                    sr.get("travel_meters", int),
                )
            )
        brk = rd.get("break")
        routes.append(
            Route(
                rr.get("concierge", str),
                tuple(stops),
                parse_seconds(rd.get("depart"), f"routes[{k}].depart"),
                parse_seconds(rd.get("return"), f"routes[{k}].return"),
                rr.get("return_travel_seconds", int, 0),
                rr.get("return_travel_meters", int, 0),
                parse_seconds(brk["start"], f"routes[{k}].break.start") if brk else None,
                parse_seconds(brk["end"], f"routes[{k}].break.end") if brk else None,
            )
        )
    unplanned = []
    for k, ud in enumerate(r.get("unplanned", list)):
        ur = _Reader(ud, f"unplanned[{k}]")
        try:
            code = ReasonCode(ur.get("code", str, ReasonCode.NOT_SEARCHED.value))
        except ValueError:
            raise DispatchError(f"unplanned[{k}].code: unknown reason code") from None
        unplanned.append(Unplanned(ur.get("visit", str), Reason(code, ur.get("detail", dict, {}))))
    cost = {str(k): int(v) for k, v in r.get("cost", dict, {}).items()}
    return Plan(status, tuple(routes), tuple(unplanned), cost, float(r.get("solve_seconds", (int, float), 0.0)), r.get("objective", int, 0))


def load_plan(path: str | Path) -> Plan:
    """Read a plan file."""
    try:
        return parse_plan(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as exc:
        raise DispatchError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DispatchError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
