"""Saving clients, offices, seats and concierges from text input (forms and CSV rows).

Each kind has three steps, so a form saves one record and a CSV import checks 10,000 rows before it
writes any: `check_<kind>(values)` validates every field without the database (field rules in
`data.fields`) and raises `ValidationError(field=...)` naming the first bad field; `apply_<kind>(row,
fields, …)` writes checked fields onto an ORM row; `save_<kind>(session, values, …)` does both for one
record, looked up by id (form edit), by its code (CSV upsert) or created. Callers own the transaction;
nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.advisory import lock_code_allocation
from data.clock import business_today
from data.errors import ConflictError, GeocodeError, NotFoundError, ValidationError
from data.fields import (
    INT_MAX,
    Values,
    boolean,
    choice,
    coordinate,
    integer,
    refuse,
    required_text,
    shown,
    text,
    time_of_day,
    word_list,
)
from data.models import LANGUAGES, SEAT_KINDS, SEAT_OS, Client, Concierge, Office, Seat
from data.search import client_search_key

T = TypeVar("T")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SKILLS = ("english", "server", "network", "mac", "linux", "printer", "security", "cloud")
TRAVEL_PROFILES = ("tokyo_rail", "car", "walk")


def _check_version(row: object, expected: int | None, what: str) -> None:
    version = getattr(row, "version", None)
    if expected is not None and version != expected:
        raise ConflictError(f"{what} was changed by someone else since you opened it; reload and try again")


def _find(session: Session, model: type[T], key: str, code: str) -> T | None:
    return session.scalars(select(model).where(getattr(model, key) == code)).first()


def _target(
    session: Session, model: type[T], what: str, code: str | None, row_id: int | None, upsert: bool,
    new: Callable[[], T],
) -> T:
    """The row to write: by id (form edit), by code (CSV upsert), or a new one (code must be free)."""
    if row_id is not None:
        row = session.get(model, row_id)
        if row is None:
            raise NotFoundError(f"{what} {row_id} no longer exists")
        if code is not None:
            other = _find(session, model, "code", code)
            if other is not None and other is not row:
                raise ValidationError(f"code: {shown(code)} is already used by another {what}", field="code")
        return row
    existing = _find(session, model, "code", code) if code is not None else None
    if existing is not None:
        if not upsert:
            raise ValidationError(f"code: {shown(code)} already exists", field="code")
        return existing
    row = new()
    session.add(row)
    return row


def next_code(session: Session, model: type[Client | Office | Concierge], prefix: str) -> str:
    """A free code such as C0042 for rows created in a form without one.

    Two people saving without a code at once would both pick C0042: the second waits here until the
    first commits (data.advisory; SQLite runs one writer at a time anyway) and then picks C0043.
    """
    # No autoflush: the new row the caller is filling in is already in the session, half-written.
    with session.no_autoflush:
        lock_code_allocation(session, model.__tablename__)
        count = len(session.scalars(select(model.id)).all())
        while True:
            count += 1
            code = f"{prefix}{count:04d}"
            if _find(session, model, "code", code) is None:
                return code


def client_by_ref(session: Session, ref: str, field: str = "client") -> Client:
    """A client by id (digits) or code, as typed on the command line; a huge number is simply not an id."""
    text_ref = ref.strip()
    if text_ref.isdecimal():
        client = session.get(Client, int(text_ref)) if len(text_ref) <= 10 and int(text_ref) <= INT_MAX else None
        if client is None:
            client = _find(session, Client, "code", text_ref) if len(text_ref) <= 40 else None
        if client is None:
            raise ValidationError(f"{field}: no client with id or code {shown(text_ref)}", field=field)
        return client
    return client_by_code(session, text_ref, field)


def client_by_code(session: Session, code: str, field: str = "client") -> Client:
    client = _find(session, Client, "code", code)
    if client is None:
        raise ValidationError(f"{field}: unknown client {shown(code)}", field=field)
    return client


GeocodeFn = Callable[[str], tuple[float, float, str]]
SEAT_COUNT_MAX = 100_000
"""Devices on one seat line at most (the quote form's PC limit)."""


def default_geocoder() -> GeocodeFn | None:
    """The offline gazetteer geocoder as (address) -> (lat, lon, precision); callers that take None
    (tests, a typed-coordinates-only set-up) require coordinates instead."""
    from data.geocode import geocode  # imported here: the gazetteer module is only needed once an address is typed

    def resolve(address: str) -> tuple[float, float, str]:
        result = geocode(address)
        return result.lat, result.lon, result.precision

    return resolve


def _place(
    values: Values, address: str, lat_field: str, lon_field: str, geocoder: GeocodeFn | None
) -> tuple[float, float, str]:
    lat = coordinate(values, lat_field, limit=90)
    lon = coordinate(values, lon_field, limit=180)
    if lat is not None and lon is not None:
        return lat, lon, "manual"
    if (lat is None) != (lon is None):
        missing = lat_field if lat is None else lon_field
        raise ValidationError(f"{missing}: required when the other coordinate is given", field=missing)
    if geocoder is None:
        raise ValidationError(f"{lat_field}: required (no geocoder available for the address)", field=lat_field)
    try:
        return geocoder(address)
    except GeocodeError as exc:
        raise ValidationError(f"address: {exc}", field="address") from exc


# --- clients -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientFields:
    code: str | None
    """None: the next free code (C0042) when created."""
    name: str
    name_kana: str | None
    contact_person: str | None
    phone: str | None
    email: str | None
    language: str
    active: bool
    notes: str | None


def check_client(values: Values) -> ClientFields:
    """code, name, name_kana, contact_person, phone, email, language, active, notes."""
    code = text(values, "code", max_len=40)
    name = required_text(values, "name")
    language = choice(values, "language", LANGUAGES, default="ja")
    email = text(values, "email")
    if email and "@" not in email:
        refuse(ValidationError(f"email: {shown(email)} is not an e-mail address", field="email"), None)
    return ClientFields(
        code=code, name=name, name_kana=text(values, "name_kana"), contact_person=text(values, "contact_person"),
        phone=text(values, "phone", max_len=40), email=email, language=language,
        active=boolean(values, "active", default=True), notes=text(values, "notes", max_len=4000, multiline=True),
    )


def apply_client(client: Client, f: ClientFields) -> None:
    """Write checked fields (the code only when given)."""
    if f.code:
        client.code = f.code
    client.name, client.name_kana, client.contact_person = f.name, f.name_kana, f.contact_person
    client.phone, client.email, client.language = f.phone, f.email, f.language
    client.active, client.notes = f.active, f.notes
    client.search_key = client_search_key(client.code, client.name, client.name_kana)  # bulk updates too (CSV)


def save_client(
    session: Session, values: Values, *, client_id: int | None = None, upsert: bool = False,
    expected_version: int | None = None,
) -> Client:
    """Create or update a client from form/CSV text fields (see `check_client`)."""
    f = check_client(values)
    client = _target(session, Client, "client", f.code, client_id, upsert, lambda: Client(code="", name=""))
    _check_version(client, expected_version, f"client {client.code or f.name}")
    client.code = f.code or client.code or next_code(session, Client, "C")
    apply_client(client, f)
    return client


# --- offices -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeFields:
    code: str | None
    client_code: str | None
    """The owning client's code (None when the caller names the client itself, as the office form does)."""
    name: str
    postal_code: str | None
    address: str
    lat: float
    lon: float
    precision: str
    """"manual" for typed coordinates, else the geocoder's precision."""
    opens: dt.time
    closes: dt.time
    notes: str | None


def check_office(values: Values, geocoder: GeocodeFn | None, *, with_client: bool = True) -> OfficeFields:
    """code, client (a client code, when `with_client`), name, postal_code, address, lat, lon, opens,
    closes, notes. Missing coordinates are geocoded from the address when a geocoder is given."""
    code = text(values, "code", max_len=40)
    client_code = required_text(values, "client", max_len=40) if with_client else None
    name = required_text(values, "name")
    address = required_text(values, "address")
    opens = time_of_day(values, "opens", default=dt.time(9, 0))
    closes = time_of_day(values, "closes", default=dt.time(18, 0))
    if closes <= opens:
        refuse(ValidationError("closes: must be after opens", field="closes"), None)
    postal_code = text(values, "postal_code", max_len=40)
    notes = text(values, "notes", max_len=4000, multiline=True)
    lat, lon, precision = _place(values, address, "lat", "lon", geocoder)
    return OfficeFields(code, client_code, name, postal_code, address, lat, lon, precision, opens, closes, notes)


def apply_office(office: Office, f: OfficeFields, client: Client) -> None:
    if f.code:
        office.code = f.code
    office.client = client
    office.name, office.postal_code, office.address = f.name, f.postal_code, f.address
    office.lat, office.lon = f.lat, f.lon
    if f.precision != "manual" or office.geocode_precision is None:
        office.geocode_precision = f.precision
    office.opens, office.closes, office.notes = f.opens, f.closes, f.notes


def save_office(
    session: Session, values: Values, *, office_id: int | None = None, client: Client | None = None,
    upsert: bool = False, expected_version: int | None = None, geocoder: GeocodeFn | None = None,
) -> Office:
    """Create or update an office from form/CSV text fields (see `check_office`); `client` given by the
    caller replaces the `client` field."""
    f = check_office(values, geocoder, with_client=client is None)
    owner = client if client is not None else client_by_code(session, f.client_code or "")
    office = _target(
        session, Office, "office", f.code, office_id, upsert,
        lambda: Office(code="", name="", address="", lat=0.0, lon=0.0),
    )
    _check_version(office, expected_version, f"office {office.code or f.name}")
    office.code = f.code or office.code or next_code(session, Office, "O")
    apply_office(office, f, owner)
    return office


# --- seats -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatFields:
    office_code: str | None
    label: str
    kind: str
    os: str
    purchase_year: int | None
    count: int


def check_seat(values: Values, *, with_office: bool = True) -> SeatFields:
    """office (an office code, when `with_office`), label, kind, os, purchase_year, count (1..SEAT_COUNT_MAX)."""
    office_code = required_text(values, "office", max_len=40) if with_office else None
    label = required_text(values, "label")
    kind = choice(values, "kind", SEAT_KINDS)
    os_name = choice(values, "os", SEAT_OS, default="windows" if kind in ("pc", "server") else "none")
    year = integer(values, "purchase_year", minimum=1980, maximum=business_today().year + 1)
    count = integer(values, "count", default=1, minimum=0, maximum=SEAT_COUNT_MAX)
    assert count is not None
    if count < 1:
        refuse(ValidationError(f"count: {count} must be at least 1", field="count"), None)
    return SeatFields(office_code, label, kind, os_name, year, count)


def apply_seat(seat: Seat, f: SeatFields, office: Office) -> None:
    seat.office = office
    seat.label, seat.kind, seat.os, seat.purchase_year, seat.count = f.label, f.kind, f.os, f.purchase_year, f.count


def save_seat(
    session: Session, values: Values, *, seat_id: int | None = None, office: Office | None = None,
    upsert: bool = False, expected_version: int | None = None,
) -> Seat:
    """Create or update a seat row (see `check_seat`); key = office + label.
    `expected_version` (a form's edit) refuses the save when someone else changed the line meanwhile."""
    f = check_seat(values, with_office=office is None)
    if office is None:
        office = _find(session, Office, "code", f.office_code or "")
        if office is None:
            raise ValidationError(f"office: unknown office {shown(f.office_code)}", field="office")
    seat: Seat | None
    if seat_id is not None:
        seat = session.get(Seat, seat_id)
        if seat is None:
            raise NotFoundError(f"seat {seat_id} no longer exists")
        _check_version(seat, expected_version, f"the seat line {seat.label!r} at {office.name}")
    else:
        seat = session.scalars(
            select(Seat).where(Seat.office_id == office.id, Seat.label == f.label)
        ).first() if office.id is not None else None
        if seat is not None and not upsert:
            raise ValidationError(f"label: {shown(f.label)} already exists at {office.name}", field="label")
        if seat is None:
            seat = Seat(label=f.label, kind=f.kind)
            office.seats.append(seat)
    apply_seat(seat, f, office)
    return seat


# --- concierges --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConciergeFields:
    code: str | None
    name: str
    phone: str | None
    email: str | None
    home_address: str
    home_lat: float
    home_lon: float
    skills: list[str]
    working_days: list[int]
    """ISO weekdays from Monday = 0."""
    shift_start: dt.time
    shift_end: dt.time
    max_visits: int
    travel_profile: str
    active: bool
    dedicated_codes: tuple[str, ...] | None
    """Client codes; None when the input has no dedicated_clients field (leave them as they are)."""


def check_concierge(values: Values, geocoder: GeocodeFn | None) -> ConciergeFields:
    """code, name, phone, email, home_address, home_lat, home_lon, skills, working_days, shift_start,
    shift_end, max_visits, travel_profile, active, dedicated_clients (client codes)."""
    code = text(values, "code", max_len=40)
    name = required_text(values, "name")
    address = required_text(values, "home_address")
    lat, lon, _precision = _place(values, address, "home_lat", "home_lon", geocoder)
    skills = word_list(values, "skills", SKILLS)
    days = word_list(values, "working_days", WEEKDAYS) or list(WEEKDAYS[:5])
    shift_start = time_of_day(values, "shift_start", default=dt.time(9, 0))
    shift_end = time_of_day(values, "shift_end", default=dt.time(18, 0))
    if shift_end <= shift_start:
        refuse(ValidationError("shift_end: must be after shift_start", field="shift_end"), None)
    max_visits = integer(values, "max_visits", default=8, minimum=1, maximum=50)
    assert max_visits is not None
    profile = choice(values, "travel_profile", TRAVEL_PROFILES, default="tokyo_rail")
    dedicated = None
    if "dedicated_clients" in values:
        dedicated = tuple((text(values, "dedicated_clients", max_len=4000) or "").replace(",", " ").split())
    return ConciergeFields(
        code=code, name=name, phone=text(values, "phone", max_len=40), email=text(values, "email"), home_address=address,
        home_lat=lat, home_lon=lon, skills=skills, working_days=sorted(WEEKDAYS.index(d) for d in days),
        shift_start=shift_start, shift_end=shift_end, max_visits=max_visits, travel_profile=profile,
        active=boolean(values, "active", default=True), dedicated_codes=dedicated,
    )


def apply_concierge(concierge: Concierge, f: ConciergeFields) -> None:
    """Write checked fields (the dedicated clients: `set_dedicated`)."""
    if f.code:
        concierge.code = f.code
    concierge.name, concierge.phone, concierge.email = f.name, f.phone, f.email
    concierge.home_address, concierge.home_lat, concierge.home_lon = f.home_address, f.home_lat, f.home_lon
    concierge.skills, concierge.working_days = f.skills, f.working_days
    concierge.shift_start, concierge.shift_end = f.shift_start, f.shift_end
    concierge.max_visits, concierge.travel_profile, concierge.active = f.max_visits, f.travel_profile, f.active


def set_dedicated(concierge: Concierge, dedicated: Sequence[Client]) -> None:
    """`dedicated` become this concierge's dedicated clients (and no other client is)."""
    for client in list(concierge.dedicated_clients):
        if client not in dedicated:
            client.dedicated_concierge = None
    for client in dedicated:
        client.dedicated_concierge = concierge


def save_concierge(
    session: Session, values: Values, *, concierge_id: int | None = None, upsert: bool = False,
    expected_version: int | None = None, geocoder: GeocodeFn | None = None,
) -> Concierge:
    """Create or update a concierge from form/CSV text fields (see `check_concierge`)."""
    f = check_concierge(values, geocoder)
    dedicated = None if f.dedicated_codes is None else [client_by_code(session, c, "dedicated_clients") for c in f.dedicated_codes]
    concierge = _target(
        session, Concierge, "concierge", f.code, concierge_id, upsert,
        lambda: Concierge(code="", name="", home_address="", home_lat=0.0, home_lon=0.0),
    )
    _check_version(concierge, expected_version, f"concierge {concierge.code or f.name}")
    concierge.code = f.code or concierge.code or next_code(session, Concierge, "K")
    apply_concierge(concierge, f)
    if dedicated is not None:
        set_dedicated(concierge, dedicated)
    return concierge
