"""Recording incidents: bad input names the field and writes nothing; level, fee, limit, chart, personal support."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from billing_fakes import FakeRules
from sqlalchemy import func, select

from data.db import Database
from data.errors import DataError, LockedError, ValidationError
from data.incidents import Assessment, IncidentEntry, decide_fee_limit, fee_limit_notices, record_incident
from data.locks import install_lock_guard
from data.models import Client, ClosedMonth, Contract, Incident

RULES = FakeRules()
OPENED = dt.datetime(2026, 11, 10, 10, 0)
NOW = dt.datetime(2026, 11, 20, 12, 0)


def _client(database: Database, **options: object) -> tuple[int, int]:
    plan: dict[str, object] = {"billing": "annual", "scope": "normal", "personal_support": "all regular employees", "approver": "president"}
    plan.update(options)
    with database.transaction() as session:
        client = Client(code="C1", name="光陽会計事務所")
        contract = Contract(plan="support_incidents", start_month=dt.date(2026, 1, 1), options=plan, fee_limit=Decimal(30000))
        client.contracts.append(contract)
        session.add(client)
        session.flush()
        return client.id, contract.id


def _record(database: Database, client_id: int, **fields: object) -> Assessment:
    entry = IncidentEntry(client_id=client_id, opened_at=OPENED, closed_at=OPENED + dt.timedelta(hours=2))
    for key, value in fields.items():
        setattr(entry, key, value)
    with database.transaction() as session:
        return record_incident(session, entry, rules=RULES, now=NOW)


def _count(database: Database) -> int:
    with database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"call_minutes": [10, -5]}, "call_minutes", "call_minutes: -5 is negative"),
    ({"chat_minutes": -1}, "chat_minutes", "chat_minutes: -1 is negative"),
    ({"mail_round_trips": -2}, "mail_round_trips", "mail_round_trips: -2 is negative"),
    ({"closed_at": OPENED - dt.timedelta(minutes=1)}, "closed_at", "closed_at: 2026-11-10 09:59 is before the incident was opened"),
    ({"level": "11"}, "level", "level: '11' is not one of feather, 1..10"),
    ({"level": "huge"}, "level", "level: 'huge' is not one of"),
    ({"consulting": "total"}, "consulting", "consulting: 'total' is not one of specific, general"),
    ({"fee_limit": Decimal(-1)}, "fee_limit", "fee_limit: -1 is negative"),
])
def test_bad_contact_records_are_refused_and_nothing_written(
    database: Database, fields: dict[str, object], field: str, message: str
) -> None:
    """Negative minutes, closing before opening, unknown level: an error naming the field, no row."""
    client_id, _ = _client(database)
    with pytest.raises(ValidationError, match=message) as info:
        _record(database, client_id, **fields)
    assert info.value.field == field
    assert _count(database) == 0


def test_unknown_scope_is_refused(database: Database) -> None:
    """A contract with a scope outside the tariff cannot take incidents."""
    client_id, _ = _client(database, scope="galactic")
    with pytest.raises(ValidationError, match="scope: 'galactic' is not one of normal, technical") as info:
        _record(database, client_id, call_minutes=[20])
    assert info.value.field == "scope" and _count(database) == 0


def test_level_and_fee_are_computed_and_stored(database: Database) -> None:
    """A 20-minute call on the annual plan: level 2 with its reason, 2,000 yen stored on the row."""
    client_id, _ = _client(database)
    result = _record(database, client_id, call_minutes=[20])
    with database.transaction() as session:
        stored = session.scalars(select(Incident)).one()
        assert (stored.level, stored.level_reason, stored.fee) == ("2", "call 20 min > 15 → level 2", Decimal(2000))
    assert result.billed == Decimal(2000)


def test_hand_set_level_is_kept(database: Database) -> None:
    """A level set by hand overrides the table and says so."""
    client_id, _ = _client(database)
    result = _record(database, client_id, call_minutes=[3], level="5")
    assert (result.level, result.reason, result.billed) == ("5", "level 5 set by hand", Decimal(10000))


def test_fee_limit_notice_and_continuation(database: Database) -> None:
    """Over its limit, an incident is billed at the limit and asks 'stop or continue?' until continued."""
    client_id, _ = _client(database)
    result = _record(database, client_id, onsite_visits=1, fee_limit=Decimal(0))  # feather as the limit
    assert (result.fee, result.billed, result.limit_reached) == (Decimal(40000), Decimal(0), True)
    with database.transaction() as session:
        notices = fee_limit_notices(session, month=NOW.date(), now=NOW, rules_for=lambda _c: RULES)
        assert [(n.fee, n.limit, n.message) for n in notices] == [(Decimal(40000), Decimal(0), "limit reached: stop or continue?")]
        decided = decide_fee_limit(session, notices[0].incident_id, proceed=True, now=NOW, rules=RULES)
        assert (decided.billed, decided.limit_reached) == (Decimal(40000), False)
        assert fee_limit_notices(session, month=NOW.date(), now=NOW, rules_for=lambda _c: RULES) == []


def test_contract_limit_applies_without_incident_limit(database: Database) -> None:
    """Without an incident limit, the contract's default (30,000) caps a level-7 fee of 40,000."""
    client_id, _ = _client(database)
    result = _record(database, client_id, onsite_visits=1)
    assert (result.billed, result.limit) == (Decimal(30000), Decimal(30000))


