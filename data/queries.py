"""Read-only queries behind the app's lists and detail views (clients, offices, seats).

Every function takes a `Session` first and returns plain frozen dataclasses, never ORM rows, so a
screen can hold the result after the session is closed. Lists page (`offset`/`limit`) and search in
the database, so the app stays responsive with 10,000 clients and 100,000 seats: the page of client
ids is chosen first, then the counts are computed for that page only (unless the sort needs them).

`served_by` restricts everything to the clients a concierge serves: the clients they are the
dedicated concierge of, and the clients of visits assigned to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from data.errors import DataError, NotFoundError
from data.fields import format_time
from data.models import Client, Concierge, Contract, Office, Seat, Visit, VisitRequest
from data.search import matches_all

ClientSort = Literal["name", "code", "offices", "pcs", "servers", "plan", "dedicated"]
CLIENT_SORTS: tuple[ClientSort, ...] = ("name", "code", "offices", "pcs", "servers", "plan", "dedicated")
OPEN_REQUEST_STATUSES = ("open", "planned", "in_progress")
PLAN_LABELS = {"concierge_seats": "seats", "support_incidents": "incidents"}


@dataclass(frozen=True)
class ClientRow:
    """One line of the client list."""

    id: int
    code: str
    name: str
    name_kana: str | None
    offices: int
    pcs: int
    servers: int
    plan: str | None
    """"concierge_seats" or "support_incidents" of the newest active contract; None without one."""
    dedicated: str | None
    """Name of the dedicated concierge, if any."""
    active: bool
    monthly_fee: ClientFee | None = None
    """Monthly fee (tax included) from the pricing quote; None when pricing cannot price it."""


@dataclass(frozen=True)
class ClientPage:
    rows: tuple[ClientRow, ...]
    total: int
    """How many clients match the search (all pages)."""
    offset: int


@dataclass(frozen=True)
class SeatRow:
    id: int
    version: int
    label: str
    kind: str
    os: str
    purchase_year: int | None
    count: int


@dataclass(frozen=True)
class OfficeRow:
    id: int
    code: str
    name: str
    postal_code: str | None
    address: str
    lat: float
    lon: float
    precision: str | None
    opens: dt.time
    closes: dt.time
    notes: str | None
    version: int
    seats: tuple[SeatRow, ...]

    def count(self, kind: str) -> int:
        return sum(s.count for s in self.seats if s.kind == kind)

    def values(self) -> dict[str, str]:
        """The office as the text fields of `data.records.save_office` (coordinates left to the form)."""
        return {
            "code": self.code, "name": self.name, "postal_code": self.postal_code or "", "address": self.address,
            "opens": format_time(self.opens), "closes": format_time(self.closes), "notes": self.notes or "",
        }


@dataclass(frozen=True)
class ContractRow:
    id: int
    plan: str
    start_month: dt.date
    service_hours: tuple[str, ...]
    status: str
    cancelled_effective: dt.date | None
    minimum_months: int
    notice_months: int


@dataclass(frozen=True)
class RequestRow:
    id: int
    office: str
    received_at: dt.datetime
    urgency: str
    category: str
    status: str
    description: str


@dataclass(frozen=True)
class ClientDetail:
    id: int
    code: str
    name: str
    name_kana: str | None
    contact_person: str | None
    phone: str | None
    email: str | None
    language: str
    notes: str | None
    active: bool
    version: int
    dedicated: str | None
    offices: tuple[OfficeRow, ...]
    contracts: tuple[ContractRow, ...]
    open_requests: tuple[RequestRow, ...]

    def values(self) -> dict[str, str]:
        """The client as the text fields of `data.records.save_client`."""
        return {
            "code": self.code, "name": self.name, "name_kana": self.name_kana or "",
            "contact_person": self.contact_person or "", "phone": self.phone or "", "email": self.email or "",
            "language": self.language, "notes": self.notes or "", "active": "yes" if self.active else "no",
        }

    def totals(self) -> dict[str, int]:
        """Seats per kind over all offices."""
        result: dict[str, int] = {}
        for office in self.offices:
            for seat in office.seats:
                result[seat.kind] = result.get(seat.kind, 0) + seat.count
        return result


@dataclass(frozen=True)
class ConciergeChoice:
    code: str
    name: str


def served_client_ids(concierge_code: str) -> Select[tuple[int]]:
    """Ids of the clients a concierge serves (dedicated, or a visit assigned to them)."""
    dedicated = select(Client.id).join(Concierge, Client.dedicated_concierge_id == Concierge.id).where(
        Concierge.code == concierge_code
    )
    visited = (
        select(VisitRequest.client_id)
        .join(Visit, Visit.request_id == VisitRequest.id)
        .join(Concierge, Visit.concierge_id == Concierge.id)
        .where(Concierge.code == concierge_code)
    )
    return dedicated.union(visited)  # type: ignore[return-value]


def _seat_sum(kind: str) -> Any:
    return (
        select(func.coalesce(func.sum(Seat.count), 0))
        .join(Office, Seat.office_id == Office.id)
        .where(Office.client_id == Client.id, Seat.kind == kind)
        .scalar_subquery()
    )


def _office_count() -> Any:
    return select(func.count(Office.id)).where(Office.client_id == Client.id).scalar_subquery()


def _plan() -> Any:
    return (
        select(Contract.plan)
        .where(Contract.client_id == Client.id, Contract.status == "active")
        .order_by(Contract.start_month.desc())
        .limit(1)
        .scalar_subquery()
    )


def list_clients(
    session: Session,
    *,
    search: str = "",
    sort: ClientSort = "name",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
    include_archived: bool = False,
    served_by: str | None = None,
    with_fees: bool = False,
    tariff_path: str | None = None,
    today: dt.date | None = None,
    with_plans: bool | None = None,
) -> ClientPage:
    """A page of clients matching `search` (every word in the name, kana or code, folded by data.search:
    hiragana = katakana, full-width = half-width, any case), sorted by `sort`.

    `with_fees` adds the monthly fee of seat-plan clients (see `monthly_fees`; `today` dates old devices).
    `with_plans` reads each client's contract plan; by default not for a concierge (`served_by`), who
    may not read contracts (data.access.matrix).
    """
    if with_plans is None:
        with_plans = served_by is None
    if sort == "plan" and not with_plans:
        sort = "name"
    where: list[ColumnElement[bool]] = [matches_all(Client.search_key, search)]
    if not include_archived:
        where.append(Client.active.is_(True))
    if served_by is not None:
        where.append(Client.id.in_(served_client_ids(served_by)))
    total = session.scalar(select(func.count(Client.id)).where(*where)) or 0

    sort_keys: dict[str, Any] = {
        "name": func.coalesce(Client.name_kana, Client.name),
        "code": Client.code,
        "offices": _office_count(),
        "pcs": _seat_sum("pc"),
        "servers": _seat_sum("server"),
        "plan": _plan(),
        "dedicated": select(Concierge.name).where(Concierge.id == Client.dedicated_concierge_id).scalar_subquery(),
    }
    key = sort_keys[sort]
    order = [key.desc() if descending else key.asc(), Client.id]
    ids = list(session.scalars(select(Client.id).where(*where).order_by(*order).offset(offset).limit(limit)))
    rows = client_rows(session, ids, with_plans=with_plans)
    if with_fees:
        fees = monthly_fees(session, ids, tariff_path=tariff_path, today=today)
        rows = [_with_fee(r, fees.get(r.id)) for r in rows]
    return ClientPage(tuple(rows), total, offset)


def _with_fee(row: ClientRow, fee: ClientFee | None) -> ClientRow:
    return ClientRow(**{**row.__dict__, "monthly_fee": fee})


def client_rows(session: Session, ids: Sequence[int], *, with_plans: bool = True) -> list[ClientRow]:
    """The list lines of these clients, in the order of `ids` (`with_plans`: read their contract plans)."""
    if not ids:
        return []
    office_counts: dict[int, int] = {
        cid: n
        for cid, n in session.execute(
            select(Office.client_id, func.count(Office.id)).where(Office.client_id.in_(ids)).group_by(Office.client_id)
        )
    }
    seat_rows = session.execute(
        select(
            Office.client_id,
            func.sum(case((Seat.kind == "pc", Seat.count), else_=0)),
            func.sum(case((Seat.kind == "server", Seat.count), else_=0)),
        )
        .join(Seat, Seat.office_id == Office.id)
        .where(Office.client_id.in_(ids))
        .group_by(Office.client_id)
    )
    seats = {cid: (int(pcs or 0), int(servers or 0)) for cid, pcs, servers in seat_rows}
    plans: dict[int, str] = {}
    for cid, plan in session.execute(
        select(Contract.client_id, Contract.plan)
        .where(Contract.client_id.in_(ids), Contract.status == "active")
        .order_by(Contract.start_month)
    ) if with_plans else ():
        plans[cid] = plan  # the newest active contract wins
    base = {
        row.id: row
        for row in session.execute(
            select(Client.id, Client.code, Client.name, Client.name_kana, Client.active, Concierge.name.label("dedicated"))
            .outerjoin(Concierge, Client.dedicated_concierge_id == Concierge.id)
            .where(Client.id.in_(ids))
        )
    }
    result = []
    for cid in ids:
        b = base[cid]
        pcs, servers = seats.get(cid, (0, 0))
        result.append(ClientRow(
            id=cid, code=b.code, name=b.name, name_kana=b.name_kana, offices=office_counts.get(cid, 0),
            pcs=pcs, servers=servers, plan=plans.get(cid), dedicated=b.dedicated, active=b.active,
        ))
    return result


@dataclass(frozen=True)
class ClientFee:
    """A seat-plan client's monthly fee as the client pays it (tax included); two-tier adds a fee per visit."""

    gross: Decimal
    per_visit_gross: Decimal | None = None

    def words(self, *, short: bool = False) -> str:
        """"¥50,400", "¥30,800 + ¥13,200/visit" (short: "¥30,800+¥13,200/v")."""
        fixed = f"¥{self.gross:,.0f}"
        if self.per_visit_gross is None:
            return fixed
        visit = f"¥{self.per_visit_gross:,.0f}"
        return f"{fixed}+{visit}/v" if short else f"{fixed} + {visit}/visit"


