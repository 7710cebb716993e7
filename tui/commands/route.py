"""`concierge route`: one concierge's day as plain text, JSON (`--json`) or an iCalendar file (`--ics`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tui.commands.common import DbOption, output_file, parse_day, print_json, write_output


def register(app: typer.Typer) -> None:
    @app.command("route")
    def route_cmd(
        concierge: Annotated[str, typer.Option("--concierge", help="Concierge code (K01; the plan's ids) or full name.")],
        date: Annotated[str, typer.Option("--date", help="YYYY-MM-DD, today or tomorrow.")] = "today",
        ics: Annotated[
            Path | None,
            typer.Option("--ics", help="Write the day as an iCalendar file (one event per stop).", callback=output_file("--ics")),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the day as concierge-route/1 JSON.")] = False,
        db: DbOption = None,
    ) -> None:
        """Print a concierge's day (stops, addresses, contacts, seats, travel), or export it."""
        day = parse_day(date)
        if ics is not None and as_json:
            raise typer.BadParameter("give --ics or --json, not both", param_hint="--ics/--json")
        from data.access.identity import own_day_only
        from data.errors import NotFoundError
        from data.route import concierge_day, route_ics, route_json, route_text
        from tui.commands.common import open_db

        database = open_db(db, "day")
        with database.sessions() as session:
            try:
                route = concierge_day(session, concierge, day)
            except NotFoundError:
                own_day_only(database.signed_in, None)  # a concierge does not see the others at all
                raise
        own_day_only(database.signed_in, route.concierge)
        if ics is not None:
            write_output(ics, route_ics(route), "--ics")
            typer.echo(f"wrote {len(route.stops)} events for {route.concierge} on {day.isoformat()} to {ics}")
        elif as_json:
            print_json(route_json(route))
        else:
            typer.echo(route_text(route), nl=False)
