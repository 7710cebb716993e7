"""Issue 6 acceptance with the real fee rules (`pricing` through `PricingRules`, default tariff).

October 2026 of tests/billing_scenario.py closes into four invoices whose every yen is recomputed here by
hand from the seed's tables; closing twice changes nothing; a closed month refuses edits. The demo
business closes through the `concierge billing close` command with no stand-in rules.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from billing_scenario import MONTH, NOW, TODAY, build
from cli_runner import run as _run
from sqlalchemy import func, select

from data.billing import close_month, list_invoices
from data.billing_rules import BillingRules, OfficeSeats, load_rules
from data.db import Database, open_database
from data.demo import generate_demo
from data.errors import LockedError
from data.incidents import IncidentEntry, decide_fee_limit, fee_limit_notices, incident_facts, record_incident
from data.locks import install_lock_guard
from data.models import Client, Contract, Incident, Invoice, InvoiceLine, Visit
from data.pricing_adapter import PricingRules
from pricing.errors import PricingError

RULES: BillingRules = PricingRules.load("default")
FEATHER = "within feather limits (mail/DM ≤ 2 round trips, replies ≤ 5, calls ≤ 5 min, chat ≤ 10 min) → feather"


def rules_for(_contract: Contract) -> BillingRules:
    return RULES


@pytest.fixture
def closed(database: Database) -> Database:
    """The scenario closed with the rules each contract's tariff names (load_rules, as the command does)."""
    install_lock_guard(database.sessions)
    with database.transaction() as session:
        build(session)
    with database.transaction() as session:
        close_month(session, MONTH, today=TODAY, now=NOW)
    return database


Row = tuple[str, Decimal, Decimal]


def _invoice(database: Database, client: str) -> tuple[tuple[int, int, int], list[Row]]:
    with database.transaction() as session:
        client_id = session.scalars(select(Client.id).where(Client.code == client)).one()
        invoice = session.scalars(select(Invoice).where(Invoice.client_id == client_id, Invoice.month == MONTH)).one()
        lines = [(line.basis or "", Decimal(line.quantity), Decimal(line.net)) for line in invoice.lines]
        return (int(invoice.net_total), int(invoice.tax), int(invoice.gross_total)), lines


def _hand_totals(net: int) -> tuple[int, int, int]:
    tax = int((Decimal(net) * Decimal("0.10")).to_integral_value(rounding=ROUND_DOWN))
    return net, tax, net + tax


def test_load_rules_gives_the_real_rules() -> None:
    """Billing's default rules are pricing's, at the shipped tariff version."""
    rules = load_rules("default")
    assert isinstance(rules, PricingRules)
    assert rules.tariff_version == "2026.1"
    assert rules.scopes == ("normal", "technical", "highly_technical", "mission_critical")


def test_seat_plan_client(closed: Database) -> None:
    """30 PCs + 1 server (included): 3 units x 28,000 = 84,000; 90 min non-routine work = 1.5 h x 8,000 = 12,000."""
    totals, lines = _invoice(closed, "C1")
    assert [(q, n) for _, q, n in lines] == [(Decimal(3), Decimal(84000)), (Decimal("1.5"), Decimal(12000))]
    assert "30 PCs + 1 server" in lines[0][0]
    assert totals == _hand_totals(84000 + 12000) == (96000, 9600, 105600)


def test_two_tier_client_with_three_spot_visits(closed: Database) -> None:
    """One base unit 28,000 + 3 done October visits x 12,000 (September, planned and November visits excluded)."""
    totals, lines = _invoice(closed, "C2")
    assert [(q, n) for _, q, n in lines] == [(Decimal(1), Decimal(28000)), (Decimal(3), Decimal(36000))]
    assert lines[1][0] == "3 done visits: 10/06, 10/15, 10/27"
    assert totals == _hand_totals(28000 + 3 * 12000) == (64000, 6400, 70400)


def test_annual_incident_client_with_level_5_and_feather(closed: Database) -> None:
    """October is the billing month: 25,000 + level 5 (investigation) 10,000 + feather 0."""
    totals, lines = _invoice(closed, "C3")
    assert lines == [
        ("2026-10 to 2027-09", Decimal(1), Decimal(25000)),
        ("troubleshooting needs investigation → level 5", Decimal(1), Decimal(10000)),
        (FEATHER, Decimal(1), Decimal(0)),
    ]
    assert totals == _hand_totals(25000 + 10000 + 0) == (35000, 3500, 38500)