def test_absorbed_incident_costs_nothing(database: Database) -> None:
    """Converted into a tutoring job, the incident fee becomes 0 and the job's price stands."""
    client_id, _ = _client(database)
    result = _record(database, client_id, investigation=True, absorbed_into="家庭教師サービス 100,000円")
    assert (result.level, result.billed, result.absorbed) == ("5", Decimal(0), True)


def test_personal_support_needs_eligibility_and_approval(database: Database) -> None:
    """A part-timer is refused with the contract's rule; a regular employee needs the president's approval."""
    client_id, _ = _client(database)
    with pytest.raises(ValidationError, match=r"person: 山田 \(part_time\) cannot use personal support: contract allows all regular employees"):
        _record(database, client_id, personal=True, person="山田", employment="part_time", approved_by="president")
    with pytest.raises(ValidationError, match="approved_by: personal support for 山田 needs approval by the president"):
        _record(database, client_id, personal=True, person="山田", employment="regular")
    assert _count(database) == 0
    first = _record(database, client_id, personal=True, person="山田", employment="regular", approved_by="President",
                    call_minutes=[3])
    second = _record(database, client_id, personal=True, person="山田", employment="regular", approved_by="president",
                     call_minutes=[3])
    # First personal use: カルテ creation at the annual level-3 price (4,000); not again.
    assert (first.chart_fee, second.chart_fee) == (Decimal(4000), Decimal(0))


def test_personal_support_refused_when_contract_has_none(database: Database) -> None:
    """A contract without personal support refuses personal incidents, saying why."""
    client_id, _ = _client(database, personal_support=None)
    with pytest.raises(ValidationError, match="cannot use personal support: contract .* does not include it"):
        _record(database, client_id, personal=True, person="山田", employment="regular", approved_by="president")


def test_monthly_chart_consumes_an_incident(database: Database) -> None:
    """Monthly plan, max 1: the カルテ counts as the month's incident, so the actual incident is beyond it."""
    client_id, _ = _client(database, billing="monthly", max_incidents=1)
    result = _record(database, client_id, personal=True, person="山田", employment="regular", approved_by="president",
                     call_minutes=[20])
    assert (result.beyond_maximum, result.chart_counted, result.chart_beyond_maximum) == (
        False, True, True)


def test_incident_in_closed_month_is_locked(database: Database) -> None:
    """Recording into a closed month is refused with LockedError and writes nothing."""
    install_lock_guard(database.sessions)
    client_id, _ = _client(database)
    with database.transaction() as session:
        session.add(ClosedMonth(month=dt.date(2026, 11, 1), closed_at=NOW))
    with pytest.raises(LockedError, match="closed billing month 2026-11"):
        _record(database, client_id, call_minutes=[20])
    assert _count(database) == 0


def test_unknown_client_is_refused(database: Database) -> None:
    """An incident for a client that does not exist is refused."""
    with pytest.raises(DataError, match="client 999 does not exist"):
        _record(database, 999)
