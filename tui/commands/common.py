"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from data.db import Database

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


def prompt_password(prompt: str) -> str | None:
    """Ask for a database password on the terminal (None when there is no terminal to ask on)."""
    if not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass(prompt)


def open_db(db: str | None, need: str | None = None) -> Database:
    """Open `--db` for a command that needs capability `need` (data.access.matrix): on PostgreSQL the
    login must have it, else one line "you are signed in as k01, a concierge: billing is for admins"."""
    from data.db import open_database

    return open_database(db, need=need, ask_password=prompt_password)
