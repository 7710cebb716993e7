"""A concierge's day: the stops in order, the work slip (作業伝票), and exports (iCalendar, JSON, text).

`concierge_day(session, "K01", date)` reads the committed visits of one concierge and date into plain
frozen values the screens and commands use (no ORM rows leave this module). What happens on site
(arrived, undo, the work slip) and its rules live in data.work_slip (re-exported here). Times in the
database are naive local times of the business (data.clock: Asia/Tokyo by default).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from data.clock import localize
from data.errors import NotFoundError
from data.fields import shown
from data.models import Client, Concierge, Office, PlanRoute, Seat, Visit, VisitRequest
from data.work_slip import MINOR_TASK_MINUTES as MINOR_TASK_MINUTES  # re-exported: the on-site rules live there
from data.work_slip import mark_arrived as mark_arrived
from data.work_slip import mark_done as mark_done
from data.work_slip import undo_arrived as undo_arrived

ROUTE_SCHEMA = "concierge-route/1"
ICS_PRODID = "-//Concierge Desk//Route export//EN"


@dataclass(frozen=True)
class RouteStop:
    """One stop of a concierge's day. `arrival` is the planned start (when they are expected)."""

    visit_id: int
    version: int
    request_id: int
    sequence: int
    arrival: dt.datetime
    end: dt.datetime
    client: str
    office: str
    address: str
    lat: float
    lon: float
    contact: str
    """Contact person and phone, as one line ("" when unknown)."""
    request: str
    urgency: str
    category: str
    routine: bool
    seats: str
    """The office's seats in one line: "12 PCs (10 Windows, 2 macOS), 1 server, 1 printer"."""
    travel_seconds: int
    travel_meters: int
    status: str
    actual_start: dt.datetime | None = None
    actual_end: dt.datetime | None = None
    work_slip: str | None = None
    estimated_minutes: int = 60

    @property
    def minor(self) -> bool:
        """A short routine task: the work slip may be skipped."""
        return self.routine and self.estimated_minutes <= MINOR_TASK_MINUTES

    @property
    def travel_minutes(self) -> int:
        return round(self.travel_seconds / 60)


@dataclass(frozen=True)
class DayRoute:
    """One concierge's stops on one date, in order."""

    concierge: str
    name: str
    date: dt.date
    home_address: str
    home_lat: float
    home_lon: float
    stops: tuple[RouteStop, ...]
    phone: str | None = None
    break_start: dt.datetime | None = None
    """The break the committed plan gives them (None: no break stored for the day)."""
    break_end: dt.datetime | None = None

    @property
    def travel_seconds(self) -> int:
        return sum(s.travel_seconds for s in self.stops)


_KIND_WORDS = {"pc": ("PC", "PCs"), "server": ("server", "servers"), "printer": ("printer", "printers"),
               "network": ("network device", "network devices"), "smartphone": ("smartphone", "smartphones"),
               "other": ("other device", "other devices")}
_OS_WORDS = {"windows": "Windows", "macos": "macOS", "linux": "Linux", "other": "other OS"}


def seats_summary(seats: Iterable[Seat]) -> str:
    """The office's seats in one line, PCs split by OS."""
    totals: dict[str, int] = {}
    by_os: dict[str, dict[str, int]] = {}
    for s in seats:
        totals[s.kind] = totals.get(s.kind, 0) + s.count
        if s.os != "none":
            by_os.setdefault(s.kind, {})[s.os] = by_os.setdefault(s.kind, {}).get(s.os, 0) + s.count
    parts = []
    for kind in ("pc", "server", "printer", "network", "smartphone", "other"):
        n = totals.get(kind)
        if not n:
            continue
        one, many = _KIND_WORDS[kind]
        text = f"{n} {one if n == 1 else many}"
        oses = by_os.get(kind, {})
        if kind == "pc" and len(oses) > 1:
            text += " (" + ", ".join(f"{c} {_OS_WORDS.get(o, o)}" for o, c in sorted(oses.items(), key=lambda x: -x[1])) + ")"
        parts.append(text)
    return ", ".join(parts) or "no seats recorded"


def find_concierge(session: Session, who: str) -> Concierge:
    """A concierge by code (K01; the exact code first, else the one code equal to it ignoring case) or exact name."""
    row = session.scalars(select(Concierge).where(Concierge.code == who)).first()
    if row is None:
        alike = session.scalars(select(Concierge).where(func.lower(Concierge.code) == who.lower()).limit(2)).all()
        row = alike[0] if len(alike) == 1 else None
    if row is None:
        row = session.scalars(select(Concierge).where(Concierge.name == who)).first()
    if row is None:
        raise NotFoundError(f"concierge {shown(who)} not found (give a code such as K01 or the full name)")
    return row


def concierge_day(session: Session, who: str, day: dt.date) -> DayRoute:
    """The committed stops of concierge `who` (code or name) on `day`, in order (cancelled ones left out)."""
    c = find_concierge(session, who)
    rows = session.scalars(
        select(Visit)
        .where(Visit.concierge_id == c.id, Visit.date == day, Visit.status != "cancelled")
        .options(
            selectinload(Visit.request).selectinload(VisitRequest.office).selectinload(Office.seats),
            selectinload(Visit.request).selectinload(VisitRequest.client),
        )
        .order_by(Visit.planned_start, Visit.sequence)
    )
    stops = tuple(_stop(v) for v in rows)
    plan = session.scalars(select(PlanRoute).where(PlanRoute.concierge_id == c.id, PlanRoute.date == day)).first()
    brk = (plan.break_start, plan.break_end) if plan is not None and stops else (None, None)
    return DayRoute(c.code, c.name, day, c.home_address, c.home_lat, c.home_lon, stops, c.phone, *brk)


