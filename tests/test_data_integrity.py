"""Rules the database itself enforces (migration 0002), and what the user reads when it refuses."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import sqlalchemy as sa
from billing_fakes import FakeRules
from billing_scenario import MONTH, NOW, TODAY, build
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from data.billing import close_month
from data.contracts import cancel_contract, save_contract, withdraw_cancellation
from data.db import Database, make_engine
from data.errors import BusyError, DataError, LockedError, NotFoundError, ValidationError
from data.models import Client, Contract, Incident, Office, Seat, Visit

D = dt.date


def _unguarded(database: Database) -> Database:
    """Sessions without the app's before-flush checks: what another tool or a bug would write."""
    return Database(url=database.url, engine=database.engine, sessions=sessionmaker(database.engine, expire_on_commit=False))


def _client(database: Database) -> int:
    with database.transaction() as s:
        client = Client(code="C1", name="青葉商事")
        s.add(client)
        s.flush()
        return client.id


def _add_contract(database: Database, client_id: int, start: dt.date, *, status: str = "active",
                  effective: dt.date | None = None) -> int:
    with database.transaction() as s:
        contract = Contract(client_id=client_id, plan="concierge_seats", start_month=start, status=status,
                            cancelled_effective=effective)
        s.add(contract)
        s.flush()
        return contract.id


# --- closed months -------------------------------------------------------------------------------------


@pytest.fixture
def closed(database: Database) -> Database:
    with database.transaction() as s:
        build(s)
    with database.transaction() as s:
        close_month(s, MONTH, today=TODAY, now=NOW, rules_for=lambda _c: FakeRules())
    return database


def test_database_refuses_changes_in_a_closed_month_that_skip_the_app_checks(closed: Database) -> None:
    """Even a writer that bypasses the app's checks cannot change, add or delete October's visits or
    incidents once October is closed; November's stay writable."""
    raw = _unguarded(closed)
    with raw.sessions() as s:
        october = s.scalars(select(Visit.id).where(Visit.date == D(2026, 10, 14))).one()
        november = s.scalars(select(Visit.id).where(Visit.date == D(2026, 11, 2))).one()
        incident = s.scalars(select(Incident.id).where(Incident.closed_at < dt.datetime(2026, 11, 1))).first()
    with pytest.raises(LockedError, match="closed billing month"):
        with raw.transaction() as s:
            s.get(Visit, october).work_slip = "後から修正"  # type: ignore[union-attr]
    with pytest.raises(LockedError, match="closed billing month"):
        with raw.transaction() as s:
            s.delete(s.get(Visit, october))
    with pytest.raises(LockedError, match="closed billing month"):
        with raw.transaction() as s:
            s.get(Visit, november).date = D(2026, 10, 31)  # type: ignore[union-attr]
    with pytest.raises(LockedError, match="closed billing month"):
        with raw.transaction() as s:
            s.get(Incident, incident).chat_minutes = 99  # type: ignore[union-attr]
    with pytest.raises(LockedError, match="closed billing month"):
        with raw.transaction() as s:
            visit = s.get(Visit, november)
            assert visit is not None
            s.add(Visit(request_id=visit.request_id, concierge_id=visit.concierge_id, date=D(2026, 10, 5),
                        planned_start=dt.datetime(2026, 10, 5, 10), planned_end=dt.datetime(2026, 10, 5, 11)))
    with raw.transaction() as s:
        s.get(Visit, november).work_slip = "対応完了"  # type: ignore[union-attr]
    with pytest.raises(sa.exc.IntegrityError):  # plain SQL as well
        with closed.engine.begin() as conn:
            conn.execute(sa.text("UPDATE visit SET work_slip = 'x' WHERE id = :id"), {"id": october})


def test_closed_month_triggers_exist_at_head(database: Database) -> None:
    """A later migration that rebuilds a table on SQLite (batch mode) would drop these triggers: keep them."""
    if database.engine.dialect.name != "sqlite":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    with database.engine.connect() as conn:
        names = set(conn.execute(sa.text(query)).scalars())
    if database.engine.dialect.name == "sqlite":
        assert {f"tr_{t}_closed_month_{op}" for t in ("visit", "incident") for op in ("insert", "update", "delete")} <= names
        assert {"tr_contract_one_running_insert", "tr_contract_one_running_update"} <= names
    else:
        assert {"tr_visit_closed_month", "tr_incident_closed_month"} <= names


