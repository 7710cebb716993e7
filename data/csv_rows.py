"""CSV rows of clients, offices, seats and concierges: the columns of each kind, a record as its row of
text (what export writes and import compares), and spreadsheet safety for text cells (see data.csvio).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data.fields import format_bool, format_float, format_time
from data.models import Client, Concierge, Office, Seat
from data.records import WEEKDAYS
from data.textfiles import spreadsheet_safe, spreadsheet_text

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

def neutralise(column: str, value: str) -> str:
    """The cell as exported: a text cell that a spreadsheet would run as a formula gets the text mark."""
    return value if column in NUMBER_COLUMNS else spreadsheet_safe(value)


def unneutralise(column: str, value: str) -> str:
    """The cell as imported: one leading text mark dropped from a text cell (the inverse of `neutralise`)."""
    return value if column in NUMBER_COLUMNS else spreadsheet_text(value)


def _opt(value: object) -> str:
    return "" if value is None else str(value)


def client_row(c: Client) -> dict[str, str]:
    return {
        "code": c.code, "name": c.name, "name_kana": _opt(c.name_kana), "contact_person": _opt(c.contact_person),
        "phone": _opt(c.phone), "email": _opt(c.email), "language": c.language, "active": format_bool(c.active),
        "notes": _opt(c.notes),
    }


def office_row(o: Office) -> dict[str, str]:
    return {
        "code": o.code, "client": o.client.code, "name": o.name, "postal_code": _opt(o.postal_code),
        "address": o.address, "lat": format_float(o.lat), "lon": format_float(o.lon),
        "opens": format_time(o.opens), "closes": format_time(o.closes), "notes": _opt(o.notes),
    }


def seat_row(s: Seat) -> dict[str, str]:
    return {
        "office": s.office.code, "label": s.label, "kind": s.kind, "os": s.os,
        "purchase_year": _opt(s.purchase_year), "count": str(s.count),
    }


def concierge_row(k: Concierge) -> dict[str, str]:
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
    "clients": client_row, "offices": office_row, "seats": seat_row, "concierges": concierge_row,
}


def export_row(kind: str, record: Any) -> dict[str, str]:
    """One record as its CSV text fields (before spreadsheet neutralising)."""
    return ROW_OF[kind](record)
