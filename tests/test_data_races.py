"""Two people saving at the same moment, with the interleaving forced (tests/race_threads.py): nothing is
lost, nothing is billed wrongly, and every refusal is a sentence naming the field.

Each test holds user A's transaction open right after A wrote, starts user B on another connection, waits
until B is blocked behind A (PostgreSQL) or queued for SQLite's single writer, and only then lets A commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from billing_fakes import FakeRules
from billing_scenario import MONTH, NOW, TODAY, build
from race_threads import Racer, blocked_behind, second_user
from sqlalchemy import func, select

from data.archive import delete_seat
from data.billing import close_month
from data.billing_rules import BillingRules
from data.contracts import save_contract
from data.db import Database
from data.errors import ConflictError, LockedError, ValidationError
from data.invoice_lines import contract_lines
from data.models import Client, Contract, Invoice, Office, Seat, Visit, VisitRequest
from data.queries import client_detail
from data.records import save_client, save_seat

RULES = FakeRules()


def rules_for(_contract: Contract) -> BillingRules:
    return RULES


@pytest.fixture
def other(database: Database) -> Iterator[Database]:
    """The second user: the same database through an engine of their own."""
    theirs = second_user(database)
    yield theirs
    theirs.engine.dispose()


def _office(database: Database) -> int:
    with database.transaction() as s:
        client = Client(code="C1", name="青葉商事")
        office = Office(code="O1", name="本社", address="東京都千代田区丸の内1丁目", lat=35.68, lon=139.76)
        office.seats.append(Seat(label="PC", kind="pc", os="windows", count=10))
        client.offices.append(office)
        s.add(client)
        s.flush()
        return office.id


def _seat_values(count: int, label: str = "PC") -> dict[str, str]:
    return {"label": label, "kind": "pc", "os": "windows", "count": str(count)}


# --- 1. seats have a version -------------------------------------------------------------------------


def test_seat_saved_while_another_save_is_in_flight_is_refused(database: Database, other: Database) -> None:
    """Two admins opened the same seat line (10 PCs); A saves 12, B saves 15 while A's save is in flight:
    B is told someone else changed it, and A's 12 stays (no lost update)."""
    office_id = _office(database)
    with database.sessions() as s:
        seat = s.scalars(select(Seat)).one()
        seat_id, opened = seat.id, seat.version

    def b_saves() -> None:
        with other.transaction() as s:
            save_seat(s, _seat_values(15), seat_id=seat_id, office=s.get(Office, office_id), expected_version=opened)

    b = Racer(b_saves)
    with database.transaction() as s:
        save_seat(s, _seat_values(12), seat_id=seat_id, office=s.get(Office, office_id), expected_version=opened)
        s.flush()
        b.start()
        blocked_behind(database, b)
    b.finish()
    assert isinstance(b.error, ConflictError), b.error
    assert "the seat line 'PC'" in str(b.error) or "someone else changed" in str(b.error)
    with database.sessions() as s:
        stored = s.get(Seat, seat_id)
        assert stored is not None and (stored.count, stored.version) == (12, opened + 1)


def test_stale_seat_form_is_refused_by_name(database: Database) -> None:
    """A seat form opened before someone else's save is refused naming the line, in the user's words."""
    office_id = _office(database)
    with database.sessions() as s:
        seat = s.scalars(select(Seat)).one()
        seat_id, opened = seat.id, seat.version
    with database.transaction() as s:
        save_seat(s, _seat_values(11), seat_id=seat_id, office=s.get(Office, office_id), expected_version=opened)
    with pytest.raises(ConflictError, match=r"the seat line 'PC' at 本社 was changed by someone else.*reload"):
        with database.transaction() as s:
            save_seat(s, _seat_values(13), seat_id=seat_id, office=s.get(Office, office_id), expected_version=opened)
    with database.sessions() as s:
        assert s.get(Seat, seat_id).count == 11  # type: ignore[union-attr]


