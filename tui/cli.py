"""The `concierge` command line.

`concierge` alone starts the terminal app; subcommands live in `tui/commands/<name>.py`, each with a
`register(app)` function. COMMANDS lists them with their one-line help: `concierge --help` prints that
table without importing a single command module, and `concierge quote …` imports only tui.commands.quote
(`LazyGroup`), so a command that needs no database, optimizer or solver does not wait for them to load
(bench/cli_startup.py; tests/test_cli_lazy.py keeps the table equal to the commands' own help).
Every expected failure becomes one line on stderr and a non-zero exit code (2 for bad input), never a
traceback (set CONCIERGE_DEBUG=1 to see one).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, TextIO

import typer
import typer.core
import typer.main

from data.errors import DataError
from dispatch.errors import DispatchError
from pricing.errors import PricingError
from tui.commands.common import harden
from tui.text import clean, printable, terminal_text

ROOT_MODULE = "tui.commands.app"
"""Registers the root callback (`concierge` alone opens the app; --db, --as): always loaded."""

#: Every subcommand in `concierge --help` order: name -> (module under tui.commands whose `register(app)`
#: adds it, its one-line help as `--help` lists it). The module is imported when the command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("tui.commands.demo", "Create a fresh demo database (Tokyo + Osaka business) and open the app on it."),
    "import": ("tui.commands.csvio", "Import a CSV file; all rows or none (bad rows are listed as line N, column X: problem)."),
    "export": ("tui.commands.csvio", "Export all records of KIND to a CSV file (the same columns import reads)."),
    "quote": ("tui.commands.quote", "Quote the monthly fee of the seat plan (per-cluster and two-tier plans, recommended one first)."),
    "geocode": ("tui.commands.geocode",
                "Resolve ADDRESS to latitude/longitude with the precision reached (town, municipality or prefecture)."),
    "plan": ("tui.commands.plan_db", "Plan a day from a problem file or from the database (exit 2 on bad input)."),
    "offer": ("tui.commands.offer", "Offer the best slots for a request on the day's committed plan (insertion, no re-plan); nothing is written."),
    "route": ("tui.commands.route", "Print a concierge's day (stops, addresses, contacts, seats, travel), or export it."),
    "db": ("tui.commands.db", "Database schema: upgrade, show version."),
    "incident": ("tui.commands.incident", "Incident support plans: level and fee of an incident."),
    "billing": ("tui.commands.billing", "Monthly invoices: close a month, list, show and export invoices."),
    "user": ("tui.commands.user", "PostgreSQL logins: add, list, change password, disable, enable."),
}
COMMAND_MODULES: tuple[str, ...] = (ROOT_MODULE, *dict.fromkeys(module for module, _ in COMMANDS.values()))
"""Every module that adds commands (each defines `register(app: typer.Typer)`)."""


def load_commands(module_name: str) -> dict[str, Any]:
    """The click commands `module_name`'s `register` adds, by name, with their numbers bounded (`harden`)."""
    module = importlib.import_module(module_name)
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    module.register(holder)
    group = typer.main.get_group(holder)
    return {name: harden(command) for name, command in group.commands.items()}


class LazyGroup(typer.core.TyperGroup):
    """The root command group: lists COMMANDS from the table and imports a command's module only when that
    command is run (or its own --help is asked for). Commands registered on the Typer app directly (tests
    do) take precedence over the table."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, line = COMMANDS[cmd_name]
            if self._listing:  # `concierge --help`: the table's line is enough
                return typer.core.TyperCommand(cmd_name, help=line)
            self.commands.update({k: v for k, v in load_commands(module).items() if k not in self.commands})
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name is not None and name not in self.commands and name not in COMMANDS:
            self._listing = True  # a typo: "Did you mean …?" looks at every name, without loading them
            try:
                self.commands.update({n: typer.core.TyperCommand(n, help=COMMANDS[n][1]) for n in COMMANDS if n not in self.commands})
                return super().resolve_command(ctx, args)
            finally:
                self._listing = False
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with its whole help line, wrapped, not cut at the terminal width."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, " ".join((command.short_help or command.help or "").split("\n\n")[0].split())))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

USER_ERRORS: tuple[type[BaseException], ...] = (DataError, DispatchError, PricingError)


def build_app() -> typer.Typer:
    """The root of the command tree: the app callback; the subcommands come from COMMANDS when used."""
    app = typer.Typer(
        cls=LazyGroup,
        rich_markup_mode=None,  # the top-level help in plain text: loading typer's rich help costs 0.15 s of start-up
        add_completion=False,
        no_args_is_help=False,
        invoke_without_command=True,
        pretty_exceptions_enable=False,
        help="Concierge Desk: dispatch, quotes and billing for on-site IT concierges.",
    )
    importlib.import_module(ROOT_MODULE).register(app)
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
