"""The command line loads only what a command needs, and `--help` still lists every command with its own
one-line help (the times are in bench/cli_startup.py; these tests check what is imported, not how long)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run

from tui.cli import COMMAND_MODULES, COMMANDS, load_commands

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sqlalchemy", "textual", "ortools", "numba", "numpy", "alembic", "psycopg")


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


def test_every_command_module_is_in_the_table() -> None:
    """A module under tui/commands with a `register` (a new command, or one merged from another branch) is
    listed in COMMANDS: otherwise `concierge` would not know it."""
    registering = set()
    for path in (ROOT / "tui" / "commands").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "register" for node in tree.body):
            registering.add(f"tui.commands.{path.stem}")
    registering.discard("tui.commands.plan")  # its `plan` is replaced by plan_db's (file or database)
    assert registering <= set(COMMAND_MODULES)


@pytest.mark.parametrize("module", sorted(set(COMMAND_MODULES) - {"tui.commands.app"}))
def test_the_table_says_what_each_command_says(module: str) -> None:
    """Each command a module registers is in the table under that module, with the help line the command
    itself has (what `concierge --help` prints without loading it)."""
    for name, command in load_commands(module).items():
        assert name in COMMANDS, f"{module} registers {name!r}, missing from tui.cli.COMMANDS"
        table_module, line = COMMANDS[name]
        assert table_module == module
        assert line == _one_line(command.short_help or command.help)


def test_help_lists_every_command_with_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`concierge --help` names each command once, with the start of its help."""
    code, out, _ = run(capsys, "--help")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    for name, (_, line) in COMMANDS.items():
        assert f" {name} {' '.join(line.split()[:4])}" in flat, name


def _imported(*args: str) -> list[str]:
    """Run `concierge ARGS` in a fresh interpreter; the heavy packages it imported."""
    script = (
        "import contextlib, io, json, sys\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({list(args)!r})\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    result: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [("--help",), ("quote", "--pcs", "30"), ("geocode", "東京都渋谷区道玄坂1丁目2-3"),
                                  ("route", "--help")])
def test_light_commands_import_no_database_ui_or_solver(args: tuple[str, ...]) -> None:
    """Printing help, a one-office quote and a geocode load no database layer, UI, optimizer or numba."""
    assert _imported(*args) == []
