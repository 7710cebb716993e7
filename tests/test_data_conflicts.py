"""Two people editing the same record: the second save is refused, never silently lost."""

from __future__ import annotations

import datetime as dt

import pytest

from data.db import Database
from data.errors import ConflictError
from data.models import Client, Office, VisitRequest


def _request(database: Database) -> int:
    with database.transaction() as session:
        client = Client(code="C1", name="青葉商事")
        office = Office(code="O1", name="本社", address="東京都千代田区丸の内1丁目", lat=35.68, lon=139.76)
        client.offices.append(office)
        request = VisitRequest(client=client, office=office, received_at=dt.datetime(2026, 11, 25, 9))
        session.add(request)
        session.flush()
        return request.id


INTERLEAVED_ONLY_ON_POSTGRESQL = (
    "SQLite runs one unit of work at a time (BEGIN IMMEDIATE): the second one waits and reads the first one's "
    "change, so it is never stale (see test_data_races.py and the seat/client form version checks)"
)


def test_second_concurrent_edit_of_a_visit_request_is_refused(database: Database) -> None:
    """Two dispatchers load the same request; the first save wins, the second gets a conflict message."""
    if database.engine.dialect.name == "sqlite":
        pytest.skip(INTERLEAVED_ONLY_ON_POSTGRESQL)
    request_id = _request(database)
    with pytest.raises(ConflictError, match="someone else changed"):
        with database.transaction() as theirs_session:
            theirs = theirs_session.get(VisitRequest, request_id)
            assert theirs is not None
            with database.transaction() as session:
                mine = session.get(VisitRequest, request_id)
                assert mine is not None
                mine.urgency = "emergency"
            theirs.urgency = "low"
    with database.transaction() as session:
        stored = session.get(VisitRequest, request_id)
        assert stored is not None and stored.urgency == "emergency" and stored.version == 2


def test_transaction_maps_stale_write_to_conflict(database: Database) -> None:
    """A unit of work whose row changed underneath it fails with ConflictError and writes nothing."""
    if database.engine.dialect.name == "sqlite":
        pytest.skip(INTERLEAVED_ONLY_ON_POSTGRESQL)
    request_id = _request(database)
    with pytest.raises(ConflictError), database.transaction() as session:
        row = session.get(VisitRequest, request_id)
        assert row is not None
        with database.transaction() as other:
            other_row = other.get(VisitRequest, request_id)
            assert other_row is not None
            other_row.description = "changed by the other dispatcher"
        row.description = "mine"
        session.flush()
    with database.transaction() as session:
        row = session.get(VisitRequest, request_id)
        assert row is not None and row.description == "changed by the other dispatcher"

