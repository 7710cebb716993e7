"""CSV import and export of clients, offices, seats and concierges.

Import is all or nothing: every row is validated, every bad row is reported as
`line N, column X: problem`, and nothing is written unless the whole file is good. Rows are matched
by their external key (code; for seats office + label), so importing the same file twice changes
nothing. Files are UTF-8 with or without a BOM (Excel), or another encoding such as cp932 (Shift_JIS).

Speed: the records a file refers to are read once (by key) before the rows, each row is checked in
memory (`data.records.check_*`), and the good file is written in one flush — 10,000 rows in about a
second instead of a savepoint and a handful of queries per row (bench/csv_import_bench.py).

Spreadsheet safety (CSV injection, as OWASP recommends): an exported text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return would run as a formula in Excel; it is written with a leading
apostrophe (`'=HYPERLINK(…)`), Excel's own "this is text" mark. A cell that starts with an apostrophe
gets one more. Import drops one leading apostrophe from a text cell, so export → import → export is
byte-exact for every value; to import a value that really starts with an apostrophe, write two.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.orm import Session, selectinload

from data.errors import ConflictError, DataError, ValidationError
from data.fields import format_bool, format_float, format_time, shown
from data.models import Client, Concierge, Office, Seat
from data.records import (
    WEEKDAYS,
    GeocodeFn,
    apply_client,
    apply_concierge,
    apply_office,
    apply_seat,
    check_client,
    check_concierge,
    check_office,
    check_seat,
    set_dedicated,
)
from data.textfiles import csv_table, read_text, spreadsheet_safe, spreadsheet_text

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
NUMBER_COLUMNS = frozenset({"lat", "lon", "home_lat", "home_lon", "purchase_year", "count", "max_visits"})
"""Columns written as numbers: never neutralised (a validated number is no formula)."""

class CsvError(DataError):
    """A CSV file has bad rows; `problems` lists every one as `line N, column X: problem`."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        shown_problems = "; ".join(problems[:20]) + (f"; ... {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__(f"{path}: {len(problems)} bad row(s), nothing imported: {shown_problems}")


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


# --- spreadsheet safety --------------------------------------------------------------------------------


def neutralise(column: str, value: str) -> str:
    """The cell as exported: a text cell that a spreadsheet would run as a formula gets the text mark."""
    return value if column in NUMBER_COLUMNS else spreadsheet_safe(value)


def unneutralise(column: str, value: str) -> str:
    """The cell as imported: one leading text mark dropped from a text cell (the inverse of `neutralise`)."""
    return value if column in NUMBER_COLUMNS else spreadsheet_text(value)


# --- reading ---------------------------------------------------------------------------------------------


def read_rows(path: Path, encoding: str = "utf-8-sig") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; line numbers count the header as line 1.

    A row with more cells than the header has `{"__extra__": "<how many more>"}` instead of values.
    """
    where = str(path)
    header, table = csv_table(read_text(path, encoding, where), where)
    rows: list[tuple[int, dict[str, str]]] = []
    for line, record in table:
        if len(record) > len(header):
            rows.append((line, {"__extra__": str(len(record) - len(header))}))
            continue
        cells = record + [""] * (len(header) - len(record))
        rows.append((line, {h: unneutralise(h, c) for h, c in zip(header, cells, strict=True) if h}))
    return header, rows


def _check_header(kind: str, path: Path, header: list[str]) -> None:
    unknown = [h for h in header if h and h not in COLUMNS[kind]]
    missing = [h for h in REQUIRED[kind] if h not in header]
    problems = [f"line 1, column {h if len(h) <= 40 else h[:40] + '…'}: unknown column (expected {', '.join(COLUMNS[kind])})" for h in unknown]
    problems += [f"line 1, column {h}: required column missing" for h in missing]
    if problems:
        raise CsvError(str(path), problems)


# --- importing ---------------------------------------------------------------------------------------


@dataclass
class _Staged:
    """A checked row: its key, the stored record's columns (None: a new record), its fields and reference."""

    key: str
    stored: dict[str, Any] | None
    fields: Any
    ref: Any
    """What the row points at: a client id (offices), an office id (seats), client ids (dedicated clients)."""


class _Importer:
    """One kind's import: stored records read once as plain rows; each row checked in memory; then
    new records inserted with one executemany INSERT, stored ones compared as exported rows, and only
    the changed ones loaded as ORM rows and updated (version checked)."""

    kind = ""
    model: Any = None
    prefix = ""

    def __init__(self, session: Session, geocoder: GeocodeFn | None) -> None:
        self.session = session
        self.geocoder = geocoder
        self.existing: dict[str, dict[str, Any]] = {}
        self.staged: list[_Staged] = []
        self.codes: Iterator[str] = iter(())

    @functools.cached_property
    def columns(self) -> frozenset[str]:
        return frozenset(c.key for c in inspect(self.model).column_attrs)

    def rows(self, model: Any) -> list[dict[str, Any]]:
        """Every stored record of `model` as a dict of its columns (no ORM objects: 10,000 are read in a blink)."""
        return [dict(r) for r in self.session.execute(select(model.__table__)).mappings()]

    def key(self, row: Mapping[str, str]) -> str:
        return (row.get("code") or "").strip()

    def load(self) -> None:
        """Read the stored records (and what rows refer to) by key."""
        raise NotImplementedError

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        """(key, checked fields, reference) of one row; ValidationError names the field."""
        raise NotImplementedError

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        """Write `f` onto `target`: a stand-in namespace of a stored or a new record."""
        raise NotImplementedError

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        """A stored record as a namespace with the references its exported row reads."""
        return SimpleNamespace(**stored)

    def stage(self, row: Mapping[str, str]) -> None:
        key, f, ref = self.check(row)
        if hasattr(f, "code"):  # an empty code cell got the next free code: that is the code written
            f = replace(f, code=key)
        self.staged.append(_Staged(key, self.existing.get(key), f, ref))

    def write(self, report: ImportReport) -> None:
        """Insert the new records; update the changed stored ones; count what happened."""
        new = [s for s in self.staged if s.stored is None]
        if new:
            self.session.execute(insert(self.model), [self.new_values(s) for s in new])
        report.created = len(new)
        changed: list[tuple[_Staged, SimpleNamespace]] = []
        for staged in self.staged:
            if staged.stored is None:
                continue
            candidate = self.stand_in(staged.stored)
            self.apply(candidate, staged.fields, staged.ref)
            if export_row(self.kind, candidate) == export_row(self.kind, self.stand_in(staged.stored)):
                report.unchanged += 1
            else:
                changed.append((staged, candidate))
        report.updated = len(changed)
        if changed:
            self.update(changed)
        self.after_insert(new)
        self.link([s for s, _ in changed])

    def update(self, changed: list[tuple[_Staged, SimpleNamespace]]) -> None:
        """One executemany UPDATE of the changed records, each guarded by the version it was read at.

        The rows matched must add up to the rows sent: a record someone else changed (or deleted) since
        it was read makes the whole import a conflict, and the caller's transaction writes nothing.
        """
        table = self.model.__table__
        columns = sorted(self.columns - {"id", "version"})
        statement = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(f"_{c}") for c in columns})
        versioned = "version" in self.columns
        if versioned:
            statement = statement.where(table.c.version == bindparam("_version")).values(version=table.c.version + 1)
        params = [
            {"_id": staged.stored["id"], **({"_version": staged.stored["version"]} if versioned else {}),
             **{f"_{c}": getattr(candidate, c) for c in columns}}
            for staged, candidate in changed if staged.stored is not None
        ]
        matched = self.session.execute(statement, params).rowcount  # type: ignore[attr-defined]
        if matched != len(params):
            raise ConflictError(
                f"{len(params) - matched} of the {self.kind} in the file were changed by someone else during the import; "
                "nothing was imported: import the file again"
            )

    def link(self, changed: list[_Staged]) -> None:
        """Relationships changed stored records need beyond their columns (dedicated clients)."""

    def new_values(self, staged: _Staged) -> dict[str, Any]:
        """Column values of a new record (its version starts at 1)."""
        row = SimpleNamespace(geocode_precision=None)
        self.apply(row, staged.fields, staged.ref)
        values = {k: v for k, v in vars(row).items() if k in self.columns}
        if "version" in self.columns:
            values["version"] = 1
        return values

    def after_insert(self, new: list[_Staged]) -> None:
        """Links that need the new records' ids (dedicated clients of new concierges)."""


