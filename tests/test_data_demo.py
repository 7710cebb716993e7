"""The demo business: deterministic, realistic, and placed on real land in Tokyo and Osaka."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from data.db import Database
from data.demo import business_days, generate_demo
from data.models import Client, Concierge, Contract, Office, Seat, VisitRequest

# Bounding boxes of the built-up areas the demo uses (Tokyo metropolis + Yokohama/Kawasaki, Osaka).
TOKYO_BOX = (35.40, 35.80, 139.35, 139.90)
OSAKA_BOX = (34.55, 34.80, 135.40, 135.60)


def _inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def test_demo_is_a_realistic_tokyo_osaka_business(database: Database) -> None:
    """About 40 clients, ~1,500 seats, 8-10 concierges, both plan kinds, offices on land in either city."""
    with database.transaction() as session:
        summary = generate_demo(session, seed=7, today=dt.date(2026, 11, 25))
    with database.transaction() as session:
        assert session.scalar(select(func.count(Client.id))) == 40
        seats = session.scalar(select(func.sum(Seat.count))) or 0
        assert 1200 <= seats <= 1800
        assert 8 <= (session.scalar(select(func.count(Concierge.id))) or 0) <= 10
        plans = set(session.scalars(select(Contract.plan)))
        assert plans == {"concierge_seats", "support_incidents"}
        offices = session.execute(select(Office.lat, Office.lon)).all()
        assert all(_inside(la, lo, TOKYO_BOX) or _inside(la, lo, OSAKA_BOX) for la, lo in offices)
        assert any(_inside(la, lo, OSAKA_BOX) for la, lo in offices)
        franchise = session.scalars(select(Client).where(Client.code == "C0001")).one()
        assert len(franchise.offices) >= 10 and all("新宿区" in o.address for o in franchise.offices)
        oses = set(session.scalars(select(Seat.os)))
        assert {"windows", "macos", "linux"} <= oses
    assert summary.requests > 100


def test_same_seed_same_business(database: Database, tmp_path: object) -> None:
    """Running the generator twice with one seed and day gives identical requests."""
    from data.db import make_engine, make_session_factory

    def snapshot(db: Database) -> list[tuple[object, ...]]:
        with db.transaction() as session:
            generate_demo(session, seed=11, today=dt.date(2026, 11, 25))
        with db.transaction() as session:
            return [tuple(r) for r in session.execute(select(
                VisitRequest.received_at, VisitRequest.urgency, VisitRequest.office_id, VisitRequest.description
            ).order_by(VisitRequest.id))]

    first = snapshot(database)
    engine = make_engine("sqlite://")
    from data.models import Base

    Base.metadata.create_all(engine)
    second = snapshot(Database(url="sqlite://", engine=engine, sessions=make_session_factory(engine)))
    assert first == second


def test_requests_fall_on_business_days_of_this_and_next_week(database: Database) -> None:
    """Visit requests are for the current and next week, never weekends or public holidays."""
    today = dt.date(2026, 11, 20)  # Friday before the 23 Nov holiday (勤労感謝の日)
    with database.transaction() as session:
        generate_demo(session, seed=7, today=today)
    with database.transaction() as session:
        deadlines = list(session.scalars(select(VisitRequest.received_at)))
    assert deadlines
    days = business_days(dt.date(2026, 11, 16), 10)
    assert dt.date(2026, 11, 23) not in days and dt.date(2026, 11, 22) not in days
