"""The `concierge` command line.

`concierge` alone starts the terminal app; subcommands live in `tui/commands/<name>.py`, each with a
`register(app)` function listed in COMMAND_MODULES. Every expected failure becomes one line on stderr
and a non-zero exit code (2 for bad input), never a traceback (set CONCIERGE_DEBUG=1 to see one).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, TextIO

import typer
import typer.main

from data.errors import DataError
from dispatch.errors import DispatchError
from pricing.errors import PricingError
from tui.commands.common import harden
from tui.text import clean, printable, terminal_text

#: Modules under tui.commands that add commands to the app; each defines `register(app: typer.Typer)`.
COMMAND_MODULES: tuple[str, ...] = (
    "tui.commands.app",
    "tui.commands.db",
    "tui.commands.demo",
    "tui.commands.csvio",
    "tui.commands.quote",
    "tui.commands.geocode",
    "tui.commands.plan",
    "tui.commands.plan_db",
    "tui.commands.offer",
    "tui.commands.incident",
    "tui.commands.billing",
    "tui.commands.route",
    "tui.commands.user",
)

USER_ERRORS: tuple[type[BaseException], ...] = (DataError, DispatchError, PricingError)


def build_app() -> typer.Typer:
    """Assemble the command tree from the modules that exist in this build."""
    app = typer.Typer(
        add_completion=False,
        no_args_is_help=False,
        invoke_without_command=True,
        pretty_exceptions_enable=False,
        help="Concierge Desk: dispatch, quotes and billing for on-site IT concierges.",
    )
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the command module is not written yet
                continue
            raise
        module.register(app)
    return app


MESSAGE_CHARS = 2000
"""A message longer than this (a CSV with many bad rows) is cut; the first problems are the useful ones."""


def one_line(message: str) -> str:
    """`message` as one printable line: control characters dropped, line breaks as "; ", cut to MESSAGE_CHARS."""
    text = "; ".join(part.strip() for part in clean(message, multiline=True).splitlines() if part.strip())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit with `code`."""
    print(f"concierge: {one_line(message)}", file=sys.stderr)
    raise SystemExit(code)


def permission_refused(exc: BaseException) -> str | None:
    """A permission error of the database that reached the top (open_database turns the others into
    AccessDenied sentences): one line instead of the SQL."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) != "42501":
        return None
    from data.access.identity import denial

    return denial(None, "", getattr(exc, "statement", "") or "", str(orig))


class PrintableStream:
    """A text stream that drops control characters from everything written to it.

    Client names, addresses and notes reach the terminal through many commands (`billing close`, `route`,
    `quote`…); an ESC or OSC sequence in a name would retitle the window, hide text or worse. The command
    line writes through this on stdout and stderr (the terminal app draws on its own stream). On a terminal
    the colour and style sequences of our own tables and help survive (`terminal_text`); to a file or a pipe,
    where no styling is written, every escape is dropped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        try:
            self._clean = terminal_text if stream.isatty() else printable
        except (AttributeError, ValueError):
            self._clean = printable

    def write(self, text: str) -> int:
        self._stream.write(self._clean(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `concierge` console script."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = PrintableStream(out), PrintableStream(err)
    try:
        _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None) -> None:
    command = harden(typer.main.get_command(build_app()))
    try:
        result = command.main(args=argv, standalone_mode=False, prog_name="concierge")
    except typer.Abort:
        fail("aborted", 1)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.TyperException as exc:
        # typer (>= 0.29 vendors click) raises usage errors as TyperException with format_message()
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        fail(message, getattr(exc, "exit_code", 2) or 2)
    except USER_ERRORS as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as exc:  # a file or folder the user named (disk full, permissions): a sentence, not a traceback
        if os.environ.get("CONCIERGE_DEBUG"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}")
    except Exception as exc:
        if os.environ.get("CONCIERGE_DEBUG"):
            raise
        refused = permission_refused(exc)
        if refused:
            fail(refused)
        fail(f"internal error: {type(exc).__name__}: {exc} (set CONCIERGE_DEBUG=1 for details)", 1)
    if isinstance(result, int) and result:
        raise SystemExit(result)


if __name__ == "__main__":
    main()
