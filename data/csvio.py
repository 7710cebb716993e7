"""CSV import and export of clients, offices, seats and concierges.

Import is all or nothing: every row is validated, every bad row is reported as
`line N, column X: problem`, and nothing is written unless the whole file is good. Rows are matched
by their external key (code; for seats office + label), so importing the same file twice changes
nothing. Files are UTF-8 with or without a BOM (Excel), or another encoding such as cp932 (Shift_JIS).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.errors import DataError, ValidationError
from data.models import Client, Concierge, Office, Seat
from data.records import (
    WEEKDAYS,
    GeocodeFn,
    Values,
    format_bool,
    format_float,
    format_time,
    save_client,
    save_concierge,
    save_office,
    save_seat,
)

KINDS = ("clients", "offices", "seats", "concierges")

COLUMNS: dict[str, tuple[str, ...]] = {
    "clients": ("code", "name", "name_kana", "contact_person", "phone", "email", "language", "active", "notes"),
    "offices": ("code", "client", "name", "postal_code", "address", "lat", "lon", "opens", "closes", "notes"),
    "seats": ("office", "label", "kind", "os", "purchase_year", "count"),
    "concierges": (
        "code", "name", "phone", "email", "home_address", "home_lat", "home_lon", "skills", "working_days",
        "shift_start", "shift_end", "max_visits", "travel_profile", "active", "dedicated_clients",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "clients": ("code", "name"),
    "offices": ("code", "client", "name", "address"),
    "seats": ("office", "label", "kind"),
    "concierges": ("code", "name", "home_address"),
}


class CsvError(DataError):
    """A CSV file has bad rows; `problems` lists every one as `line N, column X: problem`."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:20]) + (f"; ... {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"{path}: {len(problems)} bad row(s), nothing imported: {shown}")


