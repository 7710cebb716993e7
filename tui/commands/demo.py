"""`concierge demo`: build a fresh demo database (and open the app on it)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from data.db import default_sqlite_path, open_database, resolve_url
from data.demo import generate_demo, is_empty
from data.errors import DataError
from tui.commands.common import DbOption, parse_date


def demo_target(db: str | None) -> str:
    """The demo database: `--db`, else demo.sqlite3 beside the default database (never the real one)."""
    if db:
        return db
    return str(default_sqlite_path().with_name("demo.sqlite3"))


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        db: DbOption = None,
        no_ui: Annotated[bool, typer.Option("--no-ui", help="Only write the data and print a summary.")] = False,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same business.")] = 7,
        today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD.")] = None,
        role: Annotated[str | None, typer.Option("--as", help="Open the app as this role.")] = None,
    ) -> None:
        """Create a fresh demo database (Tokyo + Osaka business) and open the app on it."""
        day = parse_date(today, "--today") if today else dt.date.today()
        target = demo_target(db)
        url = resolve_url(target)
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if path.exists():
                os.remove(path)
        database = open_database(target)
        with database.transaction() as session:
            if not is_empty(session):
                raise DataError(f"{database.describe()} already holds data; demo data needs an empty database")
            summary = generate_demo(session, seed=seed, today=day)
        typer.echo(f"{summary.line()} -> {database.describe()}", err=not no_ui)
        if not no_ui:
            from tui.app import run_app
            from tui.commands.app import parse_role

            run_app(target, parse_role(role))
