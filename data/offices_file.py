"""Offices files for a quote (`concierge quote --offices FILE`): JSON or CSV → `pricing.quote.OfficeInput`.

JSON is `{"offices": [{name, lat, lon, address, pcs, servers, …}]}` or a bare list; CSV has a header row
with the same names (any order). An office without lat/lon is placed by geocoding its `address`.
Every problem is a `PricingError` naming the file, the office (`offices[3]` / `line 4`) and the field;
a column or key the file does not know is refused (a misspelt `pc` would otherwise price 0 PCs), and so
is a column named twice. Coarse geocoding results come back as warnings for the caller to show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data.errors import DataError
from data.textfiles import csv_table, read_json, read_text
from pricing.errors import PricingError
from pricing.quote import OfficeInput

COLUMNS = ("name", "lat", "lon", "address", "pcs", "servers", "other_seats", "old_devices", "user_programs")
ALIASES = {"other": "other_seats", "other seats": "other_seats", "other_os": "other_seats", "old": "old_devices", "programs": "user_programs"}
COUNT_FIELDS = ("pcs", "servers", "other_seats", "old_devices", "user_programs")
COUNT_MAX = 100_000
"""Devices of one kind at one office at most (as the quote form)."""
COARSE_PRECISIONS = ("prefecture", "municipality")
"""Geocoder precisions too coarse to cluster offices reliably (a warning)."""
MAX_OFFICES = 10_000

Geocoder = Callable[[str], tuple[float, float, str]]


@dataclass
class OfficesFile:
    """The offices read from a file, and what the reader wants the user to check."""

    offices: list[OfficeInput]
    warnings: list[str] = field(default_factory=list)


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _column(key: object) -> str:
    name = str(key).strip().lower()
    return ALIASES.get(name, name)


def count_value(value: object, where: str) -> int:
    """A seat count from JSON or CSV: a whole number from 0 to COUNT_MAX (digit strings accepted)."""
    if isinstance(value, bool):
        raise PricingError(f"{where}: must be a whole number, got {_shown(value)}")
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        if not text.lstrip("-").isdecimal() or len(text) > 12:
            raise PricingError(f"{where}: must be a whole number from 0 to {COUNT_MAX:,}, got {_shown(value)}")
        value = int(text)
    if not isinstance(value, int):
        raise PricingError(f"{where}: must be a whole number, got {_shown(value)}")
    if value < 0:
        raise PricingError(f"{where}: must not be negative, got {value}")
    if value > COUNT_MAX:
        raise PricingError(f"{where}: must be at most {COUNT_MAX:,}, got {_shown(value)}")
    return value


def coordinate(value: object, where: str, limit: float) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise PricingError(f"{where}: must be a number of degrees, got {_shown(value)}")
    try:
        number = float(value) if isinstance(value, int | float | str) and len(str(value)) <= 40 else float("nan")
    except (ValueError, OverflowError):
        number = float("nan")
    if not -limit <= number <= limit:  # also rejects NaN
        raise PricingError(f"{where}: must be a number of degrees between -{limit:g} and {limit:g}, got {_shown(value)}")
    return number


def office_from_record(
    record: Mapping[str, Any], where: str, geocoder: Geocoder | None, *, number: int, warnings: list[str] | None = None
) -> OfficeInput:
    """One office of an offices file; `where` prefixes every message (e.g. "shops.csv line 3")."""
    values: dict[str, Any] = {}
    for key, value in record.items():
        name = _column(key)
        if name not in COLUMNS:
            raise PricingError(f"{where}: {_shown(key)} is not a known field (expected {', '.join(COLUMNS)})")
        values[name] = value
    raw_name = values.get("name")
    if raw_name is not None and not isinstance(raw_name, str | int | float):
        raise PricingError(f"{where}: name: must be text, got {type(raw_name).__name__}")
    name = str(raw_name).strip()[:200] if raw_name not in (None, "") else f"Office {number}"
    counts = {key: count_value(values.get(key, 0), f"{where}: {key}") for key in COUNT_FIELDS}
    lat = coordinate(values.get("lat"), f"{where}: lat", 90.0)
    lon = coordinate(values.get("lon"), f"{where}: lon", 180.0)
    if lat is None or lon is None:
        raw_address = values.get("address")
        address = str(raw_address).strip() if isinstance(raw_address, str) else ""
        if not address:
            missing = "lat" if lat is None else "lon"
            raise PricingError(f"{where}: {missing}: required (give lat and lon, or an address)")
        if geocoder is None:
            raise PricingError(f"{where}: address: address needs geocoding, give lat/lon")
        if len(address) > 300:
            raise PricingError(f"{where}: address: longer than 300 characters")
        try:
            lat, lon, precision = geocoder(address)
        except DataError as exc:  # the geocoder's own error, as one line naming the field
            raise PricingError(f"{where}: address: cannot geocode {_shown(address)} ({exc})") from None
        if precision in COARSE_PRECISIONS and warnings is not None:
            warnings.append(f"{where}: {_shown(address)} geocoded only to the {precision}; give lat/lon for exact clusters")
    try:
        return OfficeInput(name=name or f"Office {number}", lat=lat, lon=lon, **counts)
    except PricingError as exc:
        raise PricingError(f"{where}: {exc}") from None


def read_offices(path: Path, geocoder: Geocoder | None, *, encoding: str = "utf-8-sig") -> OfficesFile:
    """Offices from a JSON file ({"offices": [...]} or a bare list) or a CSV file with a header row."""
    name = path.name
    try:
        text = read_text(path, encoding, name)
    except DataError as exc:
        raise PricingError(str(exc)) from None
    result = OfficesFile([])
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            data = read_json(text, name)
        except DataError as exc:
            raise PricingError(str(exc)) from None
        items = data.get("offices") if isinstance(data, dict) else data
        if isinstance(data, dict) and set(data) - {"offices"}:
            other = sorted(str(k) for k in set(data) - {"offices"})[0]
            raise PricingError(f"{name}: {_shown(other)} is not a known key (expected \"offices\")")
        if not isinstance(items, list):
            raise PricingError(f"{name}: offices: expected a list of offices")
        if len(items) > MAX_OFFICES:
            raise PricingError(f"{name}: offices: {len(items):,} offices; at most {MAX_OFFICES:,}")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise PricingError(f"{name}: offices[{index}]: expected an object")
            where = f"{name}: offices[{index}]"
            result.offices.append(office_from_record(item, where, geocoder, number=index + 1, warnings=result.warnings))
    else:
        try:
            header, rows = csv_table(text, name)
        except DataError as exc:
            raise PricingError(str(exc)) from None
        for column in header:
            if column and _column(column) not in COLUMNS:
                raise PricingError(f"{name} line 1: {_shown(column)} is not a known column (expected {', '.join(COLUMNS)})")
        if len(rows) > MAX_OFFICES:
            raise PricingError(f"{name}: {len(rows):,} offices; at most {MAX_OFFICES:,}")
        for index, (line, cells) in enumerate(rows):
            if len(cells) > len(header):
                raise PricingError(f"{name} line {line}: {len(cells) - len(header)} more cell(s) than columns")
            record = {h: c for h, c in zip(header, cells, strict=False) if h}
            result.offices.append(office_from_record(record, f"{name} line {line}", geocoder, number=index + 1, warnings=result.warnings))
    if not result.offices:
        raise PricingError(f"{name}: offices: the file lists no offices")
    return result
