"""Slot offers at intake, from the database: the best few (concierge, start) slots for a request being
taken or already open on a date, each with what it costs (see `dispatch.offers`).

- `offers_for_draft(session, form, day, now)`: the intake form's request before it is saved;
  `offers_for_request(session, request_id, day, now)`: an open request (`concierge offer --request R`).
  Both read the day with `data.planning.snapshot.load_day` and offer on its committed plan, or on a proposal the
  caller passes (the board's); a plain `OfferList` comes back, names and times in the business's clock.
- `save_with_offer(session, form, now, chosen)`: intake saves the request pinned to the chosen slot, in
  one transaction (the pin the board's `i` would set, saved as a commit saves pins); the next plan honours it.
- `offer_into_proposal(...)`: the board puts a chosen slot into its proposal at once (insertion on its
  plan, no search), keeping the pins it held.

A request already planned, in progress or done gets no offers (the board moves planned visits with `m`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import NotFoundError, ValidationError
from data.models import Client, Concierge, Office, Visit, VisitRequest
from data.planning.deadlines import default_deadline
from data.planning.form import RequestForm
from data.planning.intake import save_request
from data.planning.priority import contract_priority, dedicated_required
from data.planning.snapshot import DaySnapshot, load_day
from data.planning.units import clock_of, minutes_of, visit_key
from dispatch.explain import reason_text
from dispatch.offers import Offer, Offers, offer_slots, place
from dispatch.plan import Plan
from dispatch.problem import KNOWN_SKILLS, Location, Urgency, VisitStatus, Window
from dispatch.problem import Visit as DVisit
from dispatch.replan import Replan

#: The problem's visit id of a request that is still being typed.
DRAFT_KEY = "new"
DEFAULT_COUNT = 3
MAX_COUNT = 10


@dataclass(frozen=True)
class ChosenOffer:
    """The slot a dispatcher chose: the request is pinned to `concierge` at `minute` (from midnight) of `day`."""

    day: dt.date
    concierge: str
    minute: int

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time()) + dt.timedelta(minutes=self.minute)


@dataclass(frozen=True)
class OfferedVisit:
    """A planned visit an offer touches: it starts later (`new_start`), goes to another concierge
    (`to_concierge`), or drops out of the plan (`to_concierge` None)."""

    visit: str
    label: str
    """Client and office."""
    urgency: str
    from_concierge: str
    to_concierge: str | None
    old_start: dt.datetime
    new_start: dt.datetime | None

    @property
    def minutes(self) -> int:
        """How many minutes later it starts (0 when dropped)."""
        return 0 if self.new_start is None else round((self.new_start - self.old_start).total_seconds() / 60)


@dataclass(frozen=True)
class RouteStop:
    """One stop of the concierge's route with the offer in it."""

    visit: str
    label: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class SlotOffer:
    """One slot in the dispatcher's terms (see `dispatch.offers.Offer`)."""

    rank: int
    concierge: str
    name: str
    start: dt.datetime
    end: dt.datetime
    extra_travel_minutes: int
    extra_travel_meters: int
    moves: tuple[OfferedVisit, ...]
    drops: tuple[OfferedVisit, ...]
    dedicated: bool | None
    """True: the client's dedicated concierge; False: someone else; None: no dedicated concierge that day."""
    deadline_margin_minutes: int | None
    """Minutes to spare before the deadline (negative: that late); None without a deadline."""
    cost: int
    route: tuple[RouteStop, ...]
    chosen: ChosenOffer
    offer: Offer
    """The dispatch result (the whole day with the visit placed), for the board."""

    @property
    def deadline_met(self) -> bool | None:
        return None if self.deadline_margin_minutes is None else self.deadline_margin_minutes >= 0


@dataclass(frozen=True)
class OfferList:
    """The offers for one request on one day, best first; `reason` says in words why there are none."""

    day: dt.date
    visit: str
    label: str
    urgency: str
    minutes: int
    deadline: dt.datetime | None
    dedicated: str | None
    """The client's dedicated concierge (code), working that day or not."""
    base: str
    """What the offers are made on: "committed plan", "proposal" or "nothing planned yet"."""
    offers: tuple[SlotOffer, ...]
    reason: str | None
    reason_code: str | None
    seconds: float


def offer_minute(day: dt.date, now: dt.datetime) -> int:
    """Minute of `day` from which slots may start: now on today, the day's start later; a past day is refused."""
    if day < now.date():
        raise ValidationError(f"date: {day.isoformat()} is in the past; offers are for today or later", field="date")
    return minutes_of(day, now) if day == now.date() else 0


def _start_window(office: Office, start: dt.time | None, end: dt.time | None, minutes: int) -> tuple[Window, ...]:
    """Office hours ∩ the client's window, for the start (as `data.planning.snapshot.load_day` builds it)."""
    first = office.opens.hour * 60 + office.opens.minute
    last = office.closes.hour * 60 + office.closes.minute
    if start is not None:
        first = max(first, start.hour * 60 + start.minute)
    if end is not None:
        last = min(last, end.hour * 60 + end.minute)
    return (Window(first, max(first, last - minutes)),)