def test_deleting_a_seat_line_someone_changed_meanwhile_is_refused(database: Database) -> None:
    """The seat list was shown with 10 PCs; someone made it 12; Del on the old line is refused, not applied."""
    _office(database)
    with database.sessions() as s:
        seat = s.scalars(select(Seat)).one()
        seat_id, shown = seat.id, seat.version
    with database.transaction() as s:
        s.get(Seat, seat_id).count = 12  # type: ignore[union-attr]
    with pytest.raises(ConflictError, match="seat line 'PC' was changed by someone else"):
        with database.transaction() as s:
            delete_seat(s, seat_id, expected_version=shown)
    with database.sessions() as s:
        assert s.get(Seat, seat_id).count == 12  # type: ignore[union-attr]


# --- 2. billing close against work slips --------------------------------------------------------------


def _planned_october_visit(session: object) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return session.scalars(select(Visit.id).where(Visit.status == "planned", Visit.date == dt.date(2026, 10, 30))).one()


def _slip(database: Database, visit_id: int) -> None:
    """The concierge's work slip: the planned visit of 30 October was done (a billed spot visit)."""
    with database.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit is not None
        visit.status = "done"
        visit.actual_start = visit.planned_start
        visit.actual_end = visit.planned_end
        visit.work_slip = "ルータ再起動"


def _invoices_match_the_data(database: Database) -> None:
    """Every invoice of the closed month equals what its locked records give now."""
    with database.sessions() as s:
        invoices = list(s.scalars(select(Invoice).where(Invoice.month == MONTH)))
        assert invoices
        for invoice in invoices:
            contract = s.get(Contract, invoice.contract_id)
            assert contract is not None
            if contract.plan != "concierge_seats":
                continue
            expected = [(line.label, line.net) for line in contract_lines(s, contract, MONTH, RULES, NOW)]
            assert [(line.label, line.net) for line in invoice.lines] == expected, invoice.number
        s.rollback()