def monthly_fees(
    session: Session, ids: Sequence[int], *, tariff_path: str | None = None, today: dt.date | None = None
) -> dict[int, ClientFee]:
    """Monthly fixed fee (tax included) of each seat-plan client, priced by `pricing.quote` from its seats on
    record; a two-tier client's fee names its spot fee per visit too.

    The plan variant of the client's contract (per_cluster or two_tier) is the one shown; incident-plan
    clients have no fixed seat fee and are left out, and so is a client whose seats cannot be priced
    (e.g. an office without PCs) — the list shows those blank rather than failing.
    """
    from data.quotes import client_quote_inputs  # imported here: pricing is not needed to open the app
    from pricing.errors import PricingError
    from pricing.quote import quote
    from pricing.tariff import load_tariff

    seat_clients = {
        cid: options
        for cid, options in session.execute(
            select(Contract.client_id, Contract.options)
            .where(Contract.client_id.in_(ids), Contract.status == "active", Contract.plan == "concierge_seats")
            .order_by(Contract.start_month)
        )
    }
    if not seat_clients:
        return {}
    tariff = load_tariff(tariff_path)
    fees: dict[int, ClientFee] = {}
    for cid, options in seat_clients.items():
        try:
            offices, quote_options = client_quote_inputs(session, cid, tariff=tariff, today=today)
            priced = quote(offices, quote_options, tariff)
        except (DataError, PricingError):
            continue
        variant = str((options or {}).get("variant", priced.recommended))
        plan = priced.plans.get(variant, priced.plan)
        fees[cid] = ClientFee(plan.gross_total, plan.spot_fee_gross if plan.name == "two_tier" else None)
    return fees