def _draft_visit(session: Session, snapshot: DaySnapshot, form: RequestForm, received: dt.datetime, key: str) -> DVisit:
    """The dispatch visit of a request's values on the snapshot's day."""
    client = session.get(Client, form.client_id)
    office = session.get(Office, form.office_id)
    if client is None:
        raise ValidationError("client: pick a client from the list", field="client")
    if office is None or office.client_id != client.id:
        raise ValidationError(f"office: pick one of {client.name}'s offices", field="office")
    if form.urgency not in {u.value for u in Urgency}:
        raise ValidationError(f"urgency: {form.urgency!r} is not known", field="urgency")
    day = snapshot.date
    contracts = list(client.contracts)
    ded_row = client.dedicated_concierge
    working = {c.id for c in snapshot.problem.concierges}
    known = working | {c.id for c in snapshot.problem.off}
    ded = ded_row.code if ded_row is not None and ded_row.code in known else None
    required = dedicated_required(contracts) and ded is not None
    deadline = form.deadline or default_deadline(form.urgency, received, closes=office.closes)
    return DVisit(
        id=key,
        location=Location(office.lat, office.lon),
        duration=form.minutes,
        windows=_start_window(office, form.window_start, form.window_end, form.minutes),
        urgency=Urgency(form.urgency),
        deadline=minutes_of(day, deadline),
        requested=minutes_of(day, received),
        skills=frozenset(s for s in form.skills if s in KNOWN_SKILLS),
        dedicated=ded if required or ded in working else None,
        dedicated_required=required,
        priority=contract_priority(contracts, day),
    )


