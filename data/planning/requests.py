"""The board's request list: everything received and not yet served, most urgent first, with the time left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.models import URGENCIES, Visit, VisitRequest
from data.planning.deadlines import RESPONSE_AIM
from data.planning.units import visit_key

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