def client_detail(session: Session, client_id: int, *, with_contracts: bool = True) -> ClientDetail:
    """Everything the client detail view shows: offices with seats, contracts (unless `with_contracts`
    is False: a concierge may not read them), open requests."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"client {client_id} no longer exists")
    offices = tuple(office_row(o) for o in client.offices)
    contracts = () if not with_contracts else tuple(
        ContractRow(
            id=c.id, plan=c.plan, start_month=c.start_month, service_hours=tuple(c.service_hours or ()),
            status=c.status, cancelled_effective=c.cancelled_effective, minimum_months=c.minimum_months,
            notice_months=c.notice_months,
        )
        for c in client.contracts
    )
    requests = tuple(
        RequestRow(
            id=r.id, office=r.office.name, received_at=r.received_at, urgency=r.urgency, category=r.category,
            status=r.status, description=r.description,
        )
        for r in session.scalars(
            select(VisitRequest)
            .where(VisitRequest.client_id == client_id, VisitRequest.status.in_(OPEN_REQUEST_STATUSES))
            .order_by(VisitRequest.received_at)
        )
    )
    return ClientDetail(
        id=client.id, code=client.code, name=client.name, name_kana=client.name_kana,
        contact_person=client.contact_person, phone=client.phone, email=client.email, language=client.language,
        notes=client.notes, active=client.active, version=client.version,
        dedicated=client.dedicated_concierge.name if client.dedicated_concierge else None,
        offices=offices, contracts=contracts, open_requests=requests,
    )


def office_row(office: Office) -> OfficeRow:
    return OfficeRow(
        id=office.id, code=office.code, name=office.name, postal_code=office.postal_code, address=office.address,
        lat=office.lat, lon=office.lon, precision=office.geocode_precision, opens=office.opens, closes=office.closes,
        notes=office.notes, version=office.version,
        seats=tuple(
            SeatRow(id=s.id, version=s.version, label=s.label, kind=s.kind, os=s.os, purchase_year=s.purchase_year, count=s.count)
            for s in office.seats
        ),
    )


def office_detail(session: Session, office_id: int) -> tuple[int, OfficeRow]:
    """(client id, office) for the office form and the seat inventory."""
    office = session.get(Office, office_id)
    if office is None:
        raise NotFoundError(f"office {office_id} no longer exists")
    return office.client_id, office_row(office)


def client_served(session: Session, client_id: int, concierge_code: str) -> bool:
    """True when the concierge serves this client (so may open it)."""
    served = served_client_ids(concierge_code).subquery()
    return session.scalar(select(func.count()).select_from(served).where(served.c[0] == client_id)) == 1


def active_concierges(session: Session) -> list[ConciergeChoice]:
    """Active concierges by code, for the role picker."""
    return [
        ConciergeChoice(code, name)
        for code, name in session.execute(
            select(Concierge.code, Concierge.name).where(Concierge.active.is_(True)).order_by(Concierge.code)
        )
    ]
