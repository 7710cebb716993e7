"""`concierge offer`: the best few slots (concierge, start) for an open request on a day, with what each
costs — as text, or as `concierge-offers/1` JSON for other systems (docs/dispatch-json.md)."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from tui.commands.common import DbOption, echo, parse_day, print_json

REQUEST_ID = re.compile(r"^[Rr]?(\d{1,9})$")


def parse_request(text: str) -> int:
    """"R12" or "12" -> 12."""
    match = REQUEST_ID.match(text.strip())
    if match is None:
        raise typer.BadParameter(f"{echo(text)} is not a request id (R12 or 12)", param_hint="--request")
    return int(match.group(1))


def register(app: typer.Typer) -> None:
    @app.command("offer")
    def offer_cmd(
        request: Annotated[str, typer.Option("--request", help="The open request (R12 or 12).")],
        date: Annotated[str, typer.Option("--date", help="The day to offer slots on: YYYY-MM-DD, today or tomorrow.")] = "today",
        count: Annotated[int, typer.Option("--count", help="How many slots (1-10).")] = 3,
        as_json: Annotated[bool, typer.Option("--json", help="Print concierge-offers/1 JSON.")] = False,
        db: DbOption = None,
    ) -> None:
        """Offer the best slots for a request on the day's committed plan (insertion, no re-plan); nothing is written."""
        request_id = parse_request(request)
        day = parse_day(date)
        if not 1 <= count <= 10:
            raise typer.BadParameter(f"must be between 1 and 10, got {count}", param_hint="--count")
        from data.clock import business_now
        from data.planning.offers import offers_for_request
        from tui.commands.common import open_db
        from tui.offer_text import offers_document, report_lines

        database = open_db(db, "offers")
        with database.sessions() as session:
            offers = offers_for_request(session, request_id, day, business_now(), count=count)
        if as_json:
            print_json(offers_document(offers))
        else:
            typer.echo("\n".join(report_lines(offers)))
