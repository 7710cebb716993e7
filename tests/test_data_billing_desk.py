"""What the Billing screen reads and records (data/billing_desk.py), on the seed-7 demo as of 25 Nov 2026:
the months, a month's invoices, the fee-limit notices and the client's answer with its version check, and
a close that reports progress and can be abandoned without writing anything."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from admin_host import NOW, demo_context
from sqlalchemy import select

from data.billing import close_month
from data.billing_desk import billing_months, limit_notices, month_invoices, record_limit_answer
from data.db import Database
from data.errors import ConflictError
from data.incidents import IncidentEntry, record_incident
from data.models import ClosedMonth, Contract, Incident, Invoice


def test_months_newest_first_with_their_state(database: Database) -> None:
    demo_context(database)
    with database.transaction() as session:
        before = billing_months(session, NOW.date())
        first = session.scalars(select(Contract.start_month).order_by(Contract.start_month)).first()
        result = close_month(session, "2026-10", now=NOW)
    assert before[0].month == dt.date(2026, 10, 1) and before[-1].month == first
    assert [m.month for m in before] == sorted((m.month for m in before), reverse=True)
    assert not any(m.closed for m in before)
    with database.transaction() as session:
        after = billing_months(session, NOW.date())
        rows = month_invoices(session, dt.date(2026, 10, 1))
    october = after[0]
    assert october.closed and october.invoices == len(result.invoices) == len(rows)
    assert october.gross_total == sum(i.gross_total for i in result.invoices)
    assert [r.number for r in rows] == sorted(i.number for i in result.invoices)


def test_progress_per_contract_and_a_cancel_writes_nothing(database: Database) -> None:
    demo_context(database)
    steps: list[tuple[int, int]] = []

    class Stop(Exception):
        pass

    def stop_at_three(done: int, total: int) -> None:
        steps.append((done, total))
        if done == 3:
            raise Stop

    with pytest.raises(Stop), database.transaction() as session:
        close_month(session, "2026-10", now=NOW, progress=stop_at_three)
    assert steps[-1][0] == 3
    with database.transaction() as session:
        assert session.get(ClosedMonth, dt.date(2026, 10, 1)) is None
        assert not session.scalars(select(Invoice.id)).all()


def _notice(database: Database) -> int:
    """An open level-5 incident whose own limit is 0: the client must say stop or continue."""
    with database.transaction() as session:
        contract = session.scalars(select(Contract).where(Contract.plan == "support_incidents", Contract.status == "active")
                                   .order_by(Contract.id)).first()
        assert contract is not None
        entry = IncidentEntry(client_id=contract.client_id, opened_at=dt.datetime(2026, 11, 20, 9, 0), level="5",
                              fee_limit=Decimal(0), description="server down")
        return record_incident(session, entry, now=NOW).incident_id


@pytest.mark.parametrize("proceed", [True, False])
def test_an_answer_is_recorded_once_and_a_stale_one_refused(database: Database, proceed: bool) -> None:
    demo_context(database)
    incident_id = _notice(database)
    with database.transaction() as session:
        notice = next(n for n in limit_notices(session, NOW) if n.incident_id == incident_id)
    with database.transaction() as session:
        record_limit_answer(session, incident_id, proceed=proceed, expected_version=notice.version, now=NOW)
    with database.transaction() as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        assert incident.continuation_approved == proceed
        assert (incident.closed_at is not None) == (not proceed)
        if proceed:
            assert incident_id not in {n.incident_id for n in limit_notices(session, NOW)}
    with pytest.raises(ConflictError, match="changed by someone else"), database.transaction() as session:
        record_limit_answer(session, incident_id, proceed=not proceed, expected_version=notice.version, now=NOW)
