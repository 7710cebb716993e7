"""Closing a month: invoices for both business models, reproduced by hand; idempotent; locked after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from billing_fakes import FakeRules
from billing_scenario import MONTH, NOW, TODAY, build
from sqlalchemy import func, select

from data.billing import close_month, get_invoice, list_invoices, parse_month
from data.billing_calendar import first_business_day, invoice_dates
from data.billing_rules import BillingRules
from data.db import Database
from data.errors import LockedError, ValidationError
from data.incidents import fee_limit_notices
from data.locks import check_month_open, check_visit_editable, install_lock_guard
from data.models import ClosedMonth, Contract, Incident, Invoice, InvoiceLine, Setting, Visit

RULES = FakeRules()


def rules_for(_contract: Contract) -> BillingRules:
    return RULES


@pytest.fixture
def closed(database: Database) -> Database:
    install_lock_guard(database.sessions)
    with database.transaction() as session:
        build(session)
    with database.transaction() as session:
        close_month(session, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
    return database


def _invoice(database: Database, contract_id: int) -> tuple[Invoice, list[tuple[str, Decimal, Decimal, Decimal]]]:
    with database.transaction() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.contract_id == contract_id)).one()
        lines = [(line.label, line.quantity, line.unit_price, line.net) for line in invoice.lines]
        return invoice, lines


def _totals(invoice: Invoice) -> tuple[int, int, int]:
    return int(invoice.net_total), int(invoice.tax), int(invoice.gross_total)


def test_sample_month_totals_reproduced_by_hand(closed: Database) -> None:
    """October 2026: four invoices whose every yen is recomputed here from the seed's tables."""
    with closed.transaction() as session:
        contracts = {c.client.code: c.id for c in session.scalars(select(Contract))}
        numbers = [i.number for i in list_invoices(session, month=MONTH)]
    # Cancelled from October (C5) and starting in November (C6): no invoice.
    assert numbers == [f"INV-202610-{contracts[c]:05d}" for c in ("C1", "C2", "C3", "C4")]

    # Seat plan: 30 PCs + 1 server = 3 units x 28,000 (Macs not priced) + non-routine 90 min = 1.5 h x 8,000.
    invoice, lines = _invoice(closed, contracts["C1"])
    assert [line[3] for line in lines] == [84000, 12000]
    assert lines[1][1:3] == (Decimal("1.5"), Decimal(8000))
    assert _totals(invoice) == (96000, 9600, 105600)

    # Two-tier: one base unit 28,000 + 3 done October visits x 12,000 (September, planned, November excluded).
    invoice, lines = _invoice(closed, contracts["C2"])
    assert lines[-1][1:] == (Decimal(3), Decimal(12000), Decimal(36000))
    assert _totals(invoice) == (64000, 6400, 70400)

    # Annual plan, billing month: 25,000 + level 5 (10,000) + feather (0); the November incident waits.
    invoice, lines = _invoice(closed, contracts["C3"])
    assert [line[3] for line in lines] == [25000, 10000, 0]
    assert lines[2][0].endswith("フェザー")
    assert _totals(invoice) == (35000, 3500, 38500)

    # Monthly plan (max 2): 15,000; level 2 covered, feather free, level 4 extra 2,000; beyond the maximum:
    # level 1 -> 0 + 7,500, level 7 -> 20,000 + 7,500 = 27,500 capped at its 10,000 limit.
    invoice, lines = _invoice(closed, contracts["C4"])
    assert [line[3] for line in lines] == [15000, 0, 0, 2000, 7500, 10000]
    assert _totals(invoice) == (34500, 3450, 37950)


def test_invoice_dates_and_issuer(closed: Database) -> None:
    """Issued on the first business day of November (Mon 2 Nov), due a month later, issuer from settings."""
    with closed.transaction() as session:
        invoice = list_invoices(session, month=MONTH)[0]
        assert (invoice.issue_date, invoice.due_date) == (dt.date(2026, 11, 2), dt.date(2026, 12, 2))
        assert invoice.issuer["issuer_registration_number"] == "T1234567890123"
        assert "みずほ銀行" in invoice.issuer["bank_account"]
        assert get_invoice(session, invoice.number.lower()).id == invoice.id


def test_capped_incident_is_stored_and_notified(closed: Database) -> None:
    """The level-7 incident over its limit is billed at 10,000 and the client is asked: stop or continue?"""
    with closed.transaction() as session:
        stored = session.scalars(select(Incident).where(Incident.onsite_visits == 1)).one()
        assert (stored.level, stored.fee) == ("7", Decimal(10000))
        notices = fee_limit_notices(session, month=MONTH, now=NOW, rules_for=rules_for)
        assert [(n.incident_id, n.fee, n.limit, n.message) for n in notices] == [
            (stored.id, Decimal(27500), Decimal(10000), "limit reached: stop or continue?")
        ]


def test_closing_twice_gives_the_same_invoices(closed: Database) -> None:
    """A second close of October changes nothing and reports the same invoices."""
    with closed.transaction() as session:
        before = [(i.number, i.gross_total, [(x.label, x.net) for x in i.lines]) for i in list_invoices(session)]
        lines_before = session.scalar(select(func.count()).select_from(InvoiceLine))
    with closed.transaction() as session:
        result = close_month(session, "2026-10", today=TODAY, now=NOW, rules_for=rules_for)
    assert result.already_closed and len(result.invoices) == 4
    with closed.transaction() as session:
        after = [(i.number, i.gross_total, [(x.label, x.net) for x in i.lines]) for i in list_invoices(session)]
        assert after == before
        assert session.scalar(select(func.count()).select_from(InvoiceLine)) == lines_before


