"""`concierge plan`: plan a day from a problem file (`--problem`) or from the database (`--date`).

This module supersedes the `plan` command of `tui.commands.plan` (it reuses its `run_and_report` for
files): list it after `tui.commands.plan` in `COMMAND_MODULES`; `register` replaces the earlier `plan`.
`--date D` reads the day with `data.planning.load_day`, prints the proposal (or its JSON) and writes it
only with `--commit` (one transaction; refused when someone changed those requests meanwhile).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from tui.commands.common import DbOption, input_file, output_file, parse_day
from tui.commands.plan import ArcCost, ArcCostOption, SeedOption, TravelMatrixOption, check_search_options, run_problem_file


def plan_date(
    db: str | None, day: dt.date, *, time_limit: float, seed: int, workers: int, out: Path | None, as_json: bool, commit: bool
) -> int:
    """Plan `day` from the database; print a summary with names (or JSON); write it with `commit`."""
    from data.clock import business_now
    from data.planning import commit_plan, load_day, plan_with_excluded, unplanned_texts
    from dispatch.jsonio import dump_plan
    from dispatch.solve import SolveParams, solve
    from tui.commands.common import open_db
    from tui.commands.plan import say_stage

    database = open_db(db, "board")
    with database.sessions() as session:
        snapshot = load_day(session, day, now=business_now())
    params = SolveParams(time_limit=time_limit, seed=seed, workers=workers)
    plan = solve(snapshot.problem, params, on_progress=say_stage)
    texts = unplanned_texts(snapshot, plan)
    full = plan_with_excluded(snapshot, plan)
    doc = dump_plan(full, snapshot.problem, texts)
    doc["date"] = day.isoformat()
    if out is not None:
        from tui.commands.common import write_output

        write_output(out, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), "--out")
    if as_json:
        from tui.commands.common import print_json

        print_json(doc)
    else:
        for line in proposal_lines(snapshot, full, texts):
            typer.echo(line)
    if commit:
        with database.transaction() as session:
            result = commit_plan(session, snapshot, plan)
        message = f"committed {day.isoformat()}: {result.created} visits created, {result.updated} updated, {result.removed} removed"
        typer.echo(message, err=as_json)
    elif not as_json:
        typer.echo("proposal only: nothing was written (add --commit to save it)")
    return 0


def proposal_lines(snapshot: object, plan: object, texts: dict[str, str]) -> list[str]:
    """Who goes where when, and what stays unplanned and why."""
    from data.planning import DaySnapshot
    from dispatch.plan import Plan

    assert isinstance(snapshot, DaySnapshot) and isinstance(plan, Plan)

    def hhmm(seconds: int) -> str:
        m = seconds // 60
        return f"{m // 60:02d}:{m % 60:02d}"

    lines = [
        f"{snapshot.date.isoformat()}: status {plan.status.value}, {plan.planned} visits planned, "
        f"{len(plan.unplanned)} unplanned, travel {plan.travel_seconds // 60} min, solved in {plan.solve_seconds:.1f} s"
    ]
    for r in plan.routes:
        if not r.stops:
            continue
        who = snapshot.concierges.get(r.concierge)
        lines.append(f"{r.concierge} {who.name if who else ''}".rstrip())
        for s in r.stops:
            info = snapshot.visits.get(s.visit)
            label = f"{info.client} {info.office} ({info.urgency})" if info else ""
            lines.append(f"  {hhmm(s.start)}-{hhmm(s.end)}  {s.visit:<6} {label}  travel {round(s.travel_seconds / 60)} min")
        if r.break_start is not None:
            lines.append(f"  break {hhmm(r.break_start)}")
    for u in plan.unplanned:
        info = snapshot.visits.get(u.visit)
        label = f" {info.client} ({info.urgency})" if info else ""
        lines.append(f"unplanned {u.visit}{label}: {texts.get(u.visit, '')}")
    return lines


def register(app: typer.Typer) -> None:
    app.registered_commands = [c for c in app.registered_commands if c.name != "plan"]

    @app.command("plan")
    def plan_cmd(
        problem: Annotated[
            Path | None, typer.Option("--problem", help="A concierge-dispatch/1 JSON file.", callback=input_file("--problem"))
        ] = None,
        date: Annotated[str | None, typer.Option("--date", help="Plan this day from the database (YYYY-MM-DD, today, tomorrow).")] = None,
        commit: Annotated[bool, typer.Option("--commit", help="With --date: write the plan (default: proposal only).")] = False,
        db: DbOption = None,
        time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 10.0,
        out: Annotated[Path | None, typer.Option("--out", help="Write the concierge-plan/1 JSON here.", callback=output_file("--out"))] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the plan JSON on stdout.")] = False,
        seed: SeedOption = 0,
        workers: Annotated[int, typer.Option("--workers", help="Parallel searches (processes).")] = 2,
        arc_cost: ArcCostOption = ArcCost.seconds,
        travel_matrix: TravelMatrixOption = None,
    ) -> None:
        """Plan a day from a problem file or from the database (exit 2 on bad input)."""
        if (problem is None) == (date is None):
            raise typer.BadParameter("give exactly one of --problem FILE or --date D", param_hint="--problem/--date")
        check_search_options(time_limit, workers)
        if commit and date is None:
            raise typer.BadParameter("--commit needs --date", param_hint="--commit")
        if problem is not None:
            run_problem_file(
                problem, time_limit=time_limit, seed=seed, workers=workers, arc_cost=arc_cost, travel_matrix=travel_matrix, out=out, as_json=as_json
            )
            return
        assert date is not None
        plan_date(db, parse_day(date), time_limit=time_limit, seed=seed, workers=workers, out=out, as_json=as_json, commit=commit)
