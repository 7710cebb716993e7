"""Request intake: find the client, then `save_request(session, form, now)` with the deadline defaults
(emergency today, high within 24 h, normal within 3 business days, low within 5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.models import Client, Office, Visit, VisitRequest
from data.planning.deadlines import default_deadline
from data.planning.form import RequestForm, request_errors
from data.planning.priority import PRIORITY_LABELS, contract_priority, dedicated_required
from data.search import matches_all


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
    makes sure that client is in the list (the form opened for one client). Matched the way Japanese users
    type (data.search: hiragana = katakana, full-width = half-width, `%`/`_` literal)."""
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


def save_request(session: Session, form: RequestForm, now: dt.datetime) -> VisitRequest:
    """Validate and add a visit request (the caller's transaction); the deadline defaults by urgency. The
    rules are `data.planning.form.request_errors`; the first problem is raised."""
    errors = request_errors(session, form, now)
    if errors:
        raise errors[0]
    client = session.get(Client, form.client_id)
    office = session.get(Office, form.office_id)
    assert client is not None and office is not None
    deadline = form.deadline or default_deadline(form.urgency, now, closes=office.closes)
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
