"""What a concierge records on site: arrived, undo of arrived, and the work slip (作業伝票) when done.

Rules (each refusal is one sentence naming the visit and the problem):

- **One stop on site at a time.** A concierge is on site at one office: a second "arrived" on the same day
  is refused while another visit of theirs is in progress. The database has the last word: the partial
  unique index `uq_visit_one_on_site` (migration 0006) allows one `in_progress` visit per concierge and
  date, so two devices pressing "arrived" at once cannot both win; the read before the write only makes
  the sentence name the other stop.
- **Arrived can be undone** while the visit is in progress (a key pressed on the wrong stop): the visit is
  planned again and its arrival time cleared. Like every change it carries the version the screen read.
- **No work-slip end after now** in the business's clock (data.clock: Japan's time, not the machine's):
  done visits feed billing, so a slip cannot claim work that has not happened yet. Arrival likewise.
- **A slip stays editable until its month is closed**: `mark_done` on a done visit rewrites the slip;
  a visit in a closed billing month is refused (data.locks, and migration 0002's triggers underneath).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.clock import business_now
from data.errors import ConflictError, NotFoundError, ValidationError
from data.fields import shown
from data.fields import text as checked_text
from data.locks import check_visit_editable
from data.models import Visit

#: A routine visit of at most this many estimated minutes is a minor task: the slip may be skipped.
MINOR_TASK_MINUTES = 30
ONE_ON_SITE_INDEX = "uq_visit_one_on_site"
SLIP_LATER = "a slip records work already done"


def _editable(session: Session, visit_id: int, expected_version: int | None) -> Visit:
    v = session.get(Visit, visit_id)
    if v is None:
        raise NotFoundError(f"visit {visit_id} does not exist")
    if expected_version is not None and v.version != expected_version:
        raise ConflictError(f"visit {visit_id} was changed by someone else since you opened it; reload and try again")
    if v.status == "cancelled":
        raise ValidationError(f"visit {visit_id} was cancelled", field="status")
    check_visit_editable(session, v)
    return v


def _where(v: Visit) -> str:
    return shown(f"{v.request.client.name} {v.request.office.name}", 60)


def not_after_now(moment: dt.datetime, now: dt.datetime, field: str, why: str = "") -> None:
    """Refuse `moment` later than `now` (business time) with a sentence naming `field` (and `why`)."""
    if moment > now:
        when = f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%Y-%m-%d %H:%M}"
        raise ValidationError(f"{field}: {when} is in the future (now {now:%H:%M}){'; ' + why if why else ''}", field=field)


def on_site_elsewhere(session: Session, v: Visit) -> Visit | None:
    """Another visit of the same concierge on the same day that is in progress (None: there is none)."""
    with session.no_autoflush:
        return session.scalars(
            select(Visit).where(Visit.concierge_id == v.concierge_id, Visit.date == v.date,
                                Visit.status == "in_progress", Visit.id != v.id).limit(1)
        ).first()


def mark_arrived(
    session: Session, visit_id: int, when: dt.datetime, *, expected_version: int | None = None, now: dt.datetime | None = None
) -> None:
    """The concierge is on site: the visit (and its request) is in progress from `when` (business time).

    Refused: a done or already-started visit, an arrival on another day than the visit's or later than
    `now` (default: the business clock), and a second stop on site the same day."""
    v = _editable(session, visit_id, expected_version)
    if v.status == "done":
        raise ValidationError(f"visit {visit_id} is already done; edit its work slip instead", field="status")
    if v.status == "in_progress":
        since = f" since {v.actual_start:%H:%M}" if v.actual_start else ""
        raise ValidationError(f"visit {visit_id} at {_where(v)} is already marked arrived{since}", field="status")
    if when.date() != v.date:
        raise ValidationError(f"arrival: visit {visit_id} is planned for {v.date:%a %Y-%m-%d}, not {when:%a %Y-%m-%d}",
                              field="arrival")
    not_after_now(when, now or business_now(), "arrival")
    other = on_site_elsewhere(session, v)
    if other is not None:
        since = f" since {other.actual_start:%H:%M}" if other.actual_start else ""
        raise ValidationError(
            f"already on site at {_where(other)}{since} (visit {other.id}): finish that visit or undo its arrival first",
            field="status")
    v.actual_start = when
    v.status = "in_progress"
    v.request.status = "in_progress"
    session.flush()


def undo_arrived(session: Session, visit_id: int, *, expected_version: int | None = None) -> None:
    """Take back "arrived": the visit is planned again, its arrival time cleared (and its request planned
    again unless another of its visits is in progress)."""
    v = _editable(session, visit_id, expected_version)
    if v.status != "in_progress":
        state = "already done; edit its work slip instead" if v.status == "done" else "not marked arrived"
        raise ValidationError(f"visit {visit_id} is {state}: there is no arrival to undo", field="status")
    v.actual_start = None
    v.status = "planned"
    r = v.request
    if r.status == "in_progress" and not any(o.status == "in_progress" for o in r.visits if o is not v):
        r.status = "planned"
    session.flush()


def mark_done(
    session: Session,
    visit_id: int,
    *,
    start: dt.datetime | None,
    end: dt.datetime,
    slip: str | None,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The work is done: actual times and the work slip (作業伝票). A minor routine task may skip the
    slip (`slip` None or empty); every other visit needs one. Done visits feed billing, so the end may not
    be later than `now` (default: the business clock). On a done visit this edits the slip (until the
    visit's month is closed)."""
    v = _editable(session, visit_id, expected_version)
    start = start or v.actual_start
    if start is None:
        raise ValidationError("start: when did the work start?", field="start")
    if end < start:
        raise ValidationError(f"end: {end:%H:%M} is before the start {start:%H:%M}", field="end")
    not_after_now(end, now or business_now(), "end", SLIP_LATER)
    text = (slip or "").strip()
    r = v.request
    minor = r.routine and r.estimated_minutes <= MINOR_TASK_MINUTES
    if not text and not minor:
        raise ValidationError("work slip: write what was done (only minor routine tasks may skip it)", field="slip")
    checked_text({"slip": text}, "slip", max_len=4000, multiline=True)  # length, control characters
    v.actual_start = start
    v.actual_end = end
    v.work_slip = text or None
    v.status = "done"
    r.status = "done"
    session.flush()
