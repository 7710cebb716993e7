"""Options and checks shared by the subcommands.

Every value a user types on the command line is checked here or by `harden` (applied to the whole
command tree by `tui.cli.main`) before any work starts, and a bad one ends as one line naming the option:
whole numbers fit a 32-bit column, decimals are finite, dates lie in the years the business can run in,
input files exist and are files, output files can be created where they are asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tui.text import clean, json_safe

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

INT_BOUND = 2**31 - 1
"""Whole-number options stay within ±this (PostgreSQL INTEGER; every count, id and seed fits)."""
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2199, 12, 31)
"""Dates typed on the command line: contract terms, billing months and plans look years ahead and back,
so a date outside these years is a typo, not a plan."""
ECHO_CHARS = 40
"""A bad value is echoed up to this many characters."""
PATH_MAX_CHARS = 4096


class BadParameter(typer.BadParameter):
    """Bad command-line input; exits 2 with one line naming the option."""


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """`value` quoted for a message: control characters dropped, cut to `limit` characters."""
    text = clean(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def print_json(value: Any) -> None:
    """Print `value` as indented UTF-8 JSON on stdout."""
    sys.stdout.write(json_safe(json.dumps(value, ensure_ascii=False, indent=2)) + "\n")


def check_date(day: dt.date, option: str) -> dt.date:
    if not DATE_MIN <= day <= DATE_MAX:
        raise typer.BadParameter(
            f"{day.isoformat()} is outside the years {DATE_MIN.year}-{DATE_MAX.year}", param_hint=option
        )
    return day


def parse_date(text: str, option: str) -> dt.date:
    """YYYY-MM-DD within DATE_MIN..DATE_MAX."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{echo(text)} is not a date (YYYY-MM-DD)", param_hint=option) from None
    return check_date(day, option)


def parse_day(text: str, option: str = "--date") -> dt.date:
    """YYYY-MM-DD, `today` or `tomorrow` (the business's date, not the machine's)."""
    from data.clock import business_today

    if text == "today":
        return business_today()
    if text == "tomorrow":
        return business_today() + dt.timedelta(days=1)
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{echo(text)} is not a date (YYYY-MM-DD, today or tomorrow)", param_hint=option) from None
    return check_date(day, option)


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


# --- files --------------------------------------------------------------------------------------------


def _path_text(path: Path, option: str) -> str:
    text = str(path)
    if len(text) > PATH_MAX_CHARS or any(len(part) > 255 for part in path.parts):
        raise typer.BadParameter(f"{echo(text)} is too long a path", param_hint=option)
    if "\x00" in text:
        raise typer.BadParameter(f"{echo(text)} is not a file name", param_hint=option)
    return text


def check_input_file(path: Path, option: str) -> Path:
    """An existing, readable regular file (not a folder, a device or a FIFO); returns it with ~ expanded."""
    shown = echo(_path_text(path, option), 80)
    try:
        path = path.expanduser()
        path.stat()
    except RuntimeError:  # ~nosuchuser
        raise typer.BadParameter(f"{shown}: no such user's home folder", param_hint=option) from None
    except FileNotFoundError:
        raise typer.BadParameter(f"{shown} does not exist", param_hint=option) from None
    except OSError as exc:
        raise typer.BadParameter(f"{shown} cannot be read ({exc.strerror})", param_hint=option) from None
    if path.is_dir():
        raise typer.BadParameter(f"{shown} is a folder, not a file", param_hint=option)
    if not path.is_file():
        raise typer.BadParameter(f"{shown} is not a regular file", param_hint=option)
    if not os.access(path, os.R_OK):
        raise typer.BadParameter(f"{shown} cannot be read (permission denied)", param_hint=option)
    return path


def check_output_file(path: Path, option: str) -> Path:
    """A file that can be written: its folder exists and takes new files; not a folder or a special file.

    Checked before any long work (a solve, a billing close), so a typo costs nothing. The folder is probed
    by creating and removing a temporary file in it (which also refuses /proc, /sys and read-only mounts).
    """
    shown = echo(_path_text(path, option), 80)
    try:
        target = path.expanduser()
    except RuntimeError:  # ~nosuchuser
        raise typer.BadParameter(f"{shown}: no such user's home folder", param_hint=option) from None
    if target.is_dir():
        raise typer.BadParameter(f"{shown} is a folder; add a file name", param_hint=option)
    if target.exists() and not target.is_file():
        raise typer.BadParameter(f"{shown} is not a regular file", param_hint=option)
    folder = target.parent
    if not folder.is_dir():
        raise typer.BadParameter(f"{shown}: the folder {echo(folder, 80)} does not exist", param_hint=option)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".concierge-probe-"):
            pass
    except OSError as exc:
        raise typer.BadParameter(f"{shown}: cannot write in {echo(folder, 80)} ({exc.strerror})", param_hint=option) from None
    if target.exists() and not os.access(target, os.W_OK):
        raise typer.BadParameter(f"{shown} cannot be written (permission denied)", param_hint=option)
    return target


def write_output(path: Path, data: bytes, option: str) -> None:
    """Write `data` to `path` (checked by `check_output_file`); a failure is one line naming the option."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise typer.BadParameter(f"{echo(path, 80)}: cannot write ({exc.strerror or exc})", param_hint=option) from None


def input_file(option: str) -> Callable[[Path | None], Path | None]:
    """A typer callback checking an input-file option (`callback=input_file("--offices")`)."""

    def check(value: Path | None) -> Path | None:
        return None if value is None else check_input_file(value, option)

    return check


def output_file(option: str) -> Callable[[Path | None], Path | None]:
    """A typer callback checking an output-file option (`callback=output_file("--out")`)."""

    def check(value: Path | None) -> Path | None:
        return None if value is None else check_output_file(value, option)

    return check


# --- every option of the tree -------------------------------------------------------------------------


def _bounded(value: Any, hint: str) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return type(value)(_bounded(v, hint) for v in value)
    if isinstance(value, int) and not -INT_BOUND - 1 <= value <= INT_BOUND:
        raise typer.BadParameter(f"must be a whole number from {-INT_BOUND - 1} to {INT_BOUND}", param_hint=hint)
    if isinstance(value, float) and not math.isfinite(value):
        raise typer.BadParameter(f"must be a finite number, got {value}", param_hint=hint)
    return value


def harden(command: Any) -> Any:
    """Bound every whole-number and decimal parameter of a click/typer command tree (recursively).

    Typer converts `--pcs 99999999999999999999999` to a Python int and `--time-limit inf` to a float;
    neither fits anything downstream (an SQLite/PostgreSQL integer, a solver's time limit). Each
    parameter's callback is wrapped so the value is checked right after conversion, whatever command
    declares it.
    """
    for param in getattr(command, "params", []):
        hint = "/".join(getattr(param, "opts", None) or [str(param.name).upper()])
        original = param.callback

        def checked(ctx: Any, p: Any, value: Any, _original: Any = original, _hint: str = hint) -> Any:
            value = _bounded(value, _hint)
            return _original(ctx, p, value) if _original is not None else value

        param.callback = checked
    for sub in getattr(command, "commands", {}).values():
        harden(sub)
    return command