def _contact(client: Client) -> str:
    return " ".join(x for x in (client.contact_person, client.phone) if x)


def _stop(v: Visit) -> RouteStop:
    r = v.request
    return RouteStop(
        visit_id=v.id, version=v.version, request_id=r.id, sequence=v.sequence, arrival=v.planned_start, end=v.planned_end,
        client=r.client.name, office=r.office.name, address=r.office.address, lat=r.office.lat, lon=r.office.lon,
        contact=_contact(r.client), request=r.description or "", urgency=r.urgency, category=r.category, routine=r.routine,
        seats=seats_summary(r.office.seats), travel_seconds=v.travel_seconds, travel_meters=v.travel_meters, status=v.status,
        actual_start=v.actual_start, actual_end=v.actual_end, work_slip=v.work_slip, estimated_minutes=r.estimated_minutes,
    )


# --------------------------------------------------------------------------------------------------
# Exports


def _hhmm(t: dt.datetime | None) -> str:
    return t.strftime("%H:%M") if t is not None else ""


def route_json(route: DayRoute) -> dict[str, Any]:
    """The day as a `concierge-route/1` document (local times ISO 8601 with offset)."""

    def iso(t: dt.datetime | None) -> str | None:
        return localize(t).isoformat() if t is not None else None

    return {
        "schema": ROUTE_SCHEMA,
        "concierge": route.concierge,
        "name": route.name,
        "date": route.date.isoformat(),
        "home": {"address": route.home_address, "lat": route.home_lat, "lon": route.home_lon},
        "travel_seconds": route.travel_seconds,
        "break": {"start": iso(route.break_start), "end": iso(route.break_end)} if route.break_start is not None else None,
        "stops": [
            {
                "visit": s.visit_id,
                "request": f"R{s.request_id}",
                "arrival": iso(s.arrival),
                "end": iso(s.end),
                "client": s.client,
                "office": s.office,
                "address": s.address,
                "lat": s.lat,
                "lon": s.lon,
                "contact": s.contact,
                "request_text": s.request,
                "urgency": s.urgency,
                "seats": s.seats,
                "travel_seconds": s.travel_seconds,
                "travel_meters": s.travel_meters,
                "status": s.status,
                "actual_start": iso(s.actual_start),
                "actual_end": iso(s.actual_end),
                "work_slip": s.work_slip,
            }
            for s in route.stops
        ],
    }


def route_text(route: DayRoute) -> str:
    """A plain print of the day."""
    lines = [f"{route.concierge} {route.name} — {route.date:%Y-%m-%d (%a)}: {len(route.stops)} stops, "
             f"travel {route.travel_seconds // 60} min"]
    if not route.stops:
        lines.append("  no visits planned")
    brk = route.break_start
    for k, s in enumerate(route.stops, 1):
        if brk is not None and route.break_end is not None and brk <= s.arrival:
            lines.append(f"   break {_hhmm(brk)}–{_hhmm(route.break_end)}")
            brk = None
        state = {"in_progress": " [on site]", "done": " [done]"}.get(s.status, "")
        lines.append(f"{k}. {_hhmm(s.arrival)}–{_hhmm(s.end)}  {s.client} {s.office}{state}  ({s.urgency}, travel {s.travel_minutes} min)")
        lines.append(f"   {s.address}")
        if s.contact:
            lines.append(f"   contact: {s.contact}")
        lines.append(f"   request: {s.request}")
        lines.append(f"   seats: {s.seats}")
    if brk is not None and route.break_end is not None:
        lines.append(f"   break {_hhmm(brk)}–{_hhmm(route.break_end)}")
    return "\n".join(lines) + "\n"


def route_ics(route: DayRoute) -> bytes:
    """The day as an iCalendar file: one VEVENT per stop with LOCATION (the address) and GEO."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", ICS_PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{route.name} {route.date.isoformat()}")
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for s in route.stops:
        ev = Event()
        ev.add("uid", f"visit-{s.visit_id}-{route.date.isoformat()}@concierge-desk")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", localize(s.arrival))
        ev.add("dtend", localize(s.end))
        ev.add("summary", f"{s.client} {s.office}: {s.request}".strip())
        ev.add("location", s.address)
        ev.add("geo", (s.lat, s.lon))
        details = [f"Request R{s.request_id} ({s.urgency}, {s.category}{'' if s.routine else ', non-routine: billed separately'})",
                   s.request, f"Contact: {s.contact}" if s.contact else "", f"Seats: {s.seats}",
                   f"Travel from previous stop: {s.travel_minutes} min"]
        ev.add("description", "\n".join(d for d in details if d))
        cal.add_component(ev)
    if route.break_start is not None and route.break_end is not None:
        ev = Event()
        ev.add("uid", f"break-{route.concierge}-{route.date.isoformat()}@concierge-desk")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", localize(route.break_start))
        ev.add("dtend", localize(route.break_end))
        ev.add("summary", "Break")
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()  # a VTIMEZONE for the business zone, so every calendar app reads the times
    ics: bytes = cal.to_ical()
    return ics


def concierge_codes(session: Session) -> list[tuple[str, str]]:
    """Active concierges as (code, name), by code: the day screen's concierge switch."""
    return [(c.code, c.name) for c in session.scalars(select(Concierge).where(Concierge.active.is_(True)).order_by(Concierge.code))]
