"""Rows → a dispatch problem for one date, and a plan → visit rows (the dispatcher's day).

- `load_day(session, date)` reads everything a plan of `date` needs into a `DaySnapshot`: the
  `DispatchProblem` (concierges working that day from their home base, shifts, skills, max visits, a
  60-minute lunch break somewhere in 11:30–14:00; open requests due by the end of the next business day,
  plus everything already planned on that date; visits in progress or done fixed where they are), display
  labels for the screens, the versions of every row it read, and the committed plan of that date.
- `commit_plan(session, snapshot, plan)` writes a plan in the caller's transaction: visit rows updated in
  place, created or removed, request statuses and pins, every touched request and visit checked against
  the version the snapshot saw. A plan made over changes by another dispatcher raises `ConflictError`.
- `replan_from_now(snapshot, now)` re-plans the rest of the day around fixed visits (see
  `dispatch.replan`); `retime(snapshot, plan, ...)` moves one visit by hand and recomputes the route.
- `save_request(session, form, now)` is request intake with the deadline defaults (emergency today,
  high within 24 h, normal within 3 business days, low within 5).

Visit ids in problems are `R<request id>`; concierge ids are concierge codes (what `--concierge` takes).
Contract priority (monthly-billed plans before annual incident plans) is derived here from
`Contract.plan`/`Contract.options` because `pricing` has no function for it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jpholiday
from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from data.errors import ConflictError, NotFoundError, ValidationError
from data.fields import shown, text
from data.locks import check_month_open
from data.models import CATEGORIES, URGENCIES, Client, Concierge, Contract, Office, Visit, VisitRequest
from data.search import matches_all
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, Unplanned
from dispatch.problem import KNOWN_SKILLS, Break, DispatchProblem, Location, Matrix, Pin, Urgency, VisitStatus, Window
from dispatch.problem import Concierge as DConcierge
from dispatch.problem import Visit as DVisit

#: Lunch: 60 minutes starting between 11:30 and 13:00 (so it ends by 14:00).
BREAK_EARLIEST = 11 * 60 + 30
BREAK_LATEST = 13 * 60
BREAK_MINUTES = 60
#: Open requests due within this many business days after the plan date are offered to the optimizer.
LOOKAHEAD_BUSINESS_DAYS = 1
#: Deadline defaults at intake (business days for normal/low).
NORMAL_BUSINESS_DAYS = 3
LOW_BUSINESS_DAYS = 5
DEFAULT_CLOSING = dt.time(18, 0)
#: Contract priority (higher is served first when capacity is short).
PRIORITY_MONTHLY = 2
PRIORITY_ANNUAL = 1
PRIORITY_NONE = 0
PRIORITY_LABELS = {PRIORITY_MONTHLY: "monthly plan (priority)", PRIORITY_ANNUAL: "annual incident plan", PRIORITY_NONE: "no contract (spot)"}


def visit_key(request_id: int) -> str:
    """The problem's visit id of a request."""
    return f"R{request_id}"


def request_id_of(visit_id: str) -> int:
    """The request id behind a problem visit id (`R12` → 12)."""
    if not visit_id.startswith("R") or not visit_id[1:].isdigit():
        raise NotFoundError(f"{visit_id!r} is not a visit request id (R<number>)")
    return int(visit_id[1:])


