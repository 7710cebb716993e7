"""`concierge demo`: build a fresh demo database (and open the app on it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from data.clock import business_today
from data.db import current_revision, default_sqlite_path, open_database, resolve_url
from data.demo import generate_demo, is_demo, is_empty
from data.errors import DataError
from tui.commands.common import DbOption, open_db, parse_date


def demo_target(db: str | None) -> str:
    """The demo database: `--db`, else demo.sqlite3 beside the default database (never the real one)."""
    if db:
        return db
    return str(default_sqlite_path().with_name("demo.sqlite3"))


def replaceable(path: Path, *, default: bool, force: bool) -> None:
    """Refuse to delete `path` unless it is a demo database and the user said so (`--force`, or the default
    demo file that `make demo` rebuilds every time); another application's file or real data never goes."""
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return
    if not default and not force:
        raise DataError(
            f"{path} already exists; `concierge demo` would replace it: add --force to replace a demo database "
            "(only demo databases are ever replaced)"
        )
    try:
        existing = open_database(str(path), migrate=False)
        try:
            # the default demo file written before demo databases were marked (schema 0001) is one too
            demo = default and current_revision(existing.engine) == "0001"
            if not demo:
                with existing.sessions() as session:
                    demo = is_demo(session)
        finally:
            existing.engine.dispose()
    except (DataError, SQLAlchemyError):
        demo = False
    if not demo:
        raise DataError(
            f"{path} is not a demo database (it may hold real data); `concierge demo` replaces only demo databases: "
            "choose another file"
        )


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        db: DbOption = None,
        no_ui: Annotated[bool, typer.Option("--no-ui", help="Only write the data and print a summary.")] = False,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same business.")] = 7,
        today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD.")] = None,
        role: Annotated[str | None, typer.Option("--as", help="Open the app as this role.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace an existing demo database given by --db.")] = False,
    ) -> None:
        """Create a fresh demo database (Tokyo + Osaka business) and open the app on it."""
        day = parse_date(today, "--today") if today else business_today()
        target = demo_target(db)
        url = resolve_url(target)
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            replaceable(path, default=not db, force=force)
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                if leftover.exists():
                    os.remove(leftover)
        database = open_db(target, "demo")
        with database.transaction() as session:
            if not is_empty(session):
                raise DataError(f"{database.describe()} already holds data; demo data needs an empty database")
            summary = generate_demo(session, seed=seed, today=day)
        typer.echo(f"{summary.line()} -> {database.describe()}", err=not no_ui)
        if not no_ui:
            from tui.app import run_app
            from tui.commands.app import parse_role

            run_app(target, parse_role(role))
