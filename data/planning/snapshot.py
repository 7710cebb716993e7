"""The day as the optimizer sees it: `load_day(session, date)` reads everything a plan of `date` needs.

A `DaySnapshot` holds the `DispatchProblem` (concierges working that day from their home base, shifts,
skills, max visits, a 60-minute lunch break somewhere in 11:30–14:00; open requests due by the end of the
next business day, plus everything already planned on that date; visits in progress or done fixed where
they are), display labels for the screens, the versions of every row it read (a commit checks them), and
the committed plan of that date with its breaks (data.planning.committed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session, selectinload

from data.errors import NotFoundError, ValidationError
from data.models import Client, Concierge, Office, PlanRoute, Visit, VisitRequest
from data.planning.committed import committed_plan
from data.planning.deadlines import LOOKAHEAD_BUSINESS_DAYS, relevant_until
from data.planning.priority import PRIORITY_NONE, contract_priority, dedicated_required
from data.planning.travel import with_travel
from data.planning.units import minutes_of, tmin, visit_key
from dispatch.plan import Plan, Reason, ReasonCode, Unplanned
from dispatch.problem import KNOWN_SKILLS, Break, DispatchProblem, Location, Pin, Urgency, VisitStatus, Window
from dispatch.problem import Concierge as DConcierge
from dispatch.problem import Visit as DVisit

#: Lunch: 60 minutes starting between 11:30 and 13:00 (so it ends by 14:00).
BREAK_EARLIEST = 11 * 60 + 30
BREAK_LATEST = 13 * 60
BREAK_MINUTES = 60



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
    start = tmin(office.opens)
    end = tmin(office.closes)
    if request.window_start is not None:
        start = max(start, tmin(request.window_start))
    if request.window_end is not None:
        end = min(end, tmin(request.window_end))
    latest_start = end - minutes
    if latest_start < start:
        latest_start = start  # too long for the window: start at its beginning and overrun (the explanation shows)
    if pin_start is not None and not start <= pin_start <= latest_start:
        return ()  # the dispatcher pinned it outside the window on purpose
    return (Window(start, latest_start),)


def _known_skills(skills: Iterable[str]) -> frozenset[str]:
    return frozenset(s for s in skills if s in KNOWN_SKILLS)


def _concierge(row: Concierge) -> DConcierge:
    shift_start, shift_end = tmin(row.shift_start), tmin(row.shift_end)
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


def load_day(
    session: Session, day: dt.date, *, now: dt.datetime | None = None, lookahead: int = LOOKAHEAD_BUSINESS_DAYS, profile: str = "tokyo_rail"
) -> DaySnapshot:
    """Read the problem of `day`: see the module docstring. Reads only; the caller owns the session.
    `now` (the business clock): open requests received after it are not in yet and are left out, as the
    request list leaves them out."""
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
    route_rows = list(session.scalars(select(PlanRoute).where(PlanRoute.date == day)))
    # Visits on this date by concierges who do not work it (done before a schedule change) still count.
    for v in visit_rows:
        if v.concierge_id not in working_ids:
            working.append(v.concierge)
            working_ids.add(v.concierge_id)
    working.sort(key=lambda c: c.code)
    on_day = {v.request_id: v for v in visit_rows}
    until = relevant_until(day, lookahead)
    day_end = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
    received_by = VisitRequest.received_at < day_end
    if now is not None:
        received_by &= VisitRequest.received_at <= now
    requests = list(
        session.scalars(
            select(VisitRequest)
            .where(
                or_(
                    VisitRequest.id.in_(list(on_day)) if on_day else false(),
                    (VisitRequest.status == "open") & received_by,
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
        committed=committed_plan(day, visit_rows, route_rows, by_id),
        excluded_text=excluded_text,
    )

