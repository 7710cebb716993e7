"""`concierge db ...`: database schema management."""

from __future__ import annotations

import typer

from data.db import current_revision, head_revision, open_database, upgrade_checked
from tui.commands.common import DbOption


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database schema: upgrade, show version.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade_cmd(db: DbOption = None) -> None:
        """Bring the database schema to the version this program needs."""
        database = open_database(db, migrate=False)
        before, after = upgrade_checked(database.engine)
        change = "already at" if before == after else f"upgraded from {before or 'empty'} to"
        typer.echo(f"{database.describe()}: {change} schema {after}")

    @db_app.command("info")
    def info_cmd(db: DbOption = None) -> None:
        """Show which database is used and its schema version."""
        database = open_database(db, migrate=False)
        typer.echo(f"{database.describe()}: schema {current_revision(database.engine) or 'empty'} "
                   f"(this program needs {head_revision()})")

    app.add_typer(db_app, name="db")
