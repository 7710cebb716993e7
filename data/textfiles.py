"""Reading the files people hand us (CSV imports, offices files): decoding, CSV and JSON, safely.

Every failure is a `DataError` naming the file and, where known, the line — never a decoder's traceback:
a Shift_JIS file read as UTF-8, a cell longer than the CSV module accepts, a header naming a column twice,
a JSON integer of 5,000 digits, a JSON document nested ten thousand deep, a 2 GB file.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from data.errors import DataError

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this are refused before they are read (64 MB: ~500,000 CSV rows)."""
MAX_CELL_CHARS = 131_072
"""The CSV module's field limit; a longer cell is refused with its line number."""
MAX_NUMBER_DIGITS = 30
"""JSON numbers with more digits are refused (Python's int() stops at 4,300 and grows quadratically)."""
MAX_JSON_DEPTH = 64
"""JSON nested deeper than this is refused (offices files are two levels deep)."""
UTF8_NAMES = ("utf8", "utf8sig")


def file_bytes(path: Path, where: str | None = None) -> bytes:
    """The file's content; a missing, unreadable or oversized file is one sentence."""
    name = where or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DataError(f"{name}: the file is {size // (1024 * 1024)} MB; at most {MAX_FILE_BYTES // (1024 * 1024)} MB is read")
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{name}: cannot read ({exc.strerror or exc})") from None


def decode(raw: bytes, encoding: str, where: str) -> str:
    """`raw` as text: UTF-8 with or without a BOM (Excel), or another encoding such as cp932 (Shift_JIS)."""
    if encoding.lower().replace("-", "").replace("_", "") in UTF8_NAMES:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except LookupError:
        raise DataError(f"--encoding: unknown encoding {encoding[:40]!r}") from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        utf8 = encoding == "utf-8-sig"
        hint = " (an Excel/Shift_JIS file? try --encoding cp932)" if utf8 else ""
        raise DataError(f"{where}: line {line} is not valid {'UTF-8' if utf8 else encoding}{hint}") from None


def read_text(path: Path, encoding: str = "utf-8-sig", where: str | None = None) -> str:
    """`file_bytes` then `decode`."""
    name = where or str(path)
    return decode(file_bytes(path, name), encoding, name)


def csv_table(text: str, where: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (stripped, lower case) and the (line number, cells) of every non-blank row.

    Line numbers count the header as line 1 (a quoted cell may span lines: the row's last line counts).
    A header naming a column twice, or a cell over MAX_CELL_CHARS, is refused with its line.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise DataError(f"{where}: the file is empty") from None
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((reader.line_num, record))
    except csv.Error as exc:
        line = reader.line_num
        reason = f"a cell is longer than {MAX_CELL_CHARS:,} characters" if "field larger" in str(exc) else str(exc)
        raise DataError(f"{where}: line {line}: {reason}") from None
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise DataError(f"{where}: line 1, column {twice[0]}: the header names this column twice")
    blank = [i + 1 for i, h in enumerate(header) if not h]
    if blank and any(len(cells) >= blank[0] and cells[blank[0] - 1].strip() for _, cells in rows):
        raise DataError(f"{where}: line 1: column {blank[0]} has no name in the header")
    return header, rows


def _number(kind: str) -> Any:
    def parse(text: str) -> int | float:
        if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
            raise DataError(f"a number of {len(text)} characters ({text[:20]}…) is too long")
        return int(text) if kind == "int" else float(text)

    return parse


def _depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def read_json(text: str, where: str) -> Any:
    """Parse JSON; bad syntax, overlong numbers, NaN/Infinity and deep nesting are one sentence."""
    if _depth(text) > MAX_JSON_DEPTH:
        raise DataError(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")

    def constant(name: str) -> Any:
        raise DataError(f"{where}: {name} is not a JSON number")

    try:
        return json.loads(text, parse_int=_number("int"), parse_float=_number("float"), parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except DataError as exc:
        message = str(exc)
        raise DataError(message if message.startswith(where) else f"{where}: {message}") from None
    except RecursionError:
        raise DataError(f"{where}: JSON nested too deeply") from None


# --- spreadsheet safety ------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""
TEXT_MARK = "'"
"""Excel's "this is text" mark, prefixed to a cell that would be a formula (or starts with the mark itself)."""


def spreadsheet_safe(value: str) -> str:
    """A text cell as written to a CSV file: `=HYPERLINK(…)` becomes `'=HYPERLINK(…)` (shown as typed, never
    run); a value starting with the mark gets one more, so `spreadsheet_text` undoes this exactly."""
    return TEXT_MARK + value if value.startswith((*FORMULA_STARTS, TEXT_MARK)) else value


def spreadsheet_text(value: str) -> str:
    """A text cell as read from a CSV file: one leading text mark dropped (the inverse of `spreadsheet_safe`)."""
    return value[len(TEXT_MARK):] if value.startswith(TEXT_MARK) else value