def test_editing_a_visit_in_a_closed_month_is_refused(closed: Database) -> None:
    """Changing, deleting or moving a visit into October is refused; November stays editable."""
    with closed.transaction() as session:
        october = session.scalars(select(Visit).where(Visit.date == dt.date(2026, 10, 14))).one()
        october_id = october.id
        november = session.scalars(select(Visit).where(Visit.date == dt.date(2026, 11, 2))).one()
        november_id = november.id
    with pytest.raises(LockedError, match=f"visit {october_id} is in closed billing month 2026-10"):
        with closed.transaction() as session:
            visit = session.get(Visit, october_id)
            assert visit is not None
            visit.work_slip = "後から修正"
    with pytest.raises(LockedError, match="2026-10"):
        with closed.transaction() as session:
            session.delete(session.get(Visit, october_id))
    with pytest.raises(LockedError, match="2026-10"):
        with closed.transaction() as session:
            visit = session.get(Visit, november_id)
            assert visit is not None
            visit.date = dt.date(2026, 10, 30)
    with closed.transaction() as session:
        visit = session.get(Visit, november_id)
        assert visit is not None
        visit.work_slip = "対応完了"
    with closed.transaction() as session:
        assert session.get(Visit, october_id) is not None
        assert session.get(Visit, november_id).work_slip == "対応完了"  # type: ignore[union-attr]


def test_screens_can_ask_before_saving(closed: Database) -> None:
    """The check the board calls before saving gives the same sentence, without a flush."""
    with closed.transaction() as session:
        october = session.scalars(select(Visit).where(Visit.date == dt.date(2026, 10, 14))).one()
        with pytest.raises(LockedError, match=f"visit {october.id} is in closed billing month 2026-10"):
            check_visit_editable(session, october)
        with pytest.raises(LockedError, match="new visit is in closed billing month 2026-10"):
            check_month_open(session, dt.date(2026, 10, 31), "new visit")
        check_month_open(session, dt.datetime(2026, 11, 1, 9), "new visit")


def test_cancellation_with_notice_bills_until_effective_month(database: Database) -> None:
    """A contract cancelled effective November is still billed for October."""
    with database.transaction() as session:
        build(session)
        contract = session.scalars(select(Contract).where(Contract.options["variant"].as_string() == "two_tier")).one()
        contract.cancelled_effective = dt.date(2026, 11, 1)
    with database.transaction() as session:
        result = close_month(session, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
    assert [i.client_code for i in result.invoices] == ["C1", "C2", "C3", "C4"]


def test_editing_an_incident_in_a_closed_month_is_refused(closed: Database) -> None:
    """An incident billed in October cannot be changed any more."""
    with pytest.raises(LockedError, match="incident .* closed billing month 2026-10"):
        with closed.transaction() as session:
            incident = session.scalars(select(Incident).where(Incident.investigation.is_(True))).one()
            incident.chat_minutes = 90


@pytest.mark.parametrize(("month", "message"), [
    ("2026-11", "2026-11 has not ended yet"),
    ("2027-01", "2027-01 has not ended yet"),
    ("2026-13", "'2026-13' is not a month"),
    ("Oct", "'Oct' is not a month"),
])
def test_closing_a_month_not_over_is_refused_and_writes_nothing(database: Database, month: str, message: str) -> None:
    """The current or a future month, or a malformed one: a clear error and no invoice, no lock."""
    with database.transaction() as session:
        build(session)
    with pytest.raises(ValidationError, match=message), database.transaction() as session:
        close_month(session, month, today=TODAY, now=NOW, rules_for=rules_for)
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 0
        assert session.scalar(select(func.count()).select_from(ClosedMonth)) == 0


def test_missing_registration_number_is_refused(database: Database) -> None:
    """An invoice needs the issuer's T-number: a bad one stops the close before anything is written."""
    with database.transaction() as session:
        build(session)
        session.get(Setting, "issuer_registration_number").value = "1234567890123"  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="issuer_registration_number: '1234567890123' is not T followed by 13 digits"):
        with database.transaction() as session:
            close_month(session, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ClosedMonth)) == 0


@pytest.mark.parametrize(("month", "issue", "due"), [
    (dt.date(2026, 10, 1), dt.date(2026, 11, 2), dt.date(2026, 12, 2)),   # 1 Nov is a Sunday
    (dt.date(2025, 12, 1), dt.date(2026, 1, 5), dt.date(2026, 2, 5)),     # New Year's Day, bank holiday 2 Jan, weekend
    (dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)),      # Friday 1 May is a business day
    (dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
    (dt.date(2027, 1, 1), dt.date(2027, 2, 1), dt.date(2027, 3, 1)),
    (dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 4)),    # due 1 Jan -> next business day
])
def test_invoice_dates_skip_weekends_and_holidays(month: dt.date, issue: dt.date, due: dt.date) -> None:
    """Invoices are dated the first business day of the next month and due one month later (a business day)."""
    assert invoice_dates(month) == (issue, due)


def test_first_business_day_skips_public_holiday() -> None:
    """A weekday public holiday is skipped (jpholiday): 2025-11-03 Culture Day is a Monday."""
    assert first_business_day(dt.date(2025, 11, 3)) == dt.date(2025, 11, 4)
    assert parse_month("2026-7") == dt.date(2026, 7, 1)