@dataclass
class ImportReport:
    """What an import did."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.rows} rows read, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


def read_rows(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; line numbers count the header as line 1."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        encoding = "utf-8-sig"
    try:
        content = raw.decode(encoding)
    except LookupError:
        raise DataError(f"--encoding: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path}: line {line} is not valid {encoding} (an Excel/Shift_JIS file? try --encoding cp932)"
        ) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise DataError(f"{path}: the file is empty") from None
    rows: list[tuple[int, dict[str, str]]] = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        line = reader.line_num
        if len(record) > len(header):
            rows.append((line, {"__extra__": str(len(record) - len(header))}))
            continue
        rows.append((line, dict(zip(header, record + [""] * (len(header) - len(record)), strict=True))))
    return header, rows


def _check_header(kind: str, path: Path, header: Sequence[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS[kind]]
    missing = [h for h in REQUIRED[kind] if h not in header]
    problems = [f"line 1, column {h}: unknown column (expected {', '.join(COLUMNS[kind])})" for h in unknown]
    problems += [f"line 1, column {h}: required column missing" for h in missing]
    if problems:
        raise CsvError(str(path), problems)


def _key(kind: str, row: Values) -> str:
    if kind == "seats":
        return f"{(row.get('office') or '').strip()} / {(row.get('label') or '').strip()}"
    return (row.get("code") or "").strip()


def import_csv(
    session: Session, kind: str, path: Path, *, encoding: str = "utf-8-sig",
    geocoder: GeocodeFn | None = None,
) -> ImportReport:
    """Validate and upsert every row of `path`; raise CsvError listing all bad rows (caller rolls back)."""
    if kind not in KINDS:
        raise DataError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    header, rows = read_rows(path, encoding)
    _check_header(kind, path, header)
    report = ImportReport(kind=kind, rows=len(rows))
    seen: dict[str, int] = {}
    before = {_key(kind, r): r for r in export_rows(session, kind)}
    for line, row in rows:
        if "__extra__" in row:
            report.problems.append(f"line {line}, column -: {row['__extra__']} more cell(s) than columns")
            continue
        key = _key(kind, row)
        if key.strip(" /") and key in seen:
            column = "label" if kind == "seats" else "code"
            report.problems.append(f"line {line}, column {column}: duplicate key {key!r} (also line {seen[key]})")
            continue
        seen[key] = line
        try:
            with session.begin_nested():
                _save(kind, session, row, geocoder)
                session.flush()
        except ValidationError as exc:
            column = exc.field or "-"
            message = str(exc).removeprefix(f"{exc.field}: ") if exc.field else str(exc)
            report.problems.append(f"line {line}, column {column}: {message}")
            continue
    if report.problems:
        raise CsvError(str(path), report.problems)
    after = {_key(kind, r): r for r in export_rows(session, kind)}
    for key in seen:
        if key not in before:
            report.created += 1
        elif before[key] == after.get(key):
            report.unchanged += 1
        else:
            report.updated += 1
    return report


def _save(kind: str, session: Session, row: Values, geocoder: GeocodeFn | None) -> object:
    if kind == "clients":
        return save_client(session, row, upsert=True)
    if kind == "offices":
        return save_office(session, row, upsert=True, geocoder=geocoder)
    if kind == "seats":
        return save_seat(session, row, upsert=True)
    return save_concierge(session, row, upsert=True, geocoder=geocoder)


def _opt(value: object) -> str:
    return "" if value is None else str(value)


def _client_row(c: Client) -> dict[str, str]:
    return {
        "code": c.code, "name": c.name, "name_kana": _opt(c.name_kana), "contact_person": _opt(c.contact_person),
        "phone": _opt(c.phone), "email": _opt(c.email), "language": c.language, "active": format_bool(c.active),
        "notes": _opt(c.notes),
    }


def _office_row(o: Office) -> dict[str, str]:
    return {
        "code": o.code, "client": o.client.code, "name": o.name, "postal_code": _opt(o.postal_code),
        "address": o.address, "lat": format_float(o.lat), "lon": format_float(o.lon),
        "opens": format_time(o.opens), "closes": format_time(o.closes), "notes": _opt(o.notes),
    }


def _seat_row(s: Seat) -> dict[str, str]:
    return {
        "office": s.office.code, "label": s.label, "kind": s.kind, "os": s.os,
        "purchase_year": _opt(s.purchase_year), "count": str(s.count),
    }


def _concierge_row(k: Concierge) -> dict[str, str]:
    return {
        "code": k.code, "name": k.name, "phone": _opt(k.phone), "email": _opt(k.email),
        "home_address": k.home_address, "home_lat": format_float(k.home_lat),
        "home_lon": format_float(k.home_lon), "skills": " ".join(k.skills),
        "working_days": " ".join(WEEKDAYS[d] for d in k.working_days),
        "shift_start": format_time(k.shift_start), "shift_end": format_time(k.shift_end),
        "max_visits": str(k.max_visits), "travel_profile": k.travel_profile, "active": format_bool(k.active),
        "dedicated_clients": " ".join(sorted(c.code for c in k.dedicated_clients)),
    }


def export_rows(session: Session, kind: str) -> list[dict[str, str]]:
    """Every record of `kind` as CSV text fields, in key order."""
    builders: dict[str, Callable[[Session], Iterable[dict[str, str]]]] = {
        "clients": lambda s: map(_client_row, s.scalars(select(Client).order_by(Client.code))),
        "offices": lambda s: map(
            _office_row, s.scalars(select(Office).options(selectinload(Office.client)).order_by(Office.code))
        ),
        "seats": lambda s: map(
            _seat_row,
            s.scalars(select(Seat).join(Seat.office).options(selectinload(Seat.office)).order_by(Office.code, Seat.label)),
        ),
        "concierges": lambda s: map(
            _concierge_row,
            s.scalars(select(Concierge).options(selectinload(Concierge.dedicated_clients)).order_by(Concierge.code)),
        ),
    }
    if kind not in builders:
        raise DataError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    return list(builders[kind](session))


def export_csv(session: Session, kind: str, path: Path, *, encoding: str = "utf-8") -> int:
    """Write every record of `kind` to `path` with the documented columns; returns the row count."""
    rows = export_rows(session, kind)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS[kind]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    try:
        path.write_bytes(buffer.getvalue().encode(encoding))
    except OSError as exc:
        raise DataError(f"{path}: cannot write ({exc.strerror})") from exc
    except UnicodeEncodeError as exc:
        raise DataError(f"{path}: a value cannot be written in {encoding}: {exc.object[exc.start:exc.end]!r}") from exc
    return len(rows)
