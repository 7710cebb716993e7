"""`concierge import|export clients|offices|seats|concierges FILE.csv`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from data.access.users import end_late_sessions
from data.concierges import active_codes, deactivated_logins
from data.csvio import KINDS, export_csv, import_csv
from data.records import default_geocoder
from tui.commands.common import DbOption, check_input_file, check_output_file, echo, open_db

KindArg = Annotated[str, typer.Argument(help=f"What to import/export: {', '.join(KINDS)}.", show_default=False)]
FileArg = Annotated[Path, typer.Argument(help="CSV file.", show_default=False)]
EncodingOption = Annotated[str, typer.Option(help="File encoding: utf-8 (BOM optional) or cp932 (Shift_JIS).")]


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise typer.BadParameter(f"{echo(kind)} is not one of {', '.join(KINDS)}", param_hint="KIND")
    return kind


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_cmd(kind: KindArg, file: FileArg, db: DbOption = None, encoding: EncodingOption = "utf-8") -> None:
        """Import a CSV file; all rows or none (bad rows are listed as line N, column X: problem)."""
        kind = _kind(kind)
        file = check_input_file(file, "FILE")
        database = open_db(db, "manage_concierges" if kind == "concierges" else "manage_clients")
        with database.transaction() as session:
            were_active = active_codes(session) if kind == "concierges" else set()
            report = import_csv(session, kind, file, encoding=encoding, geocoder=default_geocoder())
            disabled = deactivated_logins(session, were_active) if were_active else []
        typer.echo(report.summary())
        if disabled:
            end_late_sessions(database.engine, [login for login, _ in disabled])
            listed = ", ".join(f"{login} ({code})" for login, code in disabled)
            typer.echo(f"logins of deactivated concierges disabled, their open sessions ended: {listed}")

    @app.command("export")
    def export_cmd(kind: KindArg, file: FileArg, db: DbOption = None, encoding: EncodingOption = "utf-8") -> None:
        """Export all records of KIND to a CSV file (the same columns import reads)."""
        kind = _kind(kind)
        file = check_output_file(file, "FILE")
        database = open_db(db, "concierges" if kind == "concierges" else "clients")
        with database.transaction() as session:
            count = export_csv(session, kind, file, encoding=encoding)
        typer.echo(f"{kind}: {count} rows written to {file}")