def _free_codes(prefix: str, used: set[str], count: int) -> Iterator[str]:
    """C0042, C0043… skipping codes already used (for rows whose code cell is empty)."""
    number = count
    while True:
        number += 1
        code = f"{prefix}{number:04d}"
        if code not in used:
            used.add(code)
            yield code


def _refs(rows: list[dict[str, Any]]) -> dict[int, SimpleNamespace]:
    """id → a stand-in with the record's id and code (what an exported row names it by)."""
    return {r["id"]: SimpleNamespace(id=r["id"], code=r["code"]) for r in rows}


class _Clients(_Importer):
    kind, model = "clients", Client

    def load(self) -> None:
        self.existing = {r["code"]: r for r in self.rows(Client)}
        self.codes = _free_codes("C", set(self.existing), len(self.existing))

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_client(row)
        return f.code or next(self.codes), f, None

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        apply_client(target, f)


class _Offices(_Importer):
    kind, model = "offices", Office

    def load(self) -> None:
        clients = self.rows(Client)
        self.client_ids = {r["code"]: r["id"] for r in clients}
        self.clients = _refs(clients)
        self.existing = {r["code"]: r for r in self.rows(Office)}
        self.codes = _free_codes("O", set(self.existing), len(self.existing))

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_office(row, self.geocoder)
        client_id = self.client_ids.get(f.client_code or "")
        if client_id is None:
            raise ValidationError(f"client: unknown client {shown(f.client_code)}", field="client")
        return f.code or next(self.codes), f, client_id

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**stored, client=self.clients[stored["client_id"]])

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        client: Any = self.clients[ref]
        apply_office(target, f, client)
        target.client_id = ref