def test_monthly_incident_client_over_its_maximum_and_limit(closed: Database) -> None:
    """Max 2 a month (15,000): level 2 included; feather free and not counted; level 4 extra 2,000;
    beyond the maximum: level 1 = 7,500, level 7 = 20,000 + 7,500 = 27,500 capped at its own 10,000 limit."""
    totals, lines = _invoice(closed, "C4")
    assert lines == [
        ("2026-10", Decimal(1), Decimal(15000)),
        ("call 20 min > 15 → level 2", Decimal(1), Decimal(0)),
        (FEATHER, Decimal(1), Decimal(0)),
        ("calls 30 + 20 = 50 min > 45 → level 4", Decimal(1), Decimal(2000)),
        ("chat 15 min > 10 → level 1; beyond the monthly maximum of 2", Decimal(1), Decimal(7500)),
        ("1 on-site visit ≥ 1 → level 7; beyond the monthly maximum of 2; fee 27500 capped at the limit 10000", Decimal(1), Decimal(10000)),
    ]
    assert totals == _hand_totals(15000 + 0 + 0 + 2000 + 7500 + 10000) == (34500, 3450, 37950)
    with closed.transaction() as session:
        capped = session.scalars(select(Incident).where(Incident.onsite_visits == 1)).one()
        assert (capped.level, capped.fee) == ("7", Decimal(10000))
        notices = fee_limit_notices(session, month=MONTH, now=NOW)
        assert [(n.incident_id, n.fee, n.limit, n.message) for n in notices] == [
            (capped.id, Decimal(27500), Decimal(10000), "limit reached: stop or continue?")
        ]