def test_work_slip_saved_while_the_month_closes_waits_and_is_refused(database: Database, other: Database) -> None:
    """billing close runs; a concierge saves a slip of that month meanwhile: the slip waits for the close,
    then is refused as invoiced; the invoice and the visit agree."""
    with database.transaction() as s:
        build(s)
        visit_id = _planned_october_visit(s)
    slip = Racer(lambda: _slip(other, visit_id))
    with database.transaction() as s:
        close_month(s, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
        slip.start()
        blocked_behind(database, slip)
    slip.finish()
    assert isinstance(slip.error, LockedError), slip.error
    assert "closed billing month 2026-10" in str(slip.error)
    with database.sessions() as s:
        assert s.get(Visit, visit_id).status == "planned"  # type: ignore[union-attr]
    _invoices_match_the_data(database)


def test_billing_close_waits_for_a_slip_being_saved(database: Database, other: Database) -> None:
    """A slip of October is being saved when billing close starts: the close waits for it and bills it."""
    with database.transaction() as s:
        build(s)
        visit_id = _planned_october_visit(s)
    closer = Racer(lambda: _close(other))
    with database.transaction() as s:
        visit = s.get(Visit, visit_id)
        assert visit is not None
        visit.status, visit.actual_start, visit.actual_end = "done", visit.planned_start, visit.planned_end
        s.flush()
        closer.start()
        blocked_behind(database, closer)
    closer.finish()
    assert closer.error is None, closer.error
    _invoices_match_the_data(database)
    with database.sessions() as s:
        spot = [line for i in s.scalars(select(Invoice)) for line in i.lines if "spot" in line.label]
        assert [int(line.quantity) for line in spot] == [4]  # 3 earlier visits + the slip saved first


def _close(database: Database) -> None:
    with database.transaction() as s:
        close_month(s, MONTH, today=TODAY, now=NOW, rules_for=rules_for)


# --- 3. one running contract per client ---------------------------------------------------------------


def test_two_admins_adding_a_contract_for_one_client_at_once(database: Database, other: Database) -> None:
    """Both check that the client has no running contract, both save: the second is refused under the
    start month field; the client is billed once."""
    with database.transaction() as s:
        client = Client(code="C1", name="青葉商事")
        s.add(client)
        s.flush()
        client_id = client.id

    def b_saves() -> None:
        with other.transaction() as s:
            save_contract(s, {"plan": "support_incidents", "start_month": "2026-06"}, client_id=client_id)

    b = Racer(b_saves)
    with database.transaction() as s:
        save_contract(s, {"plan": "concierge_seats", "start_month": "2026-04"}, client_id=client_id)
        s.flush()
        b.start()
        blocked_behind(database, b)
    b.finish()
    assert isinstance(b.error, ValidationError), b.error
    assert b.error.field == "start_month" and "already has a contract running" in str(b.error)
    with database.sessions() as s:
        assert s.scalar(select(func.count(Contract.id))) == 1


# --- 4. codes given out by the app, labels typed by two people -----------------------------------------


def test_two_clients_saved_without_a_code_at_once_get_different_codes(database: Database, other: Database) -> None:
    """Blank code = next free code; two admins saving at the same moment get C0001 and C0002, no error."""
    b = Racer(lambda: _new_client(other, "まちかどベーカリー"))
    with database.transaction() as s:
        save_client(s, {"name": "青葉商事"})
        s.flush()
        b.start()
        blocked_behind(database, b)
    b.finish()
    assert b.error is None, b.error
    with database.sessions() as s:
        assert sorted(s.scalars(select(Client.code))) == ["C0001", "C0002"]


def _new_client(database: Database, name: str) -> None:
    with database.transaction() as s, s.no_autoflush:
        save_client(s, {"name": name})


def test_same_seat_label_added_by_two_at_once_is_refused_under_the_label(database: Database, other: Database) -> None:
    """Two admins add a 'Mac' line to one office at once: the second gets the label field's sentence."""
    office_id = _office(database)

    def b_adds() -> None:
        with other.transaction() as s:
            save_seat(s, _seat_values(2, "Mac"), office=s.get(Office, office_id))

    b = Racer(b_adds)
    with database.transaction() as s:
        save_seat(s, _seat_values(3, "Mac"), office=s.get(Office, office_id))
        s.flush()
        b.start()
        blocked_behind(database, b)
    b.finish()
    assert isinstance(b.error, ValidationError), b.error
    assert b.error.field == "label" and "duplicate key" not in str(b.error)
    with database.sessions() as s:
        assert s.scalars(select(Seat.count).where(Seat.label == "Mac")).one() == 3


# --- 7. SQLite: edits of different records are never conflicts ----------------------------------------


def test_edits_of_different_clients_at_the_same_time_are_all_saved(database: Database) -> None:
    """Four people each edit their own client 15 times at once: all 60 saves succeed (SQLite used to
    refuse about a third of them as conflicts)."""
    with database.transaction() as s:
        ids = []
        for n in range(4):
            client = Client(code=f"C{n}", name=f"顧客{n}")
            s.add(client)
            s.flush()
            ids.append(client.id)
    users = [second_user(database) for _ in ids]

    def edits(user: Database, client_id: int) -> int:
        refused = 0
        for n in range(15):
            with user.sessions() as s:
                detail = client_detail(s, client_id)
            try:
                with user.transaction() as s:
                    save_client(s, {**detail.values(), "notes": f"edit {n}"}, client_id=client_id,
                                expected_version=detail.version)
            except ConflictError:
                refused += 1
        return refused

    racers = [Racer(lambda u=u, c=c: edits(u, c)) for u, c in zip(users, ids, strict=True)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.finish()
        assert racer.error is None, racer.error
    for user in users:
        user.engine.dispose()
    assert [r.result for r in racers] == [0, 0, 0, 0]
    with database.sessions() as s:
        assert sorted(s.scalars(select(Client.version))) == [16, 16, 16, 16]


def test_requests_unrelated_to_the_slip_stay_editable_during_a_close(database: Database, other: Database) -> None:
    """A close of October does not block a dispatcher editing a request of another month for long: it
    is saved as soon as the close commits (PostgreSQL: right away)."""
    with database.transaction() as s:
        build(s)
        request_id = s.scalars(select(VisitRequest.id).order_by(VisitRequest.id.desc())).first()

    def edit() -> None:
        with other.transaction() as s:
            request = s.get(VisitRequest, request_id)
            assert request is not None
            request.description = "鍵は受付で"

    dispatcher = Racer(edit)
    with database.transaction() as s:
        close_month(s, MONTH, today=TODAY, now=NOW, rules_for=rules_for)
        dispatcher.start()
        blocked_behind(database, dispatcher)
    dispatcher.finish()
    assert dispatcher.error is None, dispatcher.error