class _Seats(_Importer):
    kind, model = "seats", Seat

    def key(self, row: Mapping[str, str]) -> str:
        return f"{(row.get('office') or '').strip()} / {(row.get('label') or '').strip()}"

    def load(self) -> None:
        offices = self.rows(Office)
        self.office_ids = {r["code"]: r["id"] for r in offices}
        self.offices = _refs(offices)
        self.existing = {f"{self.offices[r['office_id']].code} / {r['label']}": r for r in self.rows(Seat)}

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_seat(row)
        office_id = self.office_ids.get(f.office_code or "")
        if office_id is None:
            raise ValidationError(f"office: unknown office {shown(f.office_code)}", field="office")
        return f"{f.office_code} / {f.label}", f, office_id

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**stored, office=self.offices[stored["office_id"]])

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        office: Any = self.offices[ref]
        apply_seat(target, f, office)
        target.office_id = ref


class _Concierges(_Importer):
    kind, model = "concierges", Concierge

    def load(self) -> None:
        clients = self.rows(Client)
        self.client_ids = {r["code"]: r["id"] for r in clients}
        self.clients = _refs(clients)
        self.dedicated_of: dict[int, list[SimpleNamespace]] = {}
        for r in clients:
            if r["dedicated_concierge_id"] is not None:
                self.dedicated_of.setdefault(r["dedicated_concierge_id"], []).append(self.clients[r["id"]])
        self.existing = {r["code"]: r for r in self.rows(Concierge)}
        self.codes = _free_codes("K", set(self.existing), len(self.existing))

    def check(self, row: Mapping[str, str]) -> tuple[str, Any, Any]:
        f = check_concierge(row, self.geocoder)
        dedicated: list[int] | None = None
        if f.dedicated_codes is not None:
            dedicated = []
            for client_code in f.dedicated_codes:
                if client_code not in self.client_ids:
                    raise ValidationError(f"dedicated_clients: unknown client {shown(client_code)}", field="dedicated_clients")
                dedicated.append(self.client_ids[client_code])
        return f.code or next(self.codes), f, dedicated

    def stand_in(self, stored: dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**stored, dedicated_clients=self.dedicated_of.get(stored["id"], []))

    def apply(self, target: Any, f: Any, ref: Any) -> None:
        apply_concierge(target, f)
        if ref is not None:
            target.dedicated_clients = [self.clients[i] for i in ref]

    def link(self, changed: list[_Staged]) -> None:
        linked = [s for s in changed if s.ref is not None and s.stored is not None]
        for staged in linked:
            assert staged.stored is not None
            concierge = self.session.get_one(Concierge, staged.stored["id"])
            set_dedicated(concierge, [self.session.get_one(Client, i) for i in staged.ref])

    def after_insert(self, new: list[_Staged]) -> None:
        linked = [s for s in new if s.ref]
        if not linked:
            return
        created = {k.code: k for k in self.session.scalars(select(Concierge).where(Concierge.code.in_([s.key for s in linked])))}
        for staged in linked:
            set_dedicated(created[staged.key], [self.session.get_one(Client, i) for i in staged.ref])


