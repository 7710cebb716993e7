"""Field validation and saving of clients, offices, seats and concierges from text input.

Forms and CSV rows arrive as `dict[str, str]`. Each `save_*` parses every field, raises
`ValidationError(field=...)` naming the first bad field, and otherwise creates or updates one row
(looked up by id for forms, or by external key `code` when upserting from CSV). Callers own the
transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import ConflictError, GeocodeError, NotFoundError, ValidationError
from data.models import LANGUAGES, SEAT_KINDS, SEAT_OS, Client, Concierge, Office, Seat

Values = Mapping[str, str | None]
T = TypeVar("T")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SKILLS = ("english", "server", "network", "mac", "linux", "printer", "security", "cloud")
TRAVEL_PROFILES = ("tokyo_rail", "car", "walk")
TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "off"}


INT_MAX = 2_147_483_647
"""The largest whole number a count column holds (PostgreSQL INTEGER): no count field accepts more."""
YEN_MAX = Decimal(100_000_000)
"""The largest amount a money field accepts (¥100,000,000). The yen columns hold 14 digits, but a larger
figure typed in a form is a typo; SQLite would also store an oversized amount inexactly."""
ECHO_CHARS = 40
"""A bad value is quoted in its message up to this many characters (a 5 MB cell is not echoed)."""
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (ESC, BEL, CR…) and bidi overrides: never part of a name, an address or a note."""
_DIGITS_MAX = 15
"""Digits read as a number at most (beyond that it is too large for every field, and `int` of a
4,301-digit string raises)."""


def shown(raw: object, limit: int = ECHO_CHARS) -> str:
    """`raw` for a message: text quoted and cut to `limit` characters; a number as written (a huge one by size)."""
    if isinstance(raw, Decimal) and not raw.is_finite():
        return str(raw)
    if isinstance(raw, int | Decimal) and not isinstance(raw, bool):
        if abs(raw) >= 10**limit:
            return "a number too large to show"
        return str(raw)
    value = str(raw)
    return repr(value if len(value) <= limit else value[:limit] + "…")


def text(
    values: Values, field: str, *, required: bool = False, max_len: int = 200, multiline: bool = False
) -> str | None:
    """A stripped string; empty counts as missing. Control characters are refused (line breaks and tabs
    only where `multiline`)."""
    raw = (values.get(field) or "").strip()
    if not raw:
        if required:
            raise ValidationError(f"{field}: required", field=field)
        return None
    if len(raw) > max_len:
        raise ValidationError(f"{field}: longer than {max_len} characters", field=field)
    bad = _CONTROL.search(raw if multiline else raw.replace("\t", "\x00").replace("\n", "\x00"))
    if bad is not None:
        char = raw[bad.start()]
        what = "a line break or tab" if char in "\t\n" else f"a control character (U+{ord(char):04X})"
        raise ValidationError(f"{field}: contains {what}", field=field)
    return raw


def required_text(values: Values, field: str, *, max_len: int = 200) -> str:
    value = text(values, field, required=True, max_len=max_len)
    assert value is not None
    return value


def integer(
    values: Values, field: str, *, default: int | None = None, minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """A whole number (thousands commas allowed) within [minimum, maximum]; never above INT_MAX."""
    raw = (values.get(field) or "").strip()
    if not raw:
        return default
    top = INT_MAX if maximum is None else min(maximum, INT_MAX)
    digits = raw.replace(",", "")
    if len(digits.lstrip("+-").lstrip("0")) > _DIGITS_MAX:
        if digits.lstrip("+-").isdigit():
            sign = "below" if digits.startswith("-") else "above"
            bound = minimum if sign == "below" and minimum is not None else top
            raise ValidationError(f"{field}: {shown(raw)} is {sign} {bound}", field=field)
        raise ValidationError(f"{field}: {shown(raw)} is not a whole number", field=field)
    try:
        number = int(digits)
    except ValueError:
        raise ValidationError(f"{field}: {shown(raw)} is not a whole number", field=field) from None
    if minimum is not None and number < minimum:
        what = "negative" if minimum == 0 and number < 0 else f"below {minimum}"
        raise ValidationError(f"{field}: {number} is {what}", field=field)
    if number > top:
        raise ValidationError(f"{field}: {number} is above {top}", field=field)
    return number


def money(values: Values, field: str, *, maximum: Decimal = YEN_MAX) -> Decimal | None:
    """Whole yen ≥ 0 ("12,000", "¥12000", "12000円"), at most `maximum`; empty: None."""
    raw = (values.get(field) or "").replace("¥", "").replace("￥", "").replace("円", "").strip()
    number = integer({field: raw}, field, minimum=0)
    if number is None:
        return None
    if number > maximum:
        raise ValidationError(f"{field}: ¥{number:,} is above the ¥{maximum:,} a money field accepts", field=field)
    return Decimal(number)


def coordinate(values: Values, field: str, *, limit: float) -> float | None:
    raw = (values.get(field) or "").strip()
    if not raw:
        return None
    try:
        number = float(raw) if len(raw) <= ECHO_CHARS else float("nan")
    except ValueError:
        number = float("nan")
    if number != number:  # not a number (or NaN typed as such)
        raise ValidationError(f"{field}: {shown(raw)} is not a number", field=field)
    if not -limit <= number <= limit:
        raise ValidationError(f"{field}: {number} is out of range (-{limit:g} to {limit:g})", field=field)
    return number


def boolean(values: Values, field: str, *, default: bool) -> bool:
    raw = (values.get(field) or "").strip().lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ValidationError(f"{field}: {shown(raw)} is not yes/no", field=field)


def time_of_day(values: Values, field: str, *, default: dt.time) -> dt.time:
    raw = (values.get(field) or "").strip()
    if not raw:
        return default
    try:
        hours, minutes = raw.split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, OverflowError):
        raise ValidationError(f"{field}: {shown(raw)} is not a time (HH:MM)", field=field) from None


