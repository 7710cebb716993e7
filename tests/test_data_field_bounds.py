"""Money and count fields are bounded at validation: a figure the database cannot hold exactly (or at
all) is refused under its field, on SQLite and PostgreSQL alike, and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from admin_host import AdminHost, demo_context, settle
from sqlalchemy import select

from data.contracts import save_contract
from data.db import Database
from data.errors import ValidationError
from data.fields import INT_MAX, YEN_MAX, integer, money, text
from data.incidents import IncidentEntry, validate_entry
from data.models import Contract, Seat
from data.records import save_client, save_seat
from tui.screens.contract_form import ContractFormScreen
from tui.widgets.form import FormField

HUGE = "9" * 20
"""Beyond Numeric(14, 0) and a 64-bit integer: PostgreSQL refused it with a crash, SQLite stored another amount."""


def _contract_values(**extra: str) -> dict[str, str]:
    return {"plan": "concierge_seats", "start_month": "2027-01", "client": "C0001", **extra}


@pytest.mark.parametrize(
    "fee_limit", [HUGE, "100000001", pytest.param("1" + "0" * 5000, id="5001-digits"), "1e30", "-5"]
)
def test_a_contract_fee_limit_beyond_the_money_bound_is_refused_by_name(database: Database, fee_limit: str) -> None:
    """fee_limit 20 nines / ¥100,000,001 / a 5,001-digit number: "fee_limit: …" and no contract is written."""
    demo_context(database)
    with database.sessions() as session:
        before = len(session.scalars(select(Contract.id)).all())
    with pytest.raises(ValidationError) as caught, database.transaction() as session:
        save_contract(session, _contract_values(fee_limit=fee_limit))
    assert caught.value.field == "fee_limit"
    assert len(str(caught.value)) < 160
    with database.sessions() as session:
        assert len(session.scalars(select(Contract.id)).all()) == before


def test_the_largest_accepted_fee_limit_is_stored_exactly(database: Database) -> None:
    """¥100,000,000 is the bound, and it round-trips to the yen on both databases."""
    demo_context(database)
    with database.transaction() as session:
        contract = session.get(Contract, 1)
        assert contract is not None
        contract.fee_limit = money({"fee_limit": "¥100,000,000"}, "fee_limit")
    with database.sessions() as session:
        stored = session.get(Contract, 1)
        assert stored is not None and stored.fee_limit == YEN_MAX == Decimal(100_000_000)


@pytest.mark.parametrize(("field", "typed"), [("count", HUGE), ("count", "100001"), ("purchase_year", HUGE)])
def test_a_seat_count_beyond_its_bound_is_refused_by_name(database: Database, field: str, typed: str) -> None:
    """A seat line of 10^20 PCs is refused under count; nothing is written."""
    demo_context(database)
    with database.sessions() as session:
        office = session.scalars(select(Seat.office_id)).first()
        seats = len(session.scalars(select(Seat.id)).all())
    values = {"label": "Bulk", "kind": "pc", field: typed}
    with pytest.raises(ValidationError) as caught, database.transaction() as session:
        from data.models import Office

        save_seat(session, values, office=session.get(Office, office))
    assert caught.value.field == field
    with database.sessions() as session:
        assert len(session.scalars(select(Seat.id)).all()) == seats


def test_every_count_is_bounded_by_the_integer_column() -> None:
    """A count without its own maximum still stops at PostgreSQL's INTEGER; the message quotes at most 40 characters."""
    assert integer({"n": str(INT_MAX)}, "n") == INT_MAX
    with pytest.raises(ValidationError, match="n: 2147483648 is above 2147483647"):
        integer({"n": str(INT_MAX + 1)}, "n")
    with pytest.raises(ValidationError) as caught:
        integer({"n": "7" * 10_000}, "n")
    assert caught.value.field == "n" and len(str(caught.value)) < 80


def test_incident_counts_and_limits_are_bounded() -> None:
    """An incident with 2^40 mails or a ¥10^15 limit is refused naming the field."""
    opened = dt.datetime(2026, 11, 2, 10, 0)
    with pytest.raises(ValidationError) as caught:
        validate_entry(IncidentEntry(client_id=1, opened_at=opened, mail_round_trips=2**40))
    assert caught.value.field == "mail_round_trips"
    with pytest.raises(ValidationError) as caught:
        validate_entry(IncidentEntry(client_id=1, opened_at=opened, fee_limit=Decimal(10**15)))
    assert caught.value.field == "fee_limit"


@pytest.mark.parametrize("typed", ["Tanaka\x1b]0;pwned\x07", "a\rb", "\u202eevil", "two\nlines"])
def test_a_name_with_control_characters_is_refused(typed: str) -> None:
    """ESC, CR, bidi overrides and line breaks are no part of a name (notes may have line breaks)."""
    with pytest.raises(ValidationError, match="name: contains"):
        text({"name": typed}, "name")
    assert text({"notes": "two\nlines"}, "notes", multiline=True) == "two\nlines"


def test_a_client_named_with_markup_is_kept_as_typed(database: Database) -> None:
    """Square brackets are ordinary characters: `Tanaka [/inc]` is saved as typed."""
    with database.transaction() as session:
        client = save_client(session, {"name": "Tanaka [/inc]"})
    with database.sessions() as session:
        from data.models import Client

        assert session.get(Client, client.id).name == "Tanaka [/inc]"  # type: ignore[union-attr]


async def test_contract_form_names_a_huge_fee_limit_under_the_field(database: Database) -> None:
    """The contract form with fee limit 20 nines: the message sits under "Fee limit", the form stays, nothing saved."""
    ctx = demo_context(database)
    app = AdminHost(lambda: ContractFormScreen(ctx, 1))
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        form.query_one("#field-fee_limit", FormField).value = HUGE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "above" in form.query_one("#field-fee_limit", FormField).error
    with database.sessions() as session:
        stored = session.get(Contract, 1)
        assert stored is not None and stored.fee_limit is None