IMPORTERS: dict[str, type[_Importer]] = {"clients": _Clients, "offices": _Offices, "seats": _Seats, "concierges": _Concierges}


def import_csv(
    session: Session, kind: str, path: Path, *, encoding: str = "utf-8-sig",
    geocoder: GeocodeFn | None = None,
) -> ImportReport:
    """Validate and upsert every row of `path`; raise CsvError listing all bad rows (caller rolls back)."""
    if kind not in KINDS:
        raise DataError(f"kind: {shown(kind)} is not one of {', '.join(KINDS)}")
    header, rows = read_rows(path, encoding)
    _check_header(kind, path, header)
    report = ImportReport(kind=kind, rows=len(rows))
    importer = IMPORTERS[kind](session, geocoder)
    seen: dict[str, int] = {}
    with session.no_autoflush:
        importer.load()
        for line, row in rows:
            if "__extra__" in row:
                report.problems.append(f"line {line}, column -: {row['__extra__']} more cell(s) than columns")
                continue
            key = importer.key(row)
            if key.strip(" /") and key in seen:
                column = "label" if kind == "seats" else "code"
                report.problems.append(f"line {line}, column {column}: duplicate key {shown(key)} (also line {seen[key]})")
                continue
            seen[key] = line
            try:
                importer.stage(row)
            except ValidationError as exc:
                column = exc.field or "-"
                message = str(exc).removeprefix(f"{exc.field}: ") if exc.field else str(exc)
                report.problems.append(f"line {line}, column {column}: {message}")
        if report.problems:
            raise CsvError(str(path), report.problems)
        importer.write(report)
    session.flush()
    return report


# --- exporting ---------------------------------------------------------------------------------------


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


ROW_OF: dict[str, Callable[[Any], dict[str, str]]] = {
    "clients": _client_row, "offices": _office_row, "seats": _seat_row, "concierges": _concierge_row,
}


def export_row(kind: str, record: Any) -> dict[str, str]:
    """One record as its CSV text fields (before spreadsheet neutralising)."""
    return ROW_OF[kind](record)


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
        raise DataError(f"kind: {shown(kind)} is not one of {', '.join(KINDS)}")
    return list(builders[kind](session))


def export_csv(session: Session, kind: str, path: Path, *, encoding: str = "utf-8") -> int:
    """Write every record of `kind` to `path` with the documented columns; returns the row count.

    Text cells that a spreadsheet would run as formulas are neutralised (see the module docstring)."""
    rows = export_rows(session, kind)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS[kind]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({column: neutralise(column, value) for column, value in row.items()} for row in rows)
    try:
        path.write_bytes(buffer.getvalue().encode(encoding))
    except OSError as exc:
        raise DataError(f"{path}: cannot write ({exc.strerror})") from exc
    except UnicodeEncodeError as exc:
        raise DataError(f"{path}: a value cannot be written in {encoding}: {shown(exc.object[exc.start:exc.end])}") from exc
    except LookupError:
        raise DataError(f"--encoding: unknown encoding {shown(encoding)}") from None
    return len(rows)