def _offer_list(
    snapshot: DaySnapshot,
    visit: DVisit,
    result: Offers,
    *,
    label: str,
    dedicated: str | None,
    deadline: dt.datetime | None,
    base: str,
) -> OfferList:
    day = snapshot.date

    def at(seconds: int) -> dt.datetime:
        return clock_of(day, seconds)

    def name_of(vid: str) -> tuple[str, str]:
        info = snapshot.visits.get(vid)
        return (f"{info.client} {info.office}", info.urgency) if info is not None else (label if vid == visit.id else vid, visit.urgency.value)

    slots = []
    for rank, o in enumerate(result.offers, start=1):
        moves = tuple(
            OfferedVisit(m.visit, *name_of(m.visit), m.from_concierge, m.to_concierge, at(m.old_start), at(m.new_start or m.old_start))
            for m in o.moves  # offers' moves all have a new start (dropped visits are in `dropped`)
        )
        drops = tuple(OfferedVisit(d.visit, *name_of(d.visit), d.concierge, None, at(d.start), None) for d in o.dropped)
        route = tuple(RouteStop(s.visit, name_of(s.visit)[0], at(s.start), at(s.end)) for s in o.route.stops)
        info = snapshot.concierges.get(o.concierge)
        slots.append(
            SlotOffer(
                rank=rank, concierge=o.concierge, name=info.name if info else o.concierge, start=at(o.start), end=at(o.end),
                extra_travel_minutes=round(o.extra_travel_seconds / 60), extra_travel_meters=o.extra_travel_meters,
                moves=moves, drops=drops, dedicated=o.dedicated if dedicated is not None else None,
                deadline_margin_minutes=None if o.deadline_margin is None else o.deadline_margin // 60,
                cost=o.cost, route=route, chosen=ChosenOffer(day, o.concierge, o.start // 60), offer=o,
            )
        )
    reason = reason_text(result.reason, snapshot.problem) if result.reason is not None else None
    return OfferList(
        day=day, visit=visit.id, label=label, urgency=visit.urgency.value, minutes=visit.duration, deadline=deadline,
        dedicated=dedicated, base=base, offers=tuple(slots), reason=reason,
        reason_code=result.reason.code.value if result.reason is not None else None, seconds=result.seconds,
    )


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_COUNT:
        raise ValidationError(f"count: must be between 1 and {MAX_COUNT}, got {count}", field="count")


def _base(snapshot: DaySnapshot, proposal: Plan | None) -> tuple[Plan | None, str]:
    if proposal is not None:
        return proposal, "proposal"
    if snapshot.committed is not None:
        return snapshot.committed, "committed plan"
    return None, "nothing planned yet"


def offers_for_draft(
    session: Session,
    form: RequestForm,
    day: dt.date,
    now: dt.datetime,
    *,
    snapshot: DaySnapshot | None = None,
    proposal: Plan | None = None,
    count: int = DEFAULT_COUNT,
    should_stop: Callable[[], bool] | None = None,
) -> OfferList:
    """Offers for a request not saved yet (the intake form's values) on `day`: on `proposal` when given,
    else on the committed plan of `snapshot` (read when None). Reads only."""
    _check_count(count)
    minute = offer_minute(day, now)
    snapshot = snapshot if snapshot is not None and snapshot.date == day else load_day(session, day, now=now)
    visit = _draft_visit(session, snapshot, form, now, DRAFT_KEY)
    client = session.get(Client, form.client_id)
    office = session.get(Office, form.office_id)
    assert client is not None and office is not None
    ded = client.dedicated_concierge.code if client.dedicated_concierge is not None else None
    base, kind = _base(snapshot, proposal)
    result = offer_slots(snapshot.problem, base, visit, minute, count=count, should_stop=should_stop)
    return _offer_list(snapshot, visit, result, label=f"{client.name} {office.name}", dedicated=ded,
                       deadline=form.deadline or default_deadline(form.urgency, now, closes=office.closes), base=kind)


def _request_row(session: Session, request_id: int) -> VisitRequest:
    row = session.get(VisitRequest, request_id)
    if row is None:
        raise NotFoundError(f"request: {visit_key(request_id)} does not exist")
    if row.status != "open":
        live = [v for v in row.visits if v.status in ("planned", "in_progress", "done")]
        where = ""
        if live:
            v: Visit = live[-1]
            who = session.get(Concierge, v.concierge_id)
            where = f" ({who.code if who else '?'} {v.planned_start:%a %d %b %H:%M})"
        what = {"planned": "already planned", "in_progress": "in progress", "done": "done", "cancelled": "cancelled"}.get(row.status, row.status)
        hint = ": move it on the dispatch board (m)" if row.status == "planned" else ""
        raise ValidationError(f"request: {visit_key(request_id)} is {what}{where}{hint}", field="request")
    return row


def offers_for_request(
    session: Session, request_id: int, day: dt.date, now: dt.datetime, *, proposal: Plan | None = None, count: int = DEFAULT_COUNT
) -> OfferList:
    """Offers for an open request on `day` (its own values: office, minutes, urgency, skills, window,
    deadline, received time). Reads only."""
    _check_count(count)
    row = _request_row(session, request_id)
    minute = offer_minute(day, now)
    snapshot = load_day(session, day, now=now)
    key = visit_key(request_id)
    form = RequestForm(
        client_id=row.client_id, office_id=row.office_id, category=row.category, routine=row.routine, urgency=row.urgency,
        deadline=row.deadline, minutes=row.estimated_minutes, skills=tuple(row.required_skills or ()),
        window_start=row.window_start, window_end=row.window_end,
    )
    visit = _draft_visit(session, snapshot, form, row.received_at, key)  # a pin it may have is what offers replace
    ded = row.client.dedicated_concierge.code if row.client.dedicated_concierge is not None else None
    base, kind = _base(snapshot, proposal)
    result = offer_slots(snapshot.problem, base, visit, minute, count=count)
    return _offer_list(snapshot, visit, result, label=f"{row.client.name} {row.office.name}", dedicated=ded,
                       deadline=row.deadline, base=kind)


def save_with_offer(session: Session, form: RequestForm, now: dt.datetime, chosen: ChosenOffer | None) -> VisitRequest:
    """Save the request (`data.planning.save_request`) pinned to the chosen slot, in the caller's transaction."""
    request = save_request(session, form, now)
    if chosen is not None:
        who = session.scalars(select(Concierge).where(Concierge.code == chosen.concierge)).one_or_none()
        if who is None:
            raise NotFoundError(f"concierge {chosen.concierge!r} does not exist")
        request.pinned_concierge_id = who.id
        request.pinned_start = chosen.start
        session.flush()
    return request


def offer_into_proposal(
    before: DaySnapshot | None, proposal: Plan | None, snapshot: DaySnapshot, request_id: int, chosen: ChosenOffer, now: dt.datetime
) -> tuple[DaySnapshot, Replan]:
    """The board's day after a chosen offer: `snapshot` (read after the request was saved, so it holds the
    request with its pin) keeps the pins the board had set in `before`, and the visit is placed on
    `proposal` (else the committed plan) by insertion. Raises ValidationError when the slot no longer fits."""
    if before is not None and before.date == snapshot.date:
        for v in before.problem.visits:
            now_v = next((x for x in snapshot.problem.visits if x.id == v.id), None)
            if now_v is not None and v.status is VisitStatus.OPEN and v.pinned != now_v.pinned:
                snapshot = snapshot.with_pin(v.id, v.pinned.concierge if v.pinned else None, v.pinned.start if v.pinned else None)
    key = visit_key(request_id)
    visit = snapshot.problem.visit(key)
    base = proposal if proposal is not None and before is not None and before.date == snapshot.date else snapshot.committed
    result = place(snapshot.problem, base, visit, chosen.concierge, chosen.minute, offer_minute(snapshot.date, now))
    if not result.offers:
        why = reason_text(result.reason, snapshot.problem) if result.reason is not None else "it does not fit"
        raise ValidationError(f"{key} no longer fits {chosen.concierge} at {chosen.start:%H:%M}: {why}; it stays pinned there", field="offer")
    return snapshot, result.offers[0].replan