def test_recorded_continuation_bills_beyond_the_limit(database: Database) -> None:
    """When the client says continue before the close, the level-7 incident is billed 27,500 in full."""
    with database.transaction() as session:
        ids = build(session)
    with database.transaction() as session:
        decide_fee_limit(session, ids.capped_incident, proceed=True, now=NOW, rules=RULES)
    with database.transaction() as session:
        result = close_month(session, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
        assert fee_limit_notices(session, month=MONTH, now=NOW) == []
    monthly = next(i for i in result.invoices if i.client_code == "C4")
    assert monthly.gross_total == Decimal(_hand_totals(15000 + 2000 + 7500 + 27500)[2]) == Decimal(57200)


def test_chart_creation_and_absorbed_incident(database: Database) -> None:
    """Annual plan: an employee's first personal incident (chat 35 min, level 3 = 4,000) adds a カルテ at
    the annual level-3 price (4,000); an investigation converted into a tutoring job is a ¥0 line."""
    with database.transaction() as session:
        ids = build(session)
        contract = session.get(Contract, ids.annual_contract)
        assert contract is not None
        contract.options = {**contract.options, "personal_support": "all regular employees", "approver": "president"}
        client_id = contract.client_id
    opened = dt.datetime(2026, 10, 12, 9)
    with database.transaction() as session:
        personal = record_incident(session, IncidentEntry(
            client_id=client_id, opened_at=opened, closed_at=opened + dt.timedelta(hours=1), person="山田 花子", personal=True,
            employment="regular", approved_by="president", chat_minutes=35,
        ), rules=RULES, now=NOW)
        absorbed = record_incident(session, IncidentEntry(
            client_id=client_id, opened_at=opened + dt.timedelta(days=1), closed_at=opened + dt.timedelta(days=2),
            investigation=True, absorbed_into="家庭教師 J-7 (¥100,000)",
        ), rules=RULES, now=NOW)
    assert (personal.level, personal.reason, personal.billed, personal.chart_fee) == ("3", "chat 35 min > 30 → level 3", Decimal(4000), Decimal(4000))
    assert (absorbed.level, absorbed.fee, absorbed.billed, absorbed.absorbed) == ("5", Decimal(0), Decimal(0), True)
    with database.transaction() as session:
        result = close_month(session, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
        invoice = session.scalars(select(Invoice).where(Invoice.contract_id == ids.annual_contract)).one()
        nets = [(line.label.split(" ")[0], int(line.net)) for line in invoice.lines]
    assert nets == [("年額サポート基本料", 25000), ("インシデント", 10000), ("インシデント", 4000), ("カルテ作成", 4000),
                    ("インシデント", 0), ("インシデント", 0)]
    annual = next(i for i in result.invoices if i.client_code == "C3")
    assert (annual.net_total, annual.gross_total) == (Decimal(43000), Decimal(47300))


def test_closing_twice_gives_the_same_invoices(closed: Database) -> None:
    """A second close of October reports the same four invoices and writes nothing."""
    with closed.transaction() as session:
        before = [(i.number, i.gross_total, [(x.label, x.net) for x in i.lines]) for i in list_invoices(session)]
        count = session.scalar(select(func.count()).select_from(InvoiceLine))
    with closed.transaction() as session:
        again = close_month(session, "2026-10", today=TODAY, now=NOW)
    assert again.already_closed and [i.gross_total for i in again.invoices] == [105600, 70400, 38500, 37950]
    with closed.transaction() as session:
        assert [(i.number, i.gross_total, [(x.label, x.net) for x in i.lines]) for i in list_invoices(session)] == before
        assert session.scalar(select(func.count()).select_from(InvoiceLine)) == count


def test_editing_a_visit_in_the_closed_month_is_refused(closed: Database) -> None:
    """Changing an October visit after the close is refused with the month named; nothing changes."""
    with closed.transaction() as session:
        visit_id = session.scalars(select(Visit).where(Visit.date == dt.date(2026, 10, 14))).one().id
    with pytest.raises(LockedError, match=f"visit {visit_id} is in closed billing month 2026-10"):
        with closed.transaction() as session:
            visit = session.get(Visit, visit_id)
            assert visit is not None
            visit.actual_end = dt.datetime(2026, 10, 14, 15, 0)
    with closed.transaction() as session:
        visit = session.get(Visit, visit_id)
        assert visit is not None and visit.actual_end == dt.datetime(2026, 10, 14, 11, 0)


# --- the demo business, through the command line ------------------------------------------------------


def test_demo_month_closes_with_the_real_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`concierge billing close 2026-11` on the demo data: one invoice per billed contract, totals add up,
    every incident line carries the level and reason the level table gives; closing again is a no-op."""
    path = str(tmp_path / "demo.sqlite3")
    database = open_database(path)
    with database.transaction() as session:
        generate_demo(session, seed=7, today=dt.date(2026, 12, 2))
    database.engine.dispose()
    code, out, err = _run(capsys, "billing", "close", "2026-11", "--db", path, "--today", "2026-12-02", "--json")
    assert code == 0, err
    closed = json.loads(out)
    assert not closed["already_closed"] and len(closed["invoices"]) > 30
    database = open_database(path)
    with database.transaction() as session:
        invoices = list_invoices(session, month=dt.date(2026, 11, 1))
        assert len(invoices) == len(closed["invoices"])
        for invoice in invoices:
            assert sum(Decimal(line.net) for line in invoice.lines) == invoice.net_total > 0
            assert (invoice.net_total, invoice.tax, invoice.gross_total) == tuple(map(Decimal, _hand_totals(int(invoice.net_total))))
            assert invoice.issuer["tariff_version"] == "2026.1"
        incidents = session.scalars(
            select(Incident).where(Incident.closed_at >= dt.datetime(2026, 11, 1), Incident.closed_at < dt.datetime(2026, 12, 1))
        ).all()
        assert incidents
        for incident in incidents:
            contract = session.get(Contract, incident.contract_id)
            assert contract is not None
            expected = RULES.incident_level(incident_facts(incident, dt.datetime(2026, 12, 2)), scope=contract.options.get("scope", "normal"))
            assert (incident.level, incident.level_reason) == (expected.level, expected.reason)
    database.engine.dispose()
    code, out, _ = _run(capsys, "billing", "close", "2026-11", "--db", path, "--today", "2026-12-02", "--json")
    again = json.loads(out)
    assert code == 0 and again["already_closed"] and again["invoices"] == closed["invoices"]


def test_seat_lines_with_evening_coverage() -> None:
    """A seat contract covering evenings pays the tariff's 20% surcharge on its own line (15 PCs = 1.5 units)."""
    office = OfficeSeats(name="本社", lat=35.68, lon=139.76, pcs=15, servers=0)
    lines = RULES.seat_plan_lines([office], variant="per_cluster", rounding="half", service_hours=["evening"])
    assert [line.net for line in lines] == [Decimal(42000), Decimal(8400)]
    assert all(line.tax_rate == Decimal("0.10") for line in lines)
    assert RULES.invoice_totals(lines).gross_total == Decimal(55440)


def test_unknown_service_hours_is_a_clear_error() -> None:
    """A contract with coverage the tariff does not know is refused naming the field, not billed at a guess."""
    office = OfficeSeats(name="本社", lat=35.68, lon=139.76, pcs=10, servers=1)
    with pytest.raises(PricingError, match="service_hours: 'midnight'"):
        RULES.seat_plan_lines([office], variant="per_cluster", rounding="half", service_hours=["midnight"])