def choice(values: Values, field: str, options: tuple[str, ...], *, default: str | None = None) -> str:
    raw = (values.get(field) or "").strip().lower()
    if not raw:
        if default is None:
            raise ValidationError(f"{field}: required (one of {', '.join(options)})", field=field)
        return default
    if raw not in options:
        raise ValidationError(f"{field}: {shown(raw)} is not one of {', '.join(options)}", field=field)
    return raw


def word_list(values: Values, field: str, options: tuple[str, ...]) -> list[str]:
    """Words separated by spaces, commas or semicolons, each from `options`; order kept, duplicates dropped."""
    raw = (values.get(field) or "").replace(",", " ").replace(";", " ").lower().split()
    result: list[str] = []
    for word in raw:
        if word not in options:
            raise ValidationError(f"{field}: {shown(word)} is not one of {', '.join(options)}", field=field)
        if word not in result:
            result.append(word)
    return result


def format_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


def format_bool(value: bool) -> str:
    return "yes" if value else "no"


def format_float(value: float) -> str:
    return repr(float(value))


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
    """A free code such as C0042 for rows created in a form without one."""
    # No autoflush: the new row the caller is filling in is already in the session, half-written.
    with session.no_autoflush:
        count = len(session.scalars(select(model.id)).all())
        while True:
            count += 1
            code = f"{prefix}{count:04d}"
            if _find(session, model, "code", code) is None:
                return code


def client_by_code(session: Session, code: str, field: str = "client") -> Client:
    client = _find(session, Client, "code", code)
    if client is None:
        raise ValidationError(f"{field}: unknown client {shown(code)}", field=field)
    return client


def save_client(
    session: Session, values: Values, *, client_id: int | None = None, upsert: bool = False,
    expected_version: int | None = None,
) -> Client:
    """Create or update a client from form/CSV text fields (code, name, name_kana, contact_person, phone,
    email, language, active, notes)."""
    code = text(values, "code", max_len=40)
    name = required_text(values, "name")
    language = choice(values, "language", LANGUAGES, default="ja")
    email = text(values, "email")
    if email and "@" not in email:
        raise ValidationError(f"email: {shown(email)} is not an e-mail address", field="email")
    client = _target(session, Client, "client", code, client_id, upsert, lambda: Client(code="", name=""))
    _check_version(client, expected_version, f"client {client.code or name}")
    client.code = code or client.code or next_code(session, Client, "C")
    client.name = name
    client.name_kana = text(values, "name_kana")
    client.contact_person = text(values, "contact_person")
    client.phone = text(values, "phone", max_len=40)
    client.email = email
    client.language = language
    client.active = boolean(values, "active", default=True)
    client.notes = text(values, "notes", max_len=4000, multiline=True)
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


def save_office(
    session: Session, values: Values, *, office_id: int | None = None, client: Client | None = None,
    upsert: bool = False, expected_version: int | None = None, geocoder: GeocodeFn | None = None,
) -> Office:
    """Create or update an office (code, client, name, postal_code, address, lat, lon, opens, closes,
    notes). Missing coordinates are geocoded from the address when a geocoder is given."""
    code = text(values, "code", max_len=40)
    if client is None:
        client = client_by_code(session, required_text(values, "client", max_len=40))
    name = required_text(values, "name")
    address = required_text(values, "address")
    opens = time_of_day(values, "opens", default=dt.time(9, 0))
    closes = time_of_day(values, "closes", default=dt.time(18, 0))
    if closes <= opens:
        raise ValidationError("closes: must be after opens", field="closes")
    lat, lon, precision = _place(values, address, "lat", "lon", geocoder)
    office = _target(
        session, Office, "office", code, office_id, upsert,
        lambda: Office(code="", name="", address="", lat=0.0, lon=0.0),
    )
    _check_version(office, expected_version, f"office {office.code or name}")
    office.code = code or office.code or next_code(session, Office, "O")
    office.client = client
    office.name = name
    office.postal_code = text(values, "postal_code", max_len=40)
    office.address = address
    office.lat, office.lon = lat, lon
    if precision != "manual" or office.geocode_precision is None:
        office.geocode_precision = precision
    office.opens, office.closes = opens, closes
    office.notes = text(values, "notes", max_len=4000, multiline=True)
    return office