# --- one running contract ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "allowed"),
    [
        ((D(2026, 1, 1), "active", None), D(2027, 1, 1), False),          # open-ended: any later start overlaps
        ((D(2026, 1, 1), "cancelled", D(2026, 7, 1)), D(2026, 7, 1), True),   # starts the month billing stops
        ((D(2026, 1, 1), "cancelled", D(2026, 7, 1)), D(2026, 6, 1), False),  # one month of overlap
        ((D(2026, 1, 1), "cancelled", None), D(2026, 3, 1), True),         # cancelled without an end: not running
        ((D(2026, 6, 1), "active", None), D(2026, 1, 1), False),           # the new one runs on into the old one
    ],
)
def test_database_allows_one_running_contract_per_client(
    database: Database, first: tuple[dt.date, str, dt.date | None], second: dt.date, allowed: bool
) -> None:
    """Whatever writes the contract, a client never has two running at once (PostgreSQL: an exclusion
    constraint; SQLite: triggers), and the refusal names the start month."""
    client_id = _client(database)
    _add_contract(database, client_id, first[0], status=first[1], effective=first[2])
    if allowed:
        _add_contract(database, client_id, second)
        return
    with pytest.raises(ValidationError, match="already has a contract running") as caught:
        _add_contract(database, client_id, second)
    assert caught.value.field == "start_month"


def test_withdrawing_a_cancellation_cannot_make_two_contracts_run(database: Database) -> None:
    """A client moved to a new contract after cancelling; withdrawing the old cancellation is refused."""
    client_id = _client(database)
    with database.transaction() as s:
        old = save_contract(s, {"plan": "concierge_seats", "start_month": "2025-01"}, client_id=client_id)
        s.flush()
        cancel_contract(s, old.id, D(2026, 5, 10))
        old_id = old.id
    with database.transaction() as s:
        save_contract(s, {"plan": "support_incidents", "start_month": "2026-07"}, client_id=client_id)
    with pytest.raises(ValidationError, match="another contract running since 2026-07") as caught:
        with database.transaction() as s:
            withdraw_cancellation(s, old_id)
    assert caught.value.field == "contract"
    with pytest.raises(ValidationError, match="already has a contract running"):  # the database agrees
        with _unguarded(database).transaction() as s:
            contract = s.get(Contract, old_id)
            assert contract is not None
            contract.status, contract.cancelled_effective = "active", None
    with database.sessions() as s:
        assert s.scalar(select(func.count()).where(Contract.status == "active")) == 1


# --- refusals in words ---------------------------------------------------------------------------------


def test_a_code_taken_meanwhile_is_named_not_dumped(database: Database) -> None:
    """A duplicate that reaches the database reads 'code: ... already used', never 'duplicate key'."""
    _client(database)
    with pytest.raises(ValidationError) as caught:
        with database.transaction() as s:
            s.add(Client(code="C1", name="別会社"))
    assert caught.value.field == "code" and "already used by another client" in str(caught.value)
    assert "duplicate" not in str(caught.value) and "UNIQUE" not in str(caught.value)


def test_a_value_the_database_refuses_names_its_field(database: Database) -> None:
    """A check constraint the validators missed still ends as a sentence naming the column."""
    with database.transaction() as s:
        client = Client(code="C1", name="青葉商事")
        office = Office(code="O1", name="本社", address="東京都", lat=35.6, lon=139.7)
        client.offices.append(office)
        s.add(client)
    with pytest.raises(ValidationError, match="count: must be above zero") as caught:
        with database.transaction() as s:
            s.add(Seat(office_id=1, label="PC", kind="pc", count=0))
    assert caught.value.field == "count"


def test_a_record_deleted_meanwhile_is_a_sentence(database: Database) -> None:
    """A seat line for an office someone deleted meanwhile: 'no longer exists', not a foreign-key dump."""
    with pytest.raises(NotFoundError, match="no longer exists"):
        with database.transaction() as s:
            s.add(Seat(office_id=999, label="PC", kind="pc", count=1))


def test_sqlite_busy_for_too_long_is_a_sentence(tmp_path: object) -> None:
    """When another user's long change keeps the SQLite file busy past the wait, the save is refused with
    a sentence saying nothing was saved (not 'database is locked')."""
    from pathlib import Path

    from data.db import make_session_factory, upgrade

    assert isinstance(tmp_path, Path)
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()  # new connections only, each waiting 50 ms instead of 5 s
    sa.event.listen(engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=50"))
    database = Database(url=url, engine=engine, sessions=make_session_factory(engine))
    holder = sqlite3.connect(tmp_path / "busy.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # someone else's long import is writing
    with pytest.raises(BusyError, match="nothing was saved") as caught:
        with database.transaction() as s:
            s.add(Client(code="C1", name="青葉商事"))
    holder.execute("ROLLBACK")
    holder.close()
    assert isinstance(caught.value, DataError)
    engine.dispose()
