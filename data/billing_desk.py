"""What the Billing screen reads and records: months with their state, a month's invoices, fee-limit notices.

The screen never holds ORM rows: every function here returns plain values read in the caller's
transaction, so a worker thread can read them and the UI thread show them.

- `billing_months(session, today)`: every month that can be billed, newest first (from the first
  contract's start month to the last month that has ended), closed or not, with its invoice total.
- `month_invoices(session, month)`: that month's invoices as list rows.
- `limit_notices(session, now)`: incidents whose fee reached its limit and wait for the client's
  answer, in this month and in every ended month not closed yet, each with the incident's version.
- `record_limit_answer(session, incident_id, proceed=..., expected_version=...)`: the client's "stop" or
  "continue", refused when someone changed the incident since the notice was read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.billing import InvoiceSummary, list_invoices, summarize
from data.billing_calendar import next_month
from data.errors import ConflictError, NotFoundError
from data.incidents import Assessment, decide_fee_limit, fee_limit_notices
from data.locks import closed_months, first_business_month, month_label, month_start
from data.models import Incident, Invoice

MAX_MONTHS = 120
"""The month list stops after ten years (a very old first contract would otherwise list hundreds)."""


@dataclass(frozen=True)
class BillingMonth:
    month: dt.date
    closed: bool
    invoices: int
    gross_total: Decimal

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True)
class InvoiceRow(InvoiceSummary):
    """A line of the month's invoice list: the close's summary and where the invoice sits."""

    id: int
    month: dt.date
    issue_date: dt.date
    due_date: dt.date


@dataclass(frozen=True)
class NoticeRow:
    incident_id: int
    version: int
    client_name: str
    person: str | None
    summary: str
    level: str
    opened: dt.datetime
    fee: Decimal
    limit: Decimal


def billing_months(session: Session, today: dt.date) -> list[BillingMonth]:
    """Months from the first contract's start to the last ended month, newest first."""
    first = first_business_month(session)
    if first is None:
        return []
    closed = closed_months(session)
    totals = {
        month_start(m): (int(n), Decimal(g or 0))
        for m, n, g in session.execute(
            select(Invoice.month, func.count(Invoice.id), func.sum(Invoice.gross_total)).group_by(Invoice.month)
        )
    }
    months: list[BillingMonth] = []
    month = month_start(today)
    while len(months) < MAX_MONTHS:
        month = month_start(month - dt.timedelta(days=1))
        if month < first:
            break
        count, gross = totals.get(month, (0, Decimal(0)))
        months.append(BillingMonth(month, month in closed, count, gross))
    return months


def month_invoices(session: Session, month: dt.date) -> list[InvoiceRow]:
    rows = []
    for invoice in list_invoices(session, month=month):
        s = summarize(invoice)
        rows.append(InvoiceRow(**vars(s), id=invoice.id, month=invoice.month, issue_date=invoice.issue_date, due_date=invoice.due_date))
    return rows


def limit_notices(session: Session, now: dt.datetime) -> list[NoticeRow]:
    """Notices of this month and of every ended month not closed yet in which an incident closed (oldest first)."""
    closed = closed_months(session)
    this = month_start(now)
    ended = {month_start(d) for d in session.scalars(select(Incident.closed_at).distinct()) if d is not None}
    months = sorted(m for m in ended if m < this and m not in closed)
    if this not in closed:
        months.append(this)
    rows: dict[int, NoticeRow] = {}
    for month in months:
        for notice in fee_limit_notices(session, month=month, now=min(now, _month_end(month)) if month < this else now):
            if notice.incident_id in rows:
                continue
            incident = session.get(Incident, notice.incident_id)
            assert incident is not None
            rows[notice.incident_id] = NoticeRow(
                incident_id=incident.id, version=incident.version, client_name=notice.client_name, person=notice.person,
                summary=incident.description, level=incident.level or "", opened=incident.opened_at, fee=notice.fee,
                limit=notice.limit,
            )
    return list(rows.values())


def _month_end(month: dt.date) -> dt.datetime:
    return dt.datetime.combine(next_month(month), dt.time()) - dt.timedelta(seconds=1)


def record_limit_answer(
    session: Session, incident_id: int, *, proceed: bool, expected_version: int, now: dt.datetime | None = None
) -> Assessment:
    """The client's answer to "limit reached: stop or continue?" (see `data.incidents.decide_fee_limit`)."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"incident {incident_id} no longer exists")
    if incident.version != expected_version:
        raise ConflictError(f"incident {incident_id} was changed by someone else since the notice was shown; reload and try again")
    return decide_fee_limit(session, incident_id, proceed=proceed, now=now)