def minutes_of(day: dt.date, when: dt.datetime) -> int:
    """Minutes from `day`'s midnight (negative before it)."""
    return int((when - dt.datetime.combine(day, dt.time())).total_seconds() // 60)


def clock_of(day: dt.date, seconds: int) -> dt.datetime:
    """The moment `seconds` after `day`'s midnight."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def _tmin(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def add_business_days(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved `days` business days on (weekends and Japanese public holidays skipped)."""
    current = start
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and not jpholiday.is_holiday(current.date()):
            left -= 1
    return current


def default_deadline(urgency: str, received: dt.datetime, *, closes: dt.time = DEFAULT_CLOSING) -> dt.datetime:
    """Intake default: emergency today (by closing, or 4 h when received after it), high within 24 h,
    normal within 3 business days, low within 5 business days."""
    if urgency == "emergency":
        today_close = dt.datetime.combine(received.date(), closes)
        return today_close if today_close > received else received + dt.timedelta(hours=4)
    if urgency == "high":
        return received + dt.timedelta(hours=24)
    if urgency == "normal":
        return add_business_days(received, NORMAL_BUSINESS_DAYS)
    if urgency == "low":
        return add_business_days(received, LOW_BUSINESS_DAYS)
    raise ValidationError(f"urgency: {urgency!r} is not one of {', '.join(URGENCIES)}", field="urgency")


def contract_priority(contracts: Iterable[Contract], day: dt.date | None = None) -> int:
    """Monthly-billed plans (seat plans, monthly incident plans) before annual incident plans before none."""
    best = PRIORITY_NONE
    for c in contracts:
        if c.status != "active" or (day is not None and c.start_month > day):
            continue
        if c.plan == "support_incidents" and (c.options or {}).get("billing") == "annual":
            best = max(best, PRIORITY_ANNUAL)
        else:
            best = max(best, PRIORITY_MONTHLY)
    return best


def dedicated_required(contracts: Iterable[Contract]) -> bool:
    """True when an active contract says only the dedicated concierge may visit."""
    return any(c.status == "active" and c.dedicated_required for c in contracts)


# --------------------------------------------------------------------------------------------------
# The snapshot


@dataclass(frozen=True)
class ConciergeInfo:
    """What the screens show about a concierge."""

    code: str
    name: str
    lat: float
    lon: float
    phone: str | None = None


@dataclass(frozen=True)
class VisitInfo:
    """What the screens show about a request (by problem visit id)."""

    visit: str
    request_id: int
    client: str
    office: str
    address: str
    lat: float
    lon: float
    urgency: str
    minutes: int
    description: str
    received_at: dt.datetime
    deadline: dt.datetime | None
    category: str = "trouble"
    routine: bool = True
    skills: tuple[str, ...] = ()
    dedicated: str | None = None
    priority: int = PRIORITY_NONE
    status: str = "open"
    """Request status when read: open, planned, in_progress or done."""


@dataclass(frozen=True)
class DaySnapshot:
    """Everything read for planning `date`: the problem, labels, the versions seen, the committed plan.

    `request_versions`/`visit_versions` map row ids to the version read; `visit_rows` maps a problem visit
    id to its existing visit row on this date (id); `excluded` are requests that cannot be planned at all
    that day (with a reason) and are reported as unplanned; `committed` is the plan stored in the visit
    rows (None when nothing is planned on that date)."""

    date: dt.date
    problem: DispatchProblem
    concierges: Mapping[str, ConciergeInfo]
    visits: Mapping[str, VisitInfo]
    request_versions: Mapping[int, int]
    visit_versions: Mapping[int, int]
    visit_rows: Mapping[str, int]
    excluded: tuple[Unplanned, ...] = ()
    committed: Plan | None = None
    excluded_text: Mapping[str, str] = field(default_factory=dict)

    @property
    def fixed(self) -> frozenset[str]:
        """Visits in progress or done: they stay where they are."""
        return frozenset(v.id for v in self.problem.visits if v.status is not VisitStatus.OPEN)

    def with_pin(self, visit_id: str, concierge: str | None, start: int | None) -> DaySnapshot:
        """The snapshot with `visit_id` pinned (None, None removes the pin); nothing is written. A pinned
        visit is required: the optimizer serves it there or reports why it cannot."""
        visits = []
        found = False
        for v in self.problem.visits:
            if v.id == visit_id:
                found = True
                if v.status is not VisitStatus.OPEN:
                    raise ValidationError(f"{visit_id} is {v.status.value}; it cannot be pinned elsewhere", field="pin")
                pin = Pin(concierge, start) if (concierge is not None or start is not None) else None
                v = dataclasses.replace(v, pinned=pin, required=pin is not None)  # a pinned visit must be served
            visits.append(v)
        if not found:
            raise NotFoundError(f"{visit_id} is not in the plan of {self.date}")
        return dataclasses.replace(self, problem=dataclasses.replace(self.problem, visits=tuple(visits)))

    def with_problem(self, problem: DispatchProblem) -> DaySnapshot:
        return dataclasses.replace(self, problem=problem)


def _visit_windows(office: Office, request: VisitRequest, minutes: int, pin_start: int | None) -> tuple[Window, ...]:
    """Office hours ∩ the request's own window, as a window for the *start* (the visit ends by closing)."""
    start = _tmin(office.opens)
    end = _tmin(office.closes)
    if request.window_start is not None:
        start = max(start, _tmin(request.window_start))
    if request.window_end is not None:
        end = min(end, _tmin(request.window_end))
    latest_start = end - minutes
    if latest_start < start:
        latest_start = start  # too long for the window: start at its beginning and overrun (the explanation shows)
    if pin_start is not None and not start <= pin_start <= latest_start:
        return ()  # the dispatcher pinned it outside the window on purpose
    return (Window(start, latest_start),)


def _known_skills(skills: Iterable[str]) -> frozenset[str]:
    return frozenset(s for s in skills if s in KNOWN_SKILLS)


def _concierge(row: Concierge) -> DConcierge:
    shift_start, shift_end = _tmin(row.shift_start), _tmin(row.shift_end)
    brk = None
    if shift_start <= BREAK_EARLIEST and shift_end >= BREAK_LATEST + BREAK_MINUTES:
        brk = Break(BREAK_EARLIEST, BREAK_LATEST, BREAK_MINUTES)
    return DConcierge(
        id=row.code,
        start=Location(row.home_lat, row.home_lon),
        shift_start=shift_start,
        shift_end=shift_end,
        skills=_known_skills(row.skills or ()),
        max_visits=row.max_visits,
        break_=brk,
        profile=row.travel_profile or None,
    )


def relevant_until(day: dt.date, lookahead: int = LOOKAHEAD_BUSINESS_DAYS) -> dt.datetime:
    """Open requests with a deadline before this moment are offered for `day` (end of the lookahead day)."""
    return add_business_days(dt.datetime.combine(day, dt.time()), lookahead) + dt.timedelta(days=1)


def load_day(session: Session, day: dt.date, *, lookahead: int = LOOKAHEAD_BUSINESS_DAYS, profile: str = "tokyo_rail") -> DaySnapshot:
    """Read the problem of `day`: see the module docstring. Reads only; the caller owns the session."""
    concierge_rows = list(session.scalars(select(Concierge).where(Concierge.active.is_(True)).order_by(Concierge.code)))
    working = [c for c in concierge_rows if day.weekday() in (c.working_days or [])]
    working_ids = {c.id for c in working}
    by_id = {c.id: c for c in concierge_rows}
    visit_rows = list(
        session.scalars(
            select(Visit)
            .where(Visit.date == day, Visit.status != "cancelled")
            .options(selectinload(Visit.request).selectinload(VisitRequest.office), selectinload(Visit.concierge))
            .order_by(Visit.concierge_id, Visit.sequence, Visit.planned_start)
        )
    )
    # Visits on this date by concierges who do not work it (done before a schedule change) still count.
    for v in visit_rows:
        if v.concierge_id not in working_ids:
            working.append(v.concierge)
            working_ids.add(v.concierge_id)
    working.sort(key=lambda c: c.code)
    on_day = {v.request_id: v for v in visit_rows}
    until = relevant_until(day, lookahead)
    day_end = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
    requests = list(
        session.scalars(
            select(VisitRequest)
            .where(
                or_(
                    VisitRequest.id.in_(list(on_day)) if on_day else false(),
                    (VisitRequest.status == "open") & (VisitRequest.received_at < day_end),
                )
            )
            .options(
                selectinload(VisitRequest.office),
                selectinload(VisitRequest.client).selectinload(Client.contracts),
                selectinload(VisitRequest.client).selectinload(Client.dedicated_concierge),
            )
            .order_by(VisitRequest.id)
        )
    )
    concierges = tuple(_concierge(c) for c in working)
    infos = {c.code: ConciergeInfo(c.code, c.name, c.home_lat, c.home_lon, c.phone) for c in working}
    visits: list[DVisit] = []
    labels: dict[str, VisitInfo] = {}
    excluded: list[Unplanned] = []
    excluded_text: dict[str, str] = {}
    request_versions: dict[int, int] = {}
    for r in requests:
        row = on_day.get(r.id)
        if row is None:
            if r.pinned_start is not None and r.pinned_start.date() != day:
                continue
            if r.pinned_start is None and r.deadline is not None and r.deadline >= until and r.urgency not in ("emergency", "high"):
                continue
        key = visit_key(r.id)
        office, client = r.office, r.client
        contracts = list(client.contracts)
        dedicated_row = client.dedicated_concierge
        dedicated = dedicated_row.code if dedicated_row is not None and dedicated_row.id in working_ids else None
        required_ded = dedicated_required(contracts) and dedicated_row is not None
        priority = contract_priority(contracts, day)
        labels[key] = VisitInfo(
            visit=key, request_id=r.id, client=client.name, office=office.name, address=office.address,
            lat=office.lat, lon=office.lon, urgency=r.urgency, minutes=r.estimated_minutes,
            description=r.description or "", received_at=r.received_at, deadline=r.deadline,
            category=r.category, routine=r.routine, skills=tuple(r.required_skills or ()),
            dedicated=dedicated_row.code if dedicated_row is not None else None, priority=priority,
            status=r.status,
        )
        request_versions[r.id] = r.version
        if required_ded and dedicated is None and row is None:
            assert dedicated_row is not None
            reason = Reason(ReasonCode.NO_CONCIERGE, {"concierge": dedicated_row.code})
            excluded.append(Unplanned(key, reason))
            excluded_text[key] = f"the contract requires {dedicated_row.code} ({dedicated_row.name}), who does not work on {day:%a %d %b}"
            continue
        status = VisitStatus.OPEN
        pin: Pin | None = None
        if row is not None and row.status in ("in_progress", "done"):
            status = VisitStatus.IN_PROGRESS if row.status == "in_progress" else VisitStatus.DONE
            start_at = row.actual_start or row.planned_start
            pin = Pin(by_id[row.concierge_id].code, minutes_of(day, start_at))
        else:
            pin_c = by_id[r.pinned_concierge_id].code if r.pinned_concierge_id in by_id else None
            if pin_c is not None and pin_c not in infos:
                excluded.append(Unplanned(key, Reason(ReasonCode.NO_CONCIERGE, {"concierge": pin_c})))
                excluded_text[key] = f"pinned to {pin_c}, who does not work on {day:%a %d %b}"
                continue
            pin_s = minutes_of(day, r.pinned_start) if r.pinned_start is not None and r.pinned_start.date() == day else None
            if pin_c is not None or pin_s is not None:
                pin = Pin(pin_c, pin_s)
        minutes = r.estimated_minutes
        if status is VisitStatus.DONE and row is not None and row.actual_start and row.actual_end:
            minutes = max(1, int((row.actual_end - row.actual_start).total_seconds() // 60))
        visits.append(
            DVisit(
                id=key,
                location=Location(office.lat, office.lon),
                duration=minutes,
                windows=() if status is not VisitStatus.OPEN else _visit_windows(office, r, minutes, pin.start if pin else None),
                urgency=Urgency(r.urgency),
                deadline=minutes_of(day, r.deadline) if r.deadline is not None else None,
                requested=minutes_of(day, r.received_at),
                skills=_known_skills(r.required_skills or ()),
                dedicated=dedicated if status is VisitStatus.OPEN else None,
                dedicated_required=required_ded and dedicated is not None and status is VisitStatus.OPEN,
                priority=priority,
                pinned=pin,
                required=pin is not None and status is VisitStatus.OPEN,  # the dispatcher's pin: served there or reported
                status=status,
            )
        )
    off = tuple(_concierge(c) for c in concierge_rows if c.id not in working_ids)  # named in reasons (a skill only they have)
    problem = DispatchProblem(
        concierges=concierges, visits=tuple(visits), profile=profile, date=day.isoformat(), meta={"time_format": "hhmm"}, off=off
    )
    problem = with_travel(problem)
    visit_keys = {visit_key(v.request_id): v.id for v in visit_rows}
    return DaySnapshot(
        date=day,
        problem=problem,
        concierges=infos,
        visits=labels,
        request_versions=request_versions,
        visit_versions={v.id: v.version for v in visit_rows},
        visit_rows=visit_keys,
        excluded=tuple(excluded),
        committed=_committed_plan(day, visit_rows, by_id) if visit_rows else None,
        excluded_text=excluded_text,
    )


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


def _committed_plan(day: dt.date, rows: Sequence[Visit], concierges: Mapping[int, Concierge]) -> Plan:
    """The plan stored in the visit rows of a date (arrival = planned start; no break stored)."""
    routes: dict[str, list[Stop]] = {}
    for v in sorted(rows, key=lambda v: (concierges[v.concierge_id].code, v.planned_start, v.sequence)):
        fixed = v.status in ("in_progress", "done")
        begin = (v.actual_start or v.planned_start) if fixed else v.planned_start
        finish = (v.actual_end or v.planned_end) if v.status == "done" else v.planned_end
        if fixed and v.actual_start is not None and v.status == "in_progress":
            finish = v.actual_start + (v.planned_end - v.planned_start)
        start = int((begin - dt.datetime.combine(day, dt.time())).total_seconds())
        end = int((finish - dt.datetime.combine(day, dt.time())).total_seconds())
        stop = Stop(visit_key(v.request_id), start, start, end, v.travel_seconds, v.travel_meters)
        routes.setdefault(concierges[v.concierge_id].code, []).append(stop)
    out = []
    for code, stops in routes.items():
        out.append(Route(code, tuple(stops), stops[0].start - stops[0].travel_seconds, stops[-1].end, 0, 0))
    return Plan(PlanStatus.FEASIBLE, tuple(out), (), {"total": 0}, 0.0)


# --------------------------------------------------------------------------------------------------
# Reading a plan


def all_unplanned(snapshot: DaySnapshot, plan: Plan) -> tuple[Unplanned, ...]:
    """The plan's unplanned visits plus the requests the snapshot could not offer at all."""
    return tuple(plan.unplanned) + tuple(snapshot.excluded)


def plan_with_excluded(snapshot: DaySnapshot, plan: Plan) -> Plan:
    """The plan with the requests the snapshot could not offer listed as unplanned too."""
    known = {u.visit for u in plan.unplanned}
    extra = tuple(u for u in snapshot.excluded if u.visit not in known)
    return dataclasses.replace(plan, unplanned=tuple(plan.unplanned) + extra) if extra else plan


def unplanned_texts(snapshot: DaySnapshot, plan: Plan) -> dict[str, str]:
    """visit id → the reason in words."""
    from dispatch.explain import reason_text

    out = {u.visit: reason_text(u.reason, snapshot.problem) for u in plan.unplanned}
    out.update(snapshot.excluded_text)
    return out


# --------------------------------------------------------------------------------------------------
# Manual moves


@dataclass(frozen=True)
class Retimed:
    """A plan after a hand move, with warnings (window missed, shift overrun) for the dispatcher."""

    plan: Plan
    warnings: tuple[str, ...]


Leg = Callable[[DConcierge, Location, Location], tuple[int, int]]


def route_times(problem: DispatchProblem, concierge: str, visit_ids: Sequence[str], leg: Leg | None = None) -> tuple[Route, list[str]]:
    """Walk a concierge's stops in the given order: earliest times, the lunch break in the first gap that
    fits, and warnings for missed windows or an overrun shift. Fixed visits keep their start."""
    if leg is None:
        from dispatch.check import problem_legs

        leg = problem_legs(problem)
    c = problem.concierges[problem.concierge_index(concierge)]
    by_id = {v.id: v for v in problem.visits}
    warnings: list[str] = []
    t = c.shift_start * 60
    here = c.start
    stops: list[Stop] = []
    brk = c.break_
    break_at: int | None = None
    for vid in visit_ids:
        v = by_id[vid]
        secs, meters = leg(c, here, v.location)
        arrival = t + secs
        earliest = v.pinned.start * 60 if v.pinned is not None and v.pinned.start is not None else None
        if earliest is None and v.windows:
            earliest = v.windows[0].start * 60
        start = max(arrival, earliest or 0)
        if brk is not None and break_at is None and start > brk.earliest * 60:
            bs = max(t, brk.earliest * 60)
            if bs <= brk.latest * 60:
                break_at = bs
                arrival = max(arrival, bs + brk.minutes * 60 + secs)
                start = max(arrival, earliest or 0)
        if v.windows and v.status is VisitStatus.OPEN and not any(w.start * 60 <= start <= w.end * 60 for w in v.windows):
            warnings.append(f"{vid} starts at {_hhmm(start)}, outside its window {_hhmm(v.windows[0].start * 60)}–{_hhmm(v.windows[0].end * 60)}")
        end = start + v.duration * 60
        stops.append(Stop(vid, arrival, start, end, secs, meters))
        t, here = end, v.location
    if brk is not None and break_at is None and stops and t <= brk.latest * 60:
        break_at = max(t, brk.earliest * 60)
    back, back_m = leg(c, here, c.end_location) if stops else (0, 0)
    end_t = max(t + back, (break_at + brk.minutes * 60) if (brk and break_at is not None) else 0)
    if end_t > c.shift_end * 60 and stops:
        warnings.append(f"{concierge} is back at {_hhmm(end_t)}, after the shift ends at {_hhmm(c.shift_end * 60)}")
    if c.max_visits is not None and len(stops) > c.max_visits:
        warnings.append(f"{concierge} has {len(stops)} visits, more than the {c.max_visits} allowed")
    depart = stops[0].arrival - stops[0].travel_seconds if stops else c.shift_start * 60
    route = Route(concierge, tuple(stops), depart, end_t if stops else depart, back, back_m,
                  break_at, (break_at + brk.minutes * 60) if (brk and break_at is not None) else None)
    return route, warnings


def _hhmm(seconds: int) -> str:
    m = seconds // 60
    return f"{m // 60:02d}:{m % 60:02d}"


def move_visit(snapshot: DaySnapshot, plan: Plan, visit_id: str, concierge: str, position: int | None = None, *, leg: Leg | None = None) -> Retimed:
    """Move `visit_id` by hand to `concierge` at `position` (None: where it fits best in time), recompute
    both routes' times. Fixed visits cannot move. Nothing is written."""
    problem = snapshot.problem
    if visit_id in snapshot.fixed:
        raise ValidationError(f"{visit_id} is already in progress or done; it stays where it is", field="visit")
    problem.concierge_index(concierge)  # raises for an unknown concierge
    by_route = {r.concierge: [s.visit for s in r.stops] for r in plan.routes}
    old_c = next((c for c, ids in by_route.items() if visit_id in ids), None)
    if old_c is not None:
        by_route[old_c].remove(visit_id)
    target = by_route.setdefault(concierge, [])
    if position is None:
        position = _best_position(plan, problem, target, visit_id)
    position = max(0, min(position, len(target)))
    # never before a fixed stop
    while position < len(target) and target[position] in snapshot.fixed:
        position += 1
    target.insert(position, visit_id)
    warnings: list[str] = []
    routes = []
    for r in plan.routes:
        if r.concierge in (concierge, old_c):
            nr, w = route_times(problem, r.concierge, by_route[r.concierge], leg)
            routes.append(nr)
            warnings += w
        else:
            routes.append(r)
    if concierge not in {r.concierge for r in plan.routes}:
        nr, w = route_times(problem, concierge, by_route[concierge], leg)
        routes.append(nr)
        warnings += w
    unplanned = tuple(u for u in plan.unplanned if u.visit != visit_id)
    return Retimed(dataclasses.replace(plan, routes=tuple(routes), unplanned=unplanned, status=PlanStatus.FEASIBLE), tuple(warnings))


def _best_position(plan: Plan, problem: DispatchProblem, ids: Sequence[str], visit_id: str) -> int:
    """Insert by time: before the first stop whose window starts later than the visit's."""
    v = problem.visit(visit_id)
    want = v.pinned.start if v.pinned is not None and v.pinned.start is not None else (v.windows[0].start if v.windows else 0)
    starts = {s.visit: s.start for r in plan.routes for s in r.stops}
    for k, vid in enumerate(ids):
        if starts.get(vid, 0) > want * 60:
            return k
    return len(ids)


def unplan_visit(snapshot: DaySnapshot, plan: Plan, visit_id: str, *, leg: Leg | None = None) -> Plan:
    """Take a visit out of the proposal by hand (its route re-timed); it is listed as unplanned."""
    if visit_id in snapshot.fixed:
        raise ValidationError(f"{visit_id} is already in progress or done; it stays where it is", field="visit")
    routes = []
    for r in plan.routes:
        ids = [s.visit for s in r.stops]
        if visit_id in ids:
            ids.remove(visit_id)
            r, _ = route_times(snapshot.problem, r.concierge, ids, leg)
        routes.append(r)
    reason = Reason(ReasonCode.PINNED_CONFLICT, {"concierge": None, "by_hand": True})
    return dataclasses.replace(plan, routes=tuple(routes), unplanned=(*plan.unplanned, Unplanned(visit_id, reason)))


# --------------------------------------------------------------------------------------------------
# Re-planning


def replan_from_now(
    snapshot: DaySnapshot,
    now: dt.datetime,
    *,
    params: Any = None,
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[Any], None] | None = None,
) -> Any:
    """Re-plan the rest of `snapshot.date` at `now` around the committed plan: in-progress and done
    visits stay, each concierge continues from where they are, new visits are inserted with little
    disruption. Returns `dispatch.replan.Replan` (plan, moves, changed routes, inserted visits)."""
    from dispatch.replan import REPLAN_PARAMS, replan

    committed = snapshot.committed or Plan(PlanStatus.FEASIBLE, (), (), {"total": 0}, 0.0)
    minute = max(0, minutes_of(snapshot.date, now))
    return replan(snapshot.problem, committed, minute, params=params or REPLAN_PARAMS, should_stop=should_stop, on_progress=on_progress)


# --------------------------------------------------------------------------------------------------
# Committing


@dataclass(frozen=True)
class CommitResult:
    """What a commit wrote."""

    created: int
    updated: int
    removed: int
    planned_requests: tuple[int, ...]


def _conflict(what: str) -> ConflictError:
    return ConflictError(f"{what} was changed by someone else since this plan was made; reload the day and plan again")


def commit_plan(session: Session, snapshot: DaySnapshot, plan: Plan) -> CommitResult:
    """Write `plan` for `snapshot.date` in the caller's transaction. Every request and visit row the
    snapshot read and the plan touches is checked against the version seen (and its UPDATE is guarded by
    the version, so a concurrent commit fails too): a change by someone else raises ConflictError and
    nothing is written. Pins set in the snapshot are saved on their requests."""
    day = snapshot.date
    check_month_open(session, day, f"the plan for {day.isoformat()}")
    problem_visits = {v.id: v for v in snapshot.problem.visits}
    request_ids = [request_id_of(vid) for vid in problem_visits]
    rows = {r.id: r for r in session.scalars(select(VisitRequest).where(VisitRequest.id.in_(request_ids)))} if request_ids else {}
    for rid in request_ids:
        row = rows.get(rid)
        if row is None or row.version != snapshot.request_versions.get(rid):
            raise _conflict(f"request {visit_key(rid)}")
    visits_now = {v.id: v for v in session.scalars(select(Visit).where(Visit.date == day, Visit.status != "cancelled"))}
    if set(visits_now) != set(snapshot.visit_versions):
        raise _conflict(f"the plan of {day.isoformat()}")
    for vid, v in visits_now.items():
        if v.version != snapshot.visit_versions[vid]:
            raise _conflict(f"visit {vid} ({visit_key(v.request_id)})")
    by_request = {v.request_id: v for v in visits_now.values()}
    concierge_ids = {code: cid for code, cid in session.execute(select(Concierge.code, Concierge.id))}
    planned: dict[str, tuple[str, int, Stop]] = {}
    for r in plan.routes:
        for seq, s in enumerate(r.stops):
            planned[s.visit] = (r.concierge, seq, s)
    created = updated = removed = 0
    for key, pv in problem_visits.items():
        rid = request_id_of(key)
        req = rows[rid]
        existing = by_request.get(rid)
        if pv.status is not VisitStatus.OPEN:
            continue  # in progress / done: untouched
        pin = pv.pinned
        req.pinned_concierge_id = concierge_ids.get(pin.concierge) if pin is not None and pin.concierge else None
        req.pinned_start = clock_of(day, pin.start * 60) if pin is not None and pin.start is not None else None
        if key in planned:
            code, seq, stop = planned[key]
            if code not in concierge_ids:
                raise NotFoundError(f"concierge {code!r} does not exist")
            target = existing or Visit(request_id=rid, date=day)
            target.concierge_id = concierge_ids[code]
            target.sequence = seq
            start = -(-stop.start // 60) * 60  # whole minutes: calendars and people read minutes
            target.planned_start = clock_of(day, start)
            target.planned_end = clock_of(day, start + stop.end - stop.start)
            target.travel_seconds = stop.travel_seconds
            target.travel_meters = stop.travel_meters
            target.status = "planned"
            if existing is None:
                session.add(target)
                created += 1
            else:
                flag_modified(target, "status")  # bump the version even when nothing moved
                updated += 1
            req.status = "planned"
        else:
            if existing is not None:
                session.delete(existing)
                removed += 1
            req.status = "open"
        flag_modified(req, "status")  # every touched request's version is bumped (guards concurrent commits)
    session.flush()
    return CommitResult(created, updated, removed, tuple(request_id_of(k) for k in planned if problem_visits[k].status is VisitStatus.OPEN))


# --------------------------------------------------------------------------------------------------
# Request intake


@dataclass(frozen=True)
class ClientChoice:
    """A client found by the intake search, with what the form shows next to it."""

    id: int
    code: str
    name: str
    offices: tuple[tuple[int, str, str], ...]
    """(office id, name, address)."""
    dedicated: str | None
    """Dedicated concierge as "CODE name"."""
    dedicated_required: bool
    priority: int
    plan: str | None

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS[self.priority]


def search_clients(session: Session, text: str, *, limit: int = 10, client_id: int | None = None) -> list[ClientChoice]:
    """Active clients whose name, kana or code contains `text` (case-insensitive), by name; `client_id`
    makes sure that client is in the list (the form opened for one client)."""
    query = (
        select(Client)
        .where(Client.active.is_(True))
        .options(selectinload(Client.offices), selectinload(Client.contracts), selectinload(Client.dedicated_concierge))
        .order_by(Client.name)
        .limit(limit)
    )
    if text.strip():
        query = query.where(matches_all(Client.search_key, text))
    elif client_id is not None:
        query = query.order_by(None).order_by(Client.id != client_id, Client.name)
    out = []
    for c in session.scalars(query):
        ded = c.dedicated_concierge
        active = [k for k in c.contracts if k.status == "active"]
        out.append(
            ClientChoice(
                id=c.id, code=c.code, name=c.name,
                offices=tuple((o.id, o.name, o.address) for o in c.offices),
                dedicated=f"{ded.code} {ded.name}" if ded is not None else None,
                dedicated_required=dedicated_required(active),
                priority=contract_priority(active),
                plan=active[0].plan if active else None,
            )
        )
    return out


@dataclass(frozen=True)
class RequestForm:
    """The intake form's values. `deadline` None takes the default for the urgency."""

    client_id: int
    office_id: int
    category: str = "trouble"
    routine: bool = True
    urgency: str = "normal"
    deadline: dt.datetime | None = None
    minutes: int = 60
    skills: tuple[str, ...] = ()
    description: str = ""
    window_start: dt.time | None = None
    window_end: dt.time | None = None


def save_request(session: Session, form: RequestForm, now: dt.datetime) -> VisitRequest:
    """Validate and add a visit request (the caller's transaction); the deadline defaults by urgency."""
    client = session.get(Client, form.client_id)
    if client is None:
        raise ValidationError("client: pick a client from the list", field="client")
    office = session.get(Office, form.office_id)
    if office is None or office.client_id != client.id:
        raise ValidationError(f"office: pick one of {client.name}'s offices", field="office")
    if form.category not in CATEGORIES:
        raise ValidationError(f"category: {form.category!r} is not one of {', '.join(CATEGORIES)}", field="category")
    if form.urgency not in URGENCIES:
        raise ValidationError(f"urgency: {form.urgency!r} is not one of {', '.join(URGENCIES)}", field="urgency")
    if not 5 <= form.minutes <= 8 * 60:
        raise ValidationError(f"minutes: must be between 5 and 480, got {form.minutes}", field="minutes")
    unknown = sorted(set(form.skills) - KNOWN_SKILLS)
    if unknown:
        raise ValidationError(f"skills: unknown skill {shown(unknown[0])}", field="skills")
    if not form.description.strip():
        raise ValidationError("description: say what the client needs", field="description")
    text({"description": form.description}, "description", max_len=4000, multiline=True)  # length, control characters
    if (form.window_start is None) != (form.window_end is None) or (
        form.window_start is not None and form.window_end is not None and form.window_end <= form.window_start
    ):
        raise ValidationError("window: give both a start and a later end, or neither", field="window")
    deadline = form.deadline or default_deadline(form.urgency, now, closes=office.closes)
    if deadline < now - dt.timedelta(minutes=1):
        raise ValidationError("deadline: is in the past", field="deadline")
    request = VisitRequest(
        client_id=client.id, office_id=office.id, received_at=now, category=form.category, routine=form.routine,
        urgency=form.urgency, deadline=deadline, estimated_minutes=form.minutes, required_skills=list(form.skills),
        description=form.description.strip(), window_start=form.window_start, window_end=form.window_end, status="open",
    )
    session.add(request)
    session.flush()
    return request


def is_planned_day(session: Session, day: dt.date) -> bool:
    """True when visit rows exist on `day` (an emergency then offers "re-plan from now")."""
    return session.scalars(select(Visit.id).where(Visit.date == day, Visit.status != "cancelled").limit(1)).first() is not None


# --------------------------------------------------------------------------------------------------
# The board's request list

#: The response aim: a visit should start within 24 hours of the request.
RESPONSE_AIM = dt.timedelta(hours=24)
URGENCY_ORDER = {u: k for k, u in enumerate(URGENCIES)}


@dataclass(frozen=True)
class RequestRow:
    """One line of the board's request list."""

    visit: str
    request_id: int
    client: str
    office: str
    urgency: str
    minutes: int
    received_at: dt.datetime
    deadline: dt.datetime | None
    description: str
    status: str
    planned: str | None
    """"K01 Thu 10:40" when a visit is planned, else None."""
    aim_left: dt.timedelta
    """Time left before the 24 h response aim (negative: overdue)."""
    routine: bool = True

    @property
    def overdue(self) -> bool:
        return self.aim_left < dt.timedelta(0)


def open_requests(session: Session, now: dt.datetime, *, limit: int = 500) -> list[RequestRow]:
    """Requests received by `now` and not yet served (open, planned, in progress), most urgent first, then by deadline."""
    rows = session.scalars(
        select(VisitRequest)
        .where(VisitRequest.status.in_(("open", "planned", "in_progress")), VisitRequest.received_at <= now)
        .options(selectinload(VisitRequest.client), selectinload(VisitRequest.office),
                 selectinload(VisitRequest.visits).selectinload(Visit.concierge))
        .limit(limit)
    )
    out = []
    for r in rows:
        live = [v for v in r.visits if v.status in ("planned", "in_progress")]
        planned = f"{live[-1].concierge.code} {live[-1].planned_start:%a %H:%M}" if live else None
        out.append(RequestRow(
            visit=visit_key(r.id), request_id=r.id, client=r.client.name, office=r.office.name, urgency=r.urgency,
            minutes=r.estimated_minutes, received_at=r.received_at, deadline=r.deadline, description=r.description or "",
            status=r.status, planned=planned, aim_left=r.received_at + RESPONSE_AIM - now, routine=r.routine,
        ))
    far = dt.datetime.max
    out.sort(key=lambda x: (URGENCY_ORDER.get(x.urgency, 9), x.deadline or far, x.request_id))
    return out
