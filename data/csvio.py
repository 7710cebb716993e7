"""CSV import and export of clients, offices, seats and concierges.

Import is all or nothing: every row is validated, every bad row is reported as
`line N, column X: problem`, and nothing is written unless the whole file is good. Rows are matched
by their external key (code; for seats office + label), so importing the same file twice changes
nothing. Files are UTF-8 with or without a BOM (Excel), or another encoding such as cp932 (Shift_JIS).

Speed: the records a file refers to are read once (by key) before the rows, each row is checked in
memory (`data.records.check_*`), and the good file is written in bulk (data/csv_importers.py) — 10,000 rows in about a
second instead of a savepoint and a handful of queries per row (bench/csv_import_bench.py).

Spreadsheet safety (CSV injection, as OWASP recommends): an exported text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return would run as a formula in Excel; it is written with a leading
apostrophe (`'=HYPERLINK(…)`), Excel's own "this is text" mark. A cell that starts with an apostrophe
gets one more. Import drops one leading apostrophe from a text cell, so export → import → export is
byte-exact for every value; to import a value that really starts with an apostrophe, write two.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.csv_importers import IMPORTERS
from data.csv_rows import (
    COLUMNS,
    KINDS,
    REQUIRED,
    client_row,
    concierge_row,
    neutralise,
    office_row,
    seat_row,
    unneutralise,
)
from data.errors import DataError, ValidationError
from data.fields import shown
from data.models import Client, Concierge, Office, Seat
from data.records import GeocodeFn
from data.textfiles import csv_table, read_text

__all__ = ["COLUMNS", "KINDS", "REQUIRED", "CsvError", "ImportReport", "export_csv", "export_rows", "import_csv", "read_rows"]


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
        counts = importer.write()
    session.flush()
    report.created, report.updated, report.unchanged = counts.created, counts.updated, counts.unchanged
    return report


# --- exporting ---------------------------------------------------------------------------------------


def export_rows(session: Session, kind: str) -> list[dict[str, str]]:
    """Every record of `kind` as CSV text fields, in key order."""
    builders: dict[str, Callable[[Session], Iterable[dict[str, str]]]] = {
        "clients": lambda s: map(client_row, s.scalars(select(Client).order_by(Client.code))),
        "offices": lambda s: map(
            office_row, s.scalars(select(Office).options(selectinload(Office.client)).order_by(Office.code))
        ),
        "seats": lambda s: map(
            seat_row,
            s.scalars(select(Seat).join(Seat.office).options(selectinload(Seat.office)).order_by(Office.code, Seat.label)),
        ),
        "concierges": lambda s: map(
            concierge_row,
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
