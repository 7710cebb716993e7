"""Field validators for text input (forms, CSV rows, command lines): each returns a typed value or raises
`ValidationError(field=...)` with a one-line message naming the field.

Every number is bounded by what the database can hold exactly (INT_MAX, YEN_MAX); text refuses control
characters; a bad value is quoted at most ECHO_CHARS characters long.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import TypeVar

from data.errors import ValidationError, ValidationErrors

T = TypeVar("T")

Values = Mapping[str, str | None]
"""A form or CSV row: field name → typed text (None or "" = empty)."""

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


_COLLECTED: ContextVar[list[ValidationError] | None] = ContextVar("collected_field_errors", default=None)


@contextmanager
def collecting() -> Iterator[None]:
    """Check a whole form: inside, a bad field is noted and its validator returns a harmless stand-in, so
    every field is checked; at the end the problems are raised together (`ValidationErrors` when more than
    one). Whatever else fails after a bad field (a cross-field check, the database) gives way to the
    noted problems. Use it inside the unit of work: nothing is written when anything was noted."""
    noted: list[ValidationError] = []
    token = _COLLECTED.set(noted)
    try:
        yield
    except ValidationError as exc:
        if not noted:
            raise
        if not any(e.field == exc.field for e in noted):
            noted.append(exc)
    except Exception:
        if not noted:
            raise
    finally:
        _COLLECTED.reset(token)
    if len(noted) == 1:
        raise noted[0]
    if noted:
        raise ValidationErrors(noted)


def refuse(error: ValidationError, stand_in: T) -> T:
    """Raise `error`, or inside `collecting()` note it (once per field) and go on with `stand_in`."""
    noted = _COLLECTED.get()
    if noted is None:
        raise error
    if not any(e.field == error.field for e in noted):
        noted.append(error)
    return stand_in


def text(
    values: Values, field: str, *, required: bool = False, max_len: int = 200, multiline: bool = False
) -> str | None:
    """A stripped string; empty counts as missing. Control characters are refused (line breaks and tabs
    only where `multiline`)."""
    raw = (values.get(field) or "").strip()
    if not raw:
        if required:
            return refuse(ValidationError(f"{field}: required", field=field), "-")
        return None
    if len(raw) > max_len:
        return refuse(ValidationError(f"{field}: longer than {max_len} characters", field=field), "-")
    bad = _CONTROL.search(raw if multiline else raw.replace("\t", "\x00").replace("\n", "\x00"))
    if bad is not None:
        char = raw[bad.start()]
        what = "a line break or tab" if char in "\t\n" else f"a control character (U+{ord(char):04X})"
        return refuse(ValidationError(f"{field}: contains {what}", field=field), "-")
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
    stand_in = default if default is not None else (minimum if minimum is not None else 0)
    digits = raw.replace(",", "")
    if len(digits.lstrip("+-").lstrip("0")) > _DIGITS_MAX:
        if digits.lstrip("+-").isdecimal():
            sign = "below" if digits.startswith("-") else "above"
            bound = minimum if sign == "below" and minimum is not None else top
            return refuse(ValidationError(f"{field}: {shown(raw)} is {sign} {bound}", field=field), stand_in)
        return refuse(ValidationError(f"{field}: {shown(raw)} is not a whole number", field=field), stand_in)
    try:
        number = int(digits)
    except ValueError:
        return refuse(ValidationError(f"{field}: {shown(raw)} is not a whole number", field=field), stand_in)
    if minimum is not None and number < minimum:
        what = "negative" if minimum == 0 and number < 0 else f"below {minimum}"
        return refuse(ValidationError(f"{field}: {number} is {what}", field=field), stand_in)
    if number > top:
        return refuse(ValidationError(f"{field}: {number} is above {top}", field=field), stand_in)
    return number


def money(values: Values, field: str, *, maximum: Decimal = YEN_MAX) -> Decimal | None:
    """Whole yen ≥ 0 ("12,000", "¥12000", "12000円"), at most `maximum`; empty: None."""
    raw = (values.get(field) or "").replace("¥", "").replace("￥", "").replace("円", "").strip()
    number = integer({field: raw}, field, minimum=0)
    if number is None:
        return None
    if number > maximum:
        return refuse(ValidationError(f"{field}: ¥{number:,} is above the ¥{maximum:,} a money field accepts", field=field), None)
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
        return refuse(ValidationError(f"{field}: {shown(raw)} is not a number", field=field), None)
    if not -limit <= number <= limit:
        return refuse(ValidationError(f"{field}: {number} is out of range (-{limit:g} to {limit:g})", field=field), None)
    return number


def boolean(values: Values, field: str, *, default: bool) -> bool:
    raw = (values.get(field) or "").strip().lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    return refuse(ValidationError(f"{field}: {shown(raw)} is not yes/no", field=field), default)


def time_of_day(values: Values, field: str, *, default: dt.time) -> dt.time:
    raw = (values.get(field) or "").strip()
    if not raw:
        return default
    try:
        hours, minutes = raw.split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, OverflowError):
        return refuse(ValidationError(f"{field}: {shown(raw)} is not a time (HH:MM)", field=field), default)


def choice(values: Values, field: str, options: tuple[str, ...], *, default: str | None = None) -> str:
    raw = (values.get(field) or "").strip().lower()
    if not raw:
        if default is None:
            return refuse(ValidationError(f"{field}: required (one of {', '.join(options)})", field=field), options[0])
        return default
    if raw not in options:
        return refuse(ValidationError(f"{field}: {shown(raw)} is not one of {', '.join(options)}", field=field), default or options[0])
    return raw


def word_list(values: Values, field: str, options: tuple[str, ...]) -> list[str]:
    """Words separated by spaces, commas or semicolons, each from `options`; order kept, duplicates dropped."""
    raw = (values.get(field) or "").replace(",", " ").replace(";", " ").lower().split()
    result: list[str] = []
    for word in raw:
        if word not in options:
            refuse(ValidationError(f"{field}: {shown(word)} is not one of {', '.join(options)}", field=field), None)
            continue
        if word not in result:
            result.append(word)
    return result


def format_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


def format_bool(value: bool) -> str:
    return "yes" if value else "no"


def format_float(value: float) -> str:
    return repr(float(value))
