"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated, Any

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite file path or database URL (postgresql+psycopg://...). "
        "Default: $CONCIERGE_DATABASE_URL, else concierge.sqlite3 in the user data directory.",
        show_default=False,
    ),
]


class BadParameter(typer.BadParameter):
    """Bad command-line input; exits 2 with one line naming the option."""


def print_json(value: Any) -> None:
    """Print `value` as indented UTF-8 JSON on stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def parse_day(text: str, option: str = "--date") -> dt.date:
    """YYYY-MM-DD, `today` or `tomorrow` (the business's date, not the machine's)."""
    from data.clock import business_today

    if text == "today":
        return business_today()
    if text == "tomorrow":
        return business_today() + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD, today or tomorrow)", param_hint=option) from None
