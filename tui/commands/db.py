"""`concierge db ...`: database schema management."""

from __future__ import annotations

from typing import Annotated

import typer

from data.access.owner import check_may_upgrade
from data.db import current_revision, head_revision, open_database, upgrade_checked
from tui.commands.common import DbOption, prompt_password

RolePrefixOption = Annotated[
    str | None,
    typer.Option(
        "--role-prefix",
        help="PostgreSQL: name the group roles PREFIX_admin, PREFIX_dispatcher, PREFIX_concierge when they are "
        "first created (default: the database name).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema: upgrade, show version.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade_cmd(db: DbOption = None, role_prefix: RolePrefixOption = None) -> None:
        """Bring the database schema to the version this program needs (PostgreSQL: as the schema owner)."""
        if role_prefix is not None:
            from data.access.grants import check_role_prefix

            try:
                check_role_prefix(role_prefix)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--role-prefix") from None
        database = open_database(db, migrate=False, ask_password=prompt_password)
        check_may_upgrade(database.engine)
        before, after = upgrade_checked(database.engine, role_prefix=role_prefix)
        change = "already at" if before == after else f"upgraded from {before or 'empty'} to"
        typer.echo(f"{database.describe()}: {change} schema {after}")

    @db_app.command("info")
    def info_cmd(db: DbOption = None) -> None:
        """Show which database is used, its schema version and (PostgreSQL) who is signed in."""
        from data.access.identity import signed_in

        database = open_database(db, migrate=False, ask_password=prompt_password)
        typer.echo(f"{database.describe()}: schema {current_revision(database.engine) or 'empty'} "
                   f"(this program needs {head_revision()})")
        with database.engine.connect() as conn:
            who = signed_in(conn)
        if who is not None:
            code = f" ({who.concierge_code})" if who.concierge_code else ""
            typer.echo(f"signed in as {who.describe()}{code}")

    app.add_typer(db_app, name="db")