def save_seat(
    session: Session, values: Values, *, seat_id: int | None = None, office: Office | None = None,
    upsert: bool = False,
) -> Seat:
    """Create or update a seat row (office, label, kind, os, purchase_year, count); key = office + label."""
    if office is None:
        office_code = required_text(values, "office", max_len=40)
        office = _find(session, Office, "code", office_code)
        if office is None:
            raise ValidationError(f"office: unknown office {shown(office_code)}", field="office")
    label = required_text(values, "label")
    kind = choice(values, "kind", SEAT_KINDS)
    os_name = choice(values, "os", SEAT_OS, default="windows" if kind in ("pc", "server") else "none")
    year = integer(values, "purchase_year", minimum=1980, maximum=dt.date.today().year + 1)
    count = integer(values, "count", default=1, minimum=0, maximum=SEAT_COUNT_MAX)
    assert count is not None
    if count < 1:
        raise ValidationError(f"count: {count} must be at least 1", field="count")
    seat: Seat | None
    if seat_id is not None:
        seat = session.get(Seat, seat_id)
        if seat is None:
            raise NotFoundError(f"seat {seat_id} no longer exists")
    else:
        seat = session.scalars(
            select(Seat).where(Seat.office_id == office.id, Seat.label == label)
        ).first() if office.id is not None else None
        if seat is not None and not upsert:
            raise ValidationError(f"label: {shown(label)} already exists at {office.name}", field="label")
        if seat is None:
            seat = Seat(label=label, kind=kind)
            office.seats.append(seat)
    seat.office = office
    seat.label, seat.kind, seat.os, seat.purchase_year, seat.count = label, kind, os_name, year, count
    return seat


def save_concierge(
    session: Session, values: Values, *, concierge_id: int | None = None, upsert: bool = False,
    expected_version: int | None = None, geocoder: GeocodeFn | None = None,
) -> Concierge:
    """Create or update a concierge (code, name, phone, email, home_address, home_lat, home_lon, skills,
    working_days, shift_start, shift_end, max_visits, travel_profile, active, dedicated_clients)."""
    code = text(values, "code", max_len=40)
    name = required_text(values, "name")
    address = required_text(values, "home_address")
    lat, lon, _precision = _place(values, address, "home_lat", "home_lon", geocoder)
    skills = word_list(values, "skills", SKILLS)
    days = word_list(values, "working_days", WEEKDAYS) or list(WEEKDAYS[:5])
    shift_start = time_of_day(values, "shift_start", default=dt.time(9, 0))
    shift_end = time_of_day(values, "shift_end", default=dt.time(18, 0))
    if shift_end <= shift_start:
        raise ValidationError("shift_end: must be after shift_start", field="shift_end")
    max_visits = integer(values, "max_visits", default=8, minimum=1, maximum=50)
    profile = choice(values, "travel_profile", TRAVEL_PROFILES, default="tokyo_rail")
    dedicated_codes = (values.get("dedicated_clients") or "").replace(",", " ").split()
    dedicated = [client_by_code(session, c, "dedicated_clients") for c in dedicated_codes]
    concierge = _target(
        session, Concierge, "concierge", code, concierge_id, upsert,
        lambda: Concierge(code="", name="", home_address="", home_lat=0.0, home_lon=0.0),
    )
    _check_version(concierge, expected_version, f"concierge {concierge.code or name}")
    concierge.code = code or concierge.code or next_code(session, Concierge, "K")
    concierge.name = name
    concierge.phone = text(values, "phone", max_len=40)
    concierge.email = text(values, "email")
    concierge.home_address = address
    concierge.home_lat, concierge.home_lon = lat, lon
    concierge.skills = skills
    concierge.working_days = sorted(WEEKDAYS.index(d) for d in days)
    concierge.shift_start, concierge.shift_end = shift_start, shift_end
    assert max_visits is not None
    concierge.max_visits = max_visits
    concierge.travel_profile = profile
    concierge.active = boolean(values, "active", default=True)
    if "dedicated_clients" in values:
        for client in list(concierge.dedicated_clients):
            if client not in dedicated:
                client.dedicated_concierge = None
        for client in dedicated:
            client.dedicated_concierge = concierge
    return concierge
