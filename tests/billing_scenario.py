"""The sample month of the billing acceptance test (October 2026), built record by record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from data.demo_tables import DEFAULT_SETTINGS
from data.models import Client, Concierge, Contract, Incident, Office, Seat, Setting, Visit, VisitRequest

MONTH = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 5)
NOW = dt.datetime(2026, 11, 5, 10, 0)


@dataclass
class Ids:
    seat_contract: int = 0
    two_tier_contract: int = 0
    annual_contract: int = 0
    monthly_contract: int = 0
    october_visit: int = 0
    november_visit: int = 0
    october_incident: int = 0
    capped_incident: int = 0


def _office(client: Client, code: str, lat: float, lon: float, pcs: int, servers: int = 0) -> Office:
    office = Office(code=code, name=f"{code}事業所", address="東京都", lat=lat, lon=lon)
    office.seats.append(Seat(label="PC", kind="pc", os="windows", count=pcs))
    if servers:
        office.seats.append(Seat(label="サーバ", kind="server", os="windows", count=servers))
    office.seats.append(Seat(label="Mac", kind="pc", os="macos", count=2))  # out of the service, not priced
    office.seats.append(Seat(label="複合機", kind="printer", os="none", count=1))
    client.offices.append(office)
    return office


def _visit(
    session: Session, concierge: Concierge, office: Office, day: dt.date, *, minutes: int = 60, routine: bool = True,
    status: str = "done", description: str = "PC不調",
) -> Visit:
    start = dt.datetime.combine(day, dt.time(10, 0))
    request = VisitRequest(client=office.client, office=office, received_at=start - dt.timedelta(days=1),
                           routine=routine, description=description, status="done" if status == "done" else "planned")
    visit = Visit(concierge=concierge, date=day, planned_start=start, planned_end=start + dt.timedelta(minutes=60),
                  actual_start=start if status == "done" else None,
                  actual_end=start + dt.timedelta(minutes=minutes) if status == "done" else None, status=status)
    request.visits.append(visit)
    session.add(request)
    return visit


def _incident(client: Client, contract: Contract, opened: dt.datetime, **fields: object) -> Incident:
    incident = Incident(client=client, contract_id=contract.id, opened_at=opened,
                        closed_at=opened + dt.timedelta(hours=3), **fields)
    return incident


def build(session: Session) -> Ids:
    """Four billed clients, a cancelled and a future contract, records inside and outside October."""
    ids = Ids()
    for key, value in DEFAULT_SETTINGS.items():
        session.add(Setting(key=key, value=value))
    concierge = Concierge(code="K01", name="佐々木 亮", home_address="東京都", home_lat=35.64, home_lon=139.67)
    session.add(concierge)

    # 1. Seat plan, one office, 30 PCs + 1 server, started mid-October (billed in full), evening coverage none.
    seats = Client(code="C1", name="株式会社青葉商事")
    seat_office = _office(seats, "O1", 35.6812, 139.7671, 30, 1)
    seat_contract = Contract(plan="concierge_seats", start_month=dt.date(2026, 10, 1),
                             options={"variant": "per_cluster", "rounding": "half"})
    seats.contracts.append(seat_contract)

    # 2. Two-tier: three far-apart shops with 1 PC each.
    spread = Client(code="C2", name="株式会社まちかど")
    shops = [_office(spread, "O2", 35.6812, 139.7671, 1), _office(spread, "O3", 34.7001, 135.4959, 1),
             _office(spread, "O4", 33.5902, 130.4017, 1)]
    two_tier = Contract(plan="concierge_seats", start_month=dt.date(2025, 4, 1), options={"variant": "two_tier", "rounding": "half"})
    spread.contracts.append(two_tier)

    # 3. Annual incident plan started October 2025: October is its billing month.
    annual = Client(code="C3", name="光陽会計事務所")
    _office(annual, "O5", 35.69, 139.70, 5)
    annual_contract = Contract(plan="support_incidents", start_month=dt.date(2025, 10, 1), minimum_months=12,
                               options={"billing": "annual", "scope": "normal"})
    annual.contracts.append(annual_contract)

    # 4. Monthly incident plan, normal scope, at most 2 incidents a month.
    monthly = Client(code="C4", name="富士デザイン株式会社")
    _office(monthly, "O6", 35.66, 139.73, 4)
    monthly_contract = Contract(plan="support_incidents", start_month=dt.date(2026, 4, 1), minimum_months=12,
                                options={"billing": "monthly", "scope": "normal", "max_incidents": 2},
                                fee_limit=Decimal(30000))
    monthly.contracts.append(monthly_contract)

    # 5. Not billed in October: cancelled from October, and a contract starting in November.
    gone = Client(code="C5", name="旧取引先")
    _office(gone, "O7", 35.70, 139.77, 10)
    gone.contracts.append(Contract(plan="concierge_seats", start_month=dt.date(2026, 1, 1), status="cancelled",
                                   cancelled_effective=dt.date(2026, 10, 1)))
    later = Client(code="C6", name="新規取引先")
    _office(later, "O8", 35.70, 139.77, 10)
    later.contracts.append(Contract(plan="concierge_seats", start_month=dt.date(2026, 11, 1)))
    session.add_all([seats, spread, annual, monthly, gone, later])
    session.flush()

    # Seat client: a routine visit (covered) and a 90-minute non-routine one (billed by the hour).
    october = _visit(session, concierge, seat_office, dt.date(2026, 10, 14))
    _visit(session, concierge, seat_office, dt.date(2026, 10, 21), minutes=90, routine=False, description="PC一斉入替")
    # Two-tier: 3 done visits in October; one in September, one planned in October and one in November not billed.
    for shop, day in zip(shops, (6, 15, 27), strict=True):
        _visit(session, concierge, shop, dt.date(2026, 10, day))
    _visit(session, concierge, shops[0], dt.date(2026, 9, 30))
    _visit(session, concierge, shops[1], dt.date(2026, 10, 30), status="planned")
    november = _visit(session, concierge, shops[2], dt.date(2026, 11, 2))

    # Annual client: a level-5 (investigation) and a feather incident in October, one closed in November.
    level5 = _incident(annual, annual_contract, dt.datetime(2026, 10, 8, 10), investigation=True, description="NAS不調")
    feather = _incident(annual, annual_contract, dt.datetime(2026, 10, 20, 15), call_minutes=[4], description="設定の質問")
    late = _incident(annual, annual_contract, dt.datetime(2026, 10, 31, 22), call_minutes=[40], description="翌月に解決")
    late.closed_at = dt.datetime(2026, 11, 2, 9)
    session.add_all([level5, feather, late])

    # Monthly client: 2 counted incidents (level 2 and 4), a feather, then two beyond the maximum,
    # the last an on-site visit (level 7) with its own limit of 10,000 yen.
    for day, fields in (
        (2, {"call_minutes": [20]}),
        (5, {"call_minutes": [3]}),
        (9, {"call_minutes": [30, 20]}),
        (16, {"chat_minutes": 15}),
        (23, {"onsite_visits": 1, "fee_limit": Decimal(10000)}),
    ):
        incident = _incident(monthly, monthly_contract, dt.datetime(2026, 10, day, 11), **fields)
        session.add(incident)
    session.flush()
    ids.october_visit, ids.november_visit = october.id, november.id
    ids.october_incident = level5.id
    ids.capped_incident = incident.id
    ids.seat_contract, ids.two_tier_contract = seat_contract.id, two_tier.id
    ids.annual_contract, ids.monthly_contract = annual_contract.id, monthly_contract.id
    return ids
