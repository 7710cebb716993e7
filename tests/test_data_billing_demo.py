"""Smoke test: the demo business closes its last month into consistent invoices."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from billing_fakes import FakeRules
from sqlalchemy import select

from data.billing import billed_contracts, close_month, list_invoices
from data.db import Database
from data.demo import generate_demo
from data.models import Contract, Incident

TODAY = dt.date(2026, 12, 2)  # a Wednesday: the demo's done visits are on Mon 30 Nov and Tue 1 Dec
NOVEMBER = dt.date(2026, 11, 1)


def test_demo_month_closes_into_consistent_invoices(database: Database) -> None:
    """Every billed demo contract gets one invoice; lines add up; tax is 10% rounded down; re-closing is a no-op."""
    rules = FakeRules()
    with database.transaction() as session:
        generate_demo(session, seed=7, today=TODAY)
    with database.transaction() as session:
        expected = len(billed_contracts(session, NOVEMBER))
        result = close_month(session, NOVEMBER, today=TODAY, rules_for=lambda _c: rules)
    assert not result.already_closed and len(result.invoices) == expected > 30
    with database.transaction() as session:
        invoices = list_invoices(session, month=NOVEMBER)
        plans = {c.id: c for c in session.scalars(select(Contract))}
        spot_lines = 0
        for invoice in invoices:
            assert sum(line.net for line in invoice.lines) == invoice.net_total > 0
            assert invoice.tax == (invoice.net_total * Decimal("0.1")).quantize(Decimal(1), rounding=ROUND_DOWN)
            assert invoice.gross_total == invoice.net_total + invoice.tax
            assert invoice.issue_date == dt.date(2026, 12, 1) and invoice.due_date == dt.date(2027, 1, 4)
            spot_lines += sum(1 for line in invoice.lines if line.label.startswith("スポット"))
            if plans[invoice.contract_id].plan == "support_incidents":
                assert any(line.label.startswith("インシデント") for line in invoice.lines)
        assert spot_lines >= 1  # the dispersed demo clients are two-tier and had visits on 30 November
        november_incidents = session.scalars(
            select(Incident).where(Incident.closed_at < dt.datetime(2026, 12, 1), Incident.closed_at >= dt.datetime(2026, 11, 1))
        ).all()
        assert november_incidents and all(i.level is not None and i.fee is not None for i in november_incidents)
        before = [(i.number, i.gross_total) for i in invoices]
    with database.transaction() as session:
        again = close_month(session, "2026-11", today=TODAY, rules_for=lambda _c: rules)
    assert again.already_closed and [(i.number, i.gross_total) for i in again.invoices] == before
