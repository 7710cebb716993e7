"""Closed billing months are read-only for the records they billed.

Once `concierge billing close YYYY-MM` has written a `ClosedMonth` row, the visits dated in that month
and the incidents closed in that month belong to issued invoices: changing, adding or deleting them would
make the invoice lie. Two guards enforce it:

- `check_visit_editable` / `check_incident_editable` / `check_month_open`: what a screen or command calls
  *before* saving, to tell the user early ("visit 12 is in closed month 2026-10 ...").
- `install_lock_guard(sessions)`: a `before_flush` listener on a session factory that runs the same check
  on every new, changed or deleted `Visit` and `Incident` (old and new dates); `data.db.make_session_factory`
  installs it.

Both read `closed_month` and so cannot see a close that has not committed yet: the database has the last
word (migration 0002's triggers, which wait for the month lock `billing close` holds; data/advisory.py).

Rules: a visit belongs to the month of its `date`; an incident to the month of its `closed_at` (it is
billed when it closes; a still-open incident opened in a closed month stays editable and is billed in
the month it closes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from data.errors import LockedError, ValidationError
from data.models import ClosedMonth, Contract, Incident, Visit


def month_start(day: dt.date | dt.datetime) -> dt.date:
    """The first day of the month holding `day`."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return day.replace(day=1)


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def closed_months(session: Session) -> set[dt.date]:
    """Every closed month (first days)."""
    with session.no_autoflush:
        return set(session.scalars(select(ClosedMonth.month)))


def is_closed(session: Session, month: dt.date) -> bool:
    """True when the month holding `month` has been closed."""
    with session.no_autoflush:
        return session.get(ClosedMonth, month_start(month)) is not None


def first_business_month(session: Session) -> dt.date | None:
    """The first month anything can be billed: the start month of the earliest contract (None: no contract)."""
    first = session.scalars(select(func.min(Contract.start_month))).first()
    return month_start(first) if first is not None else None


def check_month_closable(session: Session, month: dt.date) -> None:
    """Refuse to close (and so lock) a month before the business billed anything.

    Closing `0001-01` would lock every visit and incident of that month without an invoice for them; a
    month before the earliest contract's start month has nothing to bill, so it is refused with the
    first month that can be closed.
    """
    first = first_business_month(session)
    if first is None:
        raise ValidationError(f"month: {month_label(month)}: there is no contract yet, so nothing to close", field="month")
    if month < first:
        raise ValidationError(
            f"month: {month_label(month)} is before the first contract ({month_label(first)}); nothing was billed then",
            field="month",
        )


def check_month_open(session: Session, day: dt.date | dt.datetime, what: str) -> None:
    """Raise LockedError when `day` falls in a closed month; `what` names the record ("visit 12")."""
    month = month_start(day)
    if is_closed(session, month):
        raise LockedError(f"{what} is in closed billing month {month_label(month)}; it can no longer be changed")


def visit_months(visit: Visit) -> set[dt.date]:
    """The months a visit touches: its date now and, for a pending change, its date before."""
    return _months(visit, "date")


def incident_months(incident: Incident) -> set[dt.date]:
    """The billing months of an incident: the month of `closed_at` now and before a pending change."""
    return _months(incident, "closed_at")


def _months(obj: Any, attr: str) -> set[dt.date]:
    values: list[Any] = [getattr(obj, attr)]
    state = inspect(obj)
    if state.persistent or state.deleted:
        values.extend(state.attrs[attr].history.deleted or ())  # the value before a pending change
    return {month_start(v) for v in values if v is not None}


def check_visit_editable(session: Session, visit: Visit) -> None:
    """Refuse a change to `visit` (new, edited or deleted) when it touches a closed month."""
    _check(session, [visit], closed_months(session))


def check_incident_editable(session: Session, incident: Incident) -> None:
    """Refuse a change to `incident` when its billing month (old or new) is closed."""
    _check(session, [incident], closed_months(session))


def _describe(obj: Any) -> str:
    kind = "visit" if isinstance(obj, Visit) else "incident"
    return f"{kind} {obj.id}" if obj.id is not None else f"new {kind}"


def _check(session: Session, objects: Iterable[Any], closed: set[dt.date]) -> None:
    if not closed:
        return
    for obj in objects:
        months = visit_months(obj) if isinstance(obj, Visit) else incident_months(obj)
        hit = sorted(months & closed)
        if hit:
            raise LockedError(
                f"{_describe(obj)} is in closed billing month {month_label(hit[0])}; "
                "it was invoiced and can no longer be changed"
            )


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    touched = [
        obj
        for obj in (*session.new, *session.deleted, *session.dirty)
        if isinstance(obj, Visit | Incident) and (obj in session.new or obj in session.deleted or session.is_modified(obj))
    ]
    if touched:
        _check(session, touched, closed_months(session))


def install_lock_guard(target: sessionmaker[Session] | Session | type[Session]) -> None:
    """Make every flush of sessions from `target` refuse changes in closed months (idempotent)."""
    if not event.contains(target, "before_flush", _before_flush):
        event.listen(target, "before_flush", _before_flush)
