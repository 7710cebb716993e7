"""`concierge` with no subcommand: open the terminal app."""

from __future__ import annotations

from typing import Annotated

import typer

from tui.commands.common import DbOption, echo

RoleOption = Annotated[
    str | None,
    typer.Option("--as", help="Start as admin, dispatcher or concierge:CODE (default: pick at start-up)."),
]


def parse_role(role: str | None) -> str | None:
    """Check `--as`: admin, dispatcher or concierge:CODE."""
    if role is None:
        return None
    if role in ("admin", "dispatcher") or (role.startswith("concierge:") and len(role) > len("concierge:")):
        return role
    raise typer.BadParameter(f"{echo(role)} is not admin, dispatcher or concierge:CODE", param_hint="--as")


def register(app: typer.Typer) -> None:
    @app.callback()
    def root(ctx: typer.Context, db: DbOption = None, role: RoleOption = None) -> None:
        """Concierge Desk: dispatch, quotes and billing for on-site IT concierges.

        Without a command, opens the terminal app.
        """
        if ctx.invoked_subcommand is not None:
            return
        checked = parse_role(role)
        from tui.app import run_app

        run_app(db, checked)
