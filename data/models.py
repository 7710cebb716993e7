"""The database schema of Concierge Desk (SQLAlchemy 2.0 typed ORM).

Portable types only, so SQLite and PostgreSQL run the same models. Money is `Decimal` mapped to an
exact `Numeric` column (integer yen; never float). Rows that two people may edit at once (requests,
visits, incidents, contracts, clients) carry a version counter: a stale update raises and is reported
as a conflict instead of silently overwriting the other person's change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, declared_attr, mapped_column, relationship

from data.search import client_search_key

Yen = Annotated[Decimal, "yen"]
"""An amount of Japanese yen: whole yen stored exactly (`Numeric(14, 0)`)."""

Str40 = Annotated[str, 40]
Str200 = Annotated[str, 200]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SEAT_KINDS = ("pc", "server", "printer", "network", "smartphone", "other")
SEAT_OS = ("windows", "macos", "linux", "other", "none")
PLANS = ("concierge_seats", "support_incidents")
URGENCIES = ("emergency", "high", "normal", "low")
CATEGORIES = ("trouble", "setup", "consultation")
REQUEST_STATUSES = ("open", "planned", "in_progress", "done", "cancelled")
VISIT_STATUSES = ("planned", "in_progress", "done", "cancelled")
LANGUAGES = ("ja", "en")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Yen: Numeric(14, 0),
        Str40: String(40),
        Str200: String(200),
        str: String(200),
        dict[str, Any]: JSON,
        list[str]: JSON,
        list[int]: JSON,
    }


class Versioned:
    """Mixin: an optimistic-lock counter checked by every UPDATE."""

    version: Mapped[int]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Concierge(Versioned, Base):
    """An IT expert who visits client offices."""

    __tablename__ = "concierge"
    __table_args__ = (
        CheckConstraint("max_visits >= 1", name="max_visits_positive"),
        CheckConstraint("home_lat BETWEEN -90 AND 90", name="home_lat_range"),
        CheckConstraint("home_lon BETWEEN -180 AND 180", name="home_lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Str40] = mapped_column(unique=True)
    """External key used by CSV import/export and `--concierge`."""
    name: Mapped[str]
    phone: Mapped[Str40 | None]
    email: Mapped[str | None]
    home_address: Mapped[str]
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    skills: Mapped[list[str]] = mapped_column(default=list)
    working_days: Mapped[list[int]] = mapped_column(default=lambda: [0, 1, 2, 3, 4])
    """ISO weekdays counted from Monday = 0."""
    shift_start: Mapped[dt.time] = mapped_column(default=dt.time(9, 0))
    shift_end: Mapped[dt.time] = mapped_column(default=dt.time(18, 0))
    max_visits: Mapped[int] = mapped_column(default=8)
    travel_profile: Mapped[Str40] = mapped_column(default="tokyo_rail")
    active: Mapped[bool] = mapped_column(default=True)

    dedicated_clients: Mapped[list[Client]] = relationship(back_populates="dedicated_concierge")


class Client(Versioned, Base):
    """A client company."""

    __tablename__ = "client"
    __table_args__ = (CheckConstraint(_in("language", LANGUAGES), name="language_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Str40] = mapped_column(unique=True)
    name: Mapped[str]
    name_kana: Mapped[str | None]
    contact_person: Mapped[str | None]
    phone: Mapped[Str40 | None]
    email: Mapped[str | None]
    language: Mapped[Str40] = mapped_column(default="ja")
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    dedicated_concierge_id: Mapped[int | None] = mapped_column(
        ForeignKey("concierge.id", ondelete="SET NULL")
    )
    search_key: Mapped[str] = mapped_column(Text, default=lambda ctx: _client_key_default(ctx), server_default="")
    """Code, name and kana folded for search (data.search): kept by every write, never typed."""

    dedicated_concierge: Mapped[Concierge | None] = relationship(back_populates="dedicated_clients")
    offices: Mapped[list[Office]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Office.id"
    )
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="Contract.start_month"
    )


def _client_key_default(context: DefaultExecutionContext) -> str:
    """The search key of an inserted client, also for a bulk INSERT of plain rows (CSV import)."""
    values = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return client_search_key(values.get("code"), values.get("name"), values.get("name_kana"))


@event.listens_for(Client, "before_update")
def _refresh_client_key(_mapper: Mapper[Client], _connection: Connection, client: Client) -> None:
    """A renamed client is found by its new name (an ORM update; bulk updates set the key themselves)."""
    client.search_key = client_search_key(client.code, client.name, client.name_kana)


class Office(Versioned, Base):
    """A client's site, where concierges visit."""

    __tablename__ = "office"
    __table_args__ = (
        CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    code: Mapped[Str40] = mapped_column(unique=True)
    name: Mapped[str]
    postal_code: Mapped[Str40 | None]
    address: Mapped[str]
    lat: Mapped[float]
    lon: Mapped[float]
    geocode_precision: Mapped[Str40 | None]
    """"town", "municipality", "prefecture", or "manual" when the coordinates were typed; None if unknown."""
    opens: Mapped[dt.time] = mapped_column(default=dt.time(9, 0))
    closes: Mapped[dt.time] = mapped_column(default=dt.time(18, 0))
    notes: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship(back_populates="offices")
    seats: Mapped[list[Seat]] = relationship(
        back_populates="office", cascade="all, delete-orphan", order_by="Seat.id"
    )


class Seat(Versioned, Base):
    """One or more identical devices at an office (client PCs, servers, printers...)."""

    __tablename__ = "seat"
    __table_args__ = (
        UniqueConstraint("office_id", "label", name="uq_seat_office_label"),
        CheckConstraint("count >= 1", name="count_positive"),
        CheckConstraint(_in("kind", SEAT_KINDS), name="kind_known"),
        CheckConstraint(_in("os", SEAT_OS), name="os_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    label: Mapped[str]
    """Unique within the office; the CSV key together with the office code."""
    kind: Mapped[Str40]
    os: Mapped[Str40] = mapped_column(default="windows")
    purchase_year: Mapped[int | None]
    count: Mapped[int] = mapped_column(default=1)

    office: Mapped[Office] = relationship(back_populates="seats")


class Contract(Versioned, Base):
    """A client's service contract: seat-based concierge plan or incident-based support plan."""

    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint(_in("plan", PLANS), name="plan_known"),
        CheckConstraint(_in("status", ("active", "cancelled")), name="status_known"),
        CheckConstraint("minimum_months >= 0", name="minimum_months_nonnegative"),
        CheckConstraint("notice_months >= 0", name="notice_months_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    plan: Mapped[Str40]
    start_month: Mapped[dt.date]
    """First day of the first billed month (a mid-month start is billed in full)."""
    minimum_months: Mapped[int] = mapped_column(default=3)
    notice_months: Mapped[int] = mapped_column(default=1)
    service_hours: Mapped[list[str]] = mapped_column(default=list)
    """Coverage beyond weekdays 9:00-18:00: any of "evening", "saturday", "sunday_holiday"."""
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Plan details, e.g. seat plan {"variant": "per_cluster"|"two_tier", "rounding": "half"} or incident plan
    {"billing": "annual"|"monthly", "scope": "normal", "max_incidents": 3,
    "personal_support": "all regular employees", "approver": "president"}."""
    tariff_ref: Mapped[Str40] = mapped_column(default="default")
    fee_limit: Mapped[Yen | None]
    """Default per-incident fee limit (None = capped at the consulting fee)."""
    dedicated_required: Mapped[bool] = mapped_column(default=False)
    status: Mapped[Str40] = mapped_column(default="active")
    cancelled_effective: Mapped[dt.date | None]
    """First month no longer billed, when cancelled."""

    client: Mapped[Client] = relationship(back_populates="contracts")


class VisitRequest(Versioned, Base):
    """A request for an on-site visit taken by the dispatcher."""

    __tablename__ = "visit_request"
    __table_args__ = (
        CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint(_in("category", CATEGORIES), name="category_known"),
        CheckConstraint(_in("status", REQUEST_STATUSES), name="status_known"),
        CheckConstraint("estimated_minutes > 0", name="estimated_minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime]
    category: Mapped[Str40] = mapped_column(default="trouble")
    routine: Mapped[bool] = mapped_column(default=True)
    """Routine work (日常) is covered by the plan; non-routine (非日常) is billed separately."""
    urgency: Mapped[Str40] = mapped_column(default="normal")
    deadline: Mapped[dt.datetime | None]
    estimated_minutes: Mapped[int] = mapped_column(default=60)
    required_skills: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    window_start: Mapped[dt.time | None]
    """Client's own time window for the visit (e.g. afternoon only); None = office hours."""
    window_end: Mapped[dt.time | None]
    pinned_concierge_id: Mapped[int | None] = mapped_column(ForeignKey("concierge.id", ondelete="SET NULL"))
    pinned_start: Mapped[dt.datetime | None]
    status: Mapped[Str40] = mapped_column(default="open", index=True)

    client: Mapped[Client] = relationship()
    office: Mapped[Office] = relationship()
    visits: Mapped[list[Visit]] = relationship(back_populates="request", order_by="Visit.id")


class Visit(Versioned, Base):
    """A planned or performed stop of a concierge at an office."""

    __tablename__ = "visit"
    __table_args__ = (
        CheckConstraint(_in("status", VISIT_STATUSES), name="status_known"),
        # one stop on site at a time: one in-progress visit per concierge and day (migration 0006; data.work_slip)
        Index("uq_visit_one_on_site", "concierge_id", "date", unique=True,
              sqlite_where=text("status = 'in_progress'"), postgresql_where=text("status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("visit_request.id", ondelete="CASCADE"), index=True)
    concierge_id: Mapped[int] = mapped_column(ForeignKey("concierge.id"), index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    sequence: Mapped[int] = mapped_column(default=0)
    planned_start: Mapped[dt.datetime]
    planned_end: Mapped[dt.datetime]
    travel_seconds: Mapped[int] = mapped_column(default=0)
    """Travel time from the previous stop (or the home base)."""
    travel_meters: Mapped[int] = mapped_column(default=0)
    actual_start: Mapped[dt.datetime | None]
    actual_end: Mapped[dt.datetime | None]
    work_slip: Mapped[str | None] = mapped_column(Text)
    """作業伝票: what was done (None when a minor task skipped the slip)."""
    status: Mapped[Str40] = mapped_column(default="planned")

    request: Mapped[VisitRequest] = relationship(back_populates="visits")
    concierge: Mapped[Concierge] = relationship()


class PlanRoute(Versioned, Base):
    """A concierge's committed route on one date beyond its visits: when they leave and are back, the
    way home, and the break the plan gave them (None: no break that day). Written by a commit together
    with the visit rows, so the committed day reads exactly as it was proposed."""

    __tablename__ = "plan_route"
    __table_args__ = (
        UniqueConstraint("concierge_id", "date", name="uq_plan_route_concierge_date"),
        CheckConstraint("returns_at >= departs_at", name="returns_after_departure"),
        CheckConstraint("(break_start IS NULL) = (break_end IS NULL)", name="break_whole"),
        CheckConstraint("break_end >= break_start", name="break_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    concierge_id: Mapped[int] = mapped_column(ForeignKey("concierge.id"), index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    departs_at: Mapped[dt.datetime]
    returns_at: Mapped[dt.datetime]
    return_travel_seconds: Mapped[int] = mapped_column(default=0)
    return_travel_meters: Mapped[int] = mapped_column(default=0)
    break_start: Mapped[dt.datetime | None]
    break_end: Mapped[dt.datetime | None]

    concierge: Mapped[Concierge] = relationship()


class Incident(Versioned, Base):
    """A support contact under an incident-based plan; level and fee are computed by `pricing`."""

    __tablename__ = "incident"
    __table_args__ = (
        CheckConstraint("mail_round_trips >= 0", name="mail_nonnegative"),
        CheckConstraint("reply_round_trips >= 0", name="reply_nonnegative"),
        CheckConstraint("chat_minutes >= 0", name="chat_nonnegative"),
        CheckConstraint("onsite_visits >= 0", name="onsite_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id", ondelete="SET NULL"))
    person: Mapped[str | None]
    personal: Mapped[bool] = mapped_column(default=False)
    """A personal-support incident by an individual employee (needs eligibility)."""
    opened_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    mail_round_trips: Mapped[int] = mapped_column(default=0)
    reply_round_trips: Mapped[int] = mapped_column(default=0)
    call_minutes: Mapped[list[int]] = mapped_column(default=list)
    """One entry per call session."""
    chat_minutes: Mapped[int] = mapped_column(default=0)
    onsite_visits: Mapped[int] = mapped_column(default=0)
    investigation: Mapped[bool] = mapped_column(default=False)
    urgent: Mapped[bool] = mapped_column(default=False)
    consulting: Mapped[Str40 | None]
    """None, "specific" or "general"."""
    chart_creation: Mapped[bool] = mapped_column(default=False)
    fee_limit: Mapped[Yen | None]
    continuation_approved: Mapped[bool] = mapped_column(default=False)
    absorbed_into: Mapped[str | None]
    """When converted into a development/tutoring job: that job's description (fee becomes 0)."""
    level: Mapped[Str40 | None]
    level_reason: Mapped[str | None] = mapped_column(Text)
    fee: Mapped[Yen | None]
    description: Mapped[str] = mapped_column(Text, default="")

    client: Mapped[Client] = relationship()


class Quote(Base):
    """A saved monthly-fee quote with the tariff version used."""

    __tablename__ = "quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    tariff_version: Mapped[Str40]
    recommended: Mapped[Str40]
    net_total: Mapped[Yen]
    tax: Mapped[Yen]
    gross_total: Mapped[Yen]
    body: Mapped[dict[str, Any]]
    """The whole quote value object as JSON (inputs, clusters, lines, plans, warnings)."""


class Invoice(Base):
    """A monthly invoice for one contract (適格請求書)."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("contract_id", "month", name="uq_invoice_contract_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[Str40] = mapped_column(unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    month: Mapped[dt.date]
    """First day of the billed month."""
    issue_date: Mapped[dt.date]
    due_date: Mapped[dt.date]
    net_total: Mapped[Yen]
    tax: Mapped[Yen]
    gross_total: Mapped[Yen]
    issuer: Mapped[dict[str, Any]]
    """Issuer name, registration number and bank account as printed on the invoice."""

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )


class InvoiceLine(Base):
    """One line of an invoice; amounts before tax."""

    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    label: Mapped[str]
    basis: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit_price: Mapped[Yen]
    net: Mapped[Yen]
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 3))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class ClosedMonth(Base):
    """A billing month that has been closed; its visits and incidents are locked."""

    __tablename__ = "closed_month"

    month: Mapped[dt.date] = mapped_column(primary_key=True)
    closed_at: Mapped[dt.datetime]


class Setting(Base):
    """Key/value settings (issuer name, registration number, bank account...)."""

    __tablename__ = "setting"

    key: Mapped[Str40] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(Text)
