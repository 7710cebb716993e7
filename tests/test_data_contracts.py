"""Contracts as the admin records them: start on the first of a month, minimum term, notice, cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data.contract_rows import contract_rows, count_contracts
from data.contracts import (
    cancel_contract,
    cancellation_terms,
    contract_form_values,
    earliest_cancellation,
    parse_notice_day,
    save_contract,
    withdraw_cancellation,
)
from data.db import Database
from data.errors import ConflictError, ValidationError
from data.models import Client, Contract

D = dt.date


def _client(database: Database, code: str = "C1") -> int:
    with database.transaction() as s:
        client = Client(code=code, name="青葉商事")
        s.add(client)
        s.flush()
        return client.id


def _contract(database: Database, client_id: int, start: str = "2026-04", **extra: str) -> tuple[int, int]:
    with database.transaction() as s:
        contract = save_contract(s, {"plan": "concierge_seats", "start_month": start, **extra}, client_id=client_id)
        s.flush()
        return contract.id, contract.version


def _count(database: Database) -> int:
    with database.sessions() as s:
        return s.scalar(select(func.count(Contract.id))) or 0


@pytest.mark.parametrize(
    ("start", "requested", "effective", "rule"),
    [
        # the seed's example: to end on 30 November, give notice by 31 October
        (D(2026, 1, 1), D(2026, 10, 31), D(2026, 12, 1), "notice"),
        (D(2026, 1, 1), D(2026, 10, 1), D(2026, 12, 1), "notice"),
        (D(2026, 1, 1), D(2026, 11, 1), D(2027, 1, 1), "notice"),
        # no cancellation in the first three months: April-June always billed
        (D(2026, 4, 1), D(2026, 4, 10), D(2026, 7, 1), "minimum term"),
        (D(2026, 4, 1), D(2026, 5, 31), D(2026, 7, 1), "notice"),
        (D(2026, 4, 1), D(2026, 6, 2), D(2026, 8, 1), "notice"),
        # year boundary
        (D(2026, 11, 1), D(2026, 11, 20), D(2027, 2, 1), "minimum term"),
    ],
)
def test_earliest_cancellation_follows_minimum_term_and_notice(start: dt.date, requested: dt.date, effective: dt.date, rule: str) -> None:
    """The earliest unbilled month is the later of start + 3 months and the month after notice + 1 month."""
    terms = earliest_cancellation(start, requested)
    assert terms.effective == effective
    assert terms.decided_by == rule
    assert terms.last_day == effective - dt.timedelta(days=1)


def test_seed_example_sentence_names_the_last_day() -> None:
    """Notice on 31 October: the screen says service ends on 30 November."""
    terms = earliest_cancellation(D(2025, 4, 1), D(2026, 10, 31))
    assert "2026-11-30" in terms.describe() and "2026-11" in terms.describe()


def test_mid_month_start_is_recorded_from_the_first(database: Database) -> None:
    """A start typed as 15 December is billed as the whole of December."""
    client_id = _client(database)
    contract_id, _ = _contract(database, client_id, start="2026-12-15")
    with database.sessions() as s:
        contract = s.get(Contract, contract_id)
        assert contract is not None
        assert contract.start_month == D(2026, 12, 1)
        assert contract.options == {"variant": "per_cluster", "rounding": "half"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"plan": "gold", "start_month": "2026-04"}, "plan"),
        ({"plan": "concierge_seats", "start_month": ""}, "start_month"),
        ({"plan": "concierge_seats", "start_month": "2026-13"}, "start_month"),
        ({"plan": "concierge_seats", "start_month": "april"}, "start_month"),
        ({"plan": "concierge_seats", "start_month": "2026-04", "minimum_months": "-1"}, "minimum_months"),
        ({"plan": "concierge_seats", "start_month": "2026-04", "service_hours": "night"}, "service_hours"),
        ({"plan": "concierge_seats", "start_month": "2026-04", "fee_limit": "-5"}, "fee_limit"),
        ({"plan": "concierge_seats", "start_month": "2026-04", "rounding": "down"}, "rounding"),
        ({"plan": "support_incidents", "start_month": "2026-04", "billing": "monthly"}, "max_incidents"),
        ({"plan": "support_incidents", "start_month": "2026-04", "max_incidents": "0"}, "max_incidents"),
    ],
)
def test_bad_field_is_named_and_nothing_is_written(database: Database, values: dict[str, str], field: str) -> None:
    """A bad form value names its field and leaves the database unchanged."""
    client_id = _client(database)
    with pytest.raises(ValidationError, match=field) as caught:
        with database.transaction() as s:
            save_contract(s, values, client_id=client_id)
    assert caught.value.field == field
    assert _count(database) == 0


def test_incident_plan_keeps_its_limits(database: Database) -> None:
    """Monthly incident billing stores the incident limit, fee limit and approver the admin typed."""
    client_id = _client(database)
    with database.transaction() as s:
        contract = save_contract(s, {
            "plan": "support_incidents", "start_month": "2026-04", "billing": "monthly", "max_incidents": "3",
            "scope": "technical", "fee_limit": "¥50,000", "approver": "社長", "service_hours": "evening, saturday",
        }, client_id=client_id)
        s.flush()
        form = contract_form_values(contract)
    assert form["max_incidents"] == "3" and form["fee_limit"] == "50000" and form["approver"] == "社長"
    assert form["service_hours"] == "evening saturday" and form["scope"] == "technical"
    with database.sessions() as s:
        stored = s.scalars(select(Contract)).one()
        assert stored.fee_limit == Decimal(50000)
        assert stored.options["billing"] == "monthly"


def test_second_running_contract_for_the_same_client_is_refused(database: Database) -> None:
    """A client has one running contract; a new one may start only after the old one ends."""
    client_id = _client(database)
    first, version = _contract(database, client_id, start="2026-01")
    with pytest.raises(ValidationError, match="already has a contract") as caught:
        _contract(database, client_id, start="2026-06")
    assert caught.value.field == "start_month"
    with database.transaction() as s:
        cancel_contract(s, first, D(2026, 5, 10), expected_version=version)
    _contract(database, client_id, start="2026-07")
    assert _count(database) == 2


def test_cancel_records_the_earliest_effective_month(database: Database) -> None:
    """Cancelling in the first month stops billing only after the 3-month minimum."""
    client_id = _client(database)
    contract_id, version = _contract(database, client_id, start="2026-04")
    with database.sessions() as s:
        assert cancellation_terms(s, contract_id, D(2026, 4, 20)).effective == D(2026, 7, 1)
    with database.transaction() as s:
        terms = cancel_contract(s, contract_id, D(2026, 4, 20), expected_version=version)
    assert terms.last_day == D(2026, 6, 30)
    with database.sessions() as s:
        contract = s.get(Contract, contract_id)
        assert contract is not None
        assert (contract.status, contract.cancelled_effective) == ("cancelled", D(2026, 7, 1))
        row = contract_rows(s, D(2026, 4, 20))[0]
        assert row.status_text == "ends 2026-06-30"


def test_cancel_earlier_than_allowed_is_refused(database: Database) -> None:
    """Asking for an end inside the notice period names the effective field and writes nothing."""
    client_id = _client(database)
    contract_id, version = _contract(database, client_id, start="2025-01")
    with pytest.raises(ValidationError, match="earliest is 2026-12") as caught:
        with database.transaction() as s:
            cancel_contract(s, contract_id, D(2026, 10, 15), effective="2026-11", expected_version=version)
    assert caught.value.field == "effective"
    with database.transaction() as s:
        terms = cancel_contract(s, contract_id, D(2026, 10, 15), effective="2027-03", expected_version=version)
    assert terms.effective == D(2027, 3, 1)


def test_cancel_twice_and_withdraw(database: Database) -> None:
    """A cancelled contract cannot be cancelled again; withdrawing the cancellation makes it run on."""
    client_id = _client(database)
    contract_id, _ = _contract(database, client_id, start="2025-01")
    with database.transaction() as s:
        cancel_contract(s, contract_id, D(2026, 10, 15))
    with pytest.raises(ValidationError, match="already cancelled"):
        with database.transaction() as s:
            cancel_contract(s, contract_id, D(2026, 10, 16))
    with database.transaction() as s:
        contract = withdraw_cancellation(s, contract_id)
        assert contract.status == "active" and contract.cancelled_effective is None


def test_stale_edit_is_a_conflict(database: Database) -> None:
    """Someone else changed the contract since the form opened: the save is refused, their change kept."""
    client_id = _client(database)
    contract_id, version = _contract(database, client_id, start="2026-04")
    with database.transaction() as s:
        save_contract(s, {"plan": "concierge_seats", "start_month": "2026-04", "service_hours": "evening"},
                      contract_id=contract_id, expected_version=version)
    with pytest.raises(ConflictError):
        with database.transaction() as s:
            save_contract(s, {"plan": "concierge_seats", "start_month": "2026-05"}, contract_id=contract_id,
                          expected_version=version)
    with pytest.raises(ConflictError):
        with database.transaction() as s:
            cancel_contract(s, contract_id, D(2026, 5, 1), expected_version=version)
    with database.sessions() as s:
        contract = s.get(Contract, contract_id)
        assert contract is not None
        assert contract.start_month == D(2026, 4, 1) and contract.service_hours == ["evening"]
        assert contract.status == "active"


def test_new_contract_by_client_code(database: Database) -> None:
    """The form may name the client by code; an unknown code is shown under "client"."""
    _client(database, "C0042")
    with database.transaction() as s:
        contract = save_contract(s, {"client": "C0042", "plan": "concierge_seats", "start_month": "2026-12"})
        s.flush()
        assert contract.client.code == "C0042"
    with pytest.raises(ValidationError, match="C0099") as caught:
        with database.transaction() as s:
            save_contract(s, {"client": "C0099", "plan": "concierge_seats", "start_month": "2026-12"})
    assert caught.value.field == "client"
    with database.sessions() as s:
        rows = contract_rows(s, D(2026, 12, 5), search="青葉")
        assert [r.client_code for r in rows] == ["C0042"] and rows[0].earliest_end == D(2027, 2, 28)


def test_long_contract_list_is_limited_but_counted(database: Database) -> None:
    """A large book lists the first rows only, while the count says how many match."""
    for n in range(3):
        client_id = _client(database, f"C{n:04d}")
        _contract(database, client_id, start="2026-01")
    with database.sessions() as s:
        assert len(contract_rows(s, D(2026, 11, 25), limit=2)) == 2
        assert count_contracts(s) == 3 and count_contracts(s, search="C0002") == 1


@pytest.mark.parametrize(("raw", "expected"), [("", D(2026, 11, 25)), ("2026-10-31", D(2026, 10, 31)), ("2026/11/02", D(2026, 11, 2))])
def test_notice_day_defaults_to_today(raw: str, expected: dt.date) -> None:
    """The notice day is typed as a date, or today when left empty."""
    assert parse_notice_day(raw, D(2026, 11, 25)) == expected


@pytest.mark.parametrize("raw", ["2026-11-26", "31 Oct", "2026-02-30"])
def test_bad_notice_day_is_named(raw: str) -> None:
    """A notice day in the future or not a date names the requested_on field."""
    with pytest.raises(ValidationError) as caught:
        parse_notice_day(raw, D(2026, 11, 25))
    assert caught.value.field == "requested_on"
