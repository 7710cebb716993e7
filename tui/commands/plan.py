"""`concierge plan`: plan a day from a `concierge-dispatch/1` problem file.

`run_and_report(problem, params, out, as_json)` is the shared tail, so a database-backed variant
(`--date D`) only has to supply the problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dispatch.jsonio import dump_plan, format_seconds, load_problem
from dispatch.plan import Plan
from dispatch.problem import DispatchProblem
from dispatch.solve import SolveParams, solve
from tui.commands.common import check_solve_limits, input_file, output_file, print_json, write_output


def summary_lines(plan: Plan, problem: DispatchProblem) -> list[str]:
    """A short human summary of a plan."""
    hhmm = problem.meta.get("time_format") == "hhmm"
    lines = [
        f"status {plan.status.value}: {plan.planned} visits planned, {len(plan.unplanned)} unplanned, "
        f"travel {plan.travel_seconds // 60} min / {plan.travel_meters / 1000:.1f} km, solved in {plan.solve_seconds:.1f} s"
    ]
    for r in plan.routes:
        if r.stops:
            stops = ", ".join(f"{s.visit}@{format_seconds(s.start, hhmm)}" for s in r.stops)
            lines.append(f"  {r.concierge}: {stops}")
    doc = dump_plan(plan, problem)
    for u in doc["unplanned"]:
        lines.append(f"  unplanned {u['visit']}: {u['reason']}")
    return lines


def run_and_report(problem: DispatchProblem, params: SolveParams, out: Path | None, as_json: bool) -> Plan:
    """Solve, write the plan JSON to `out`, print the JSON (as_json) or a summary (stderr when writing)."""
    plan = solve(problem, params)
    doc = dump_plan(plan, problem)
    if out is not None:
        write_output(out, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), "--out")
    if as_json:
        print_json(doc)
    else:
        for line in summary_lines(plan, problem):
            typer.echo(line)
    return plan


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_cmd(
        problem: Annotated[Path, typer.Option("--problem", help="A concierge-dispatch/1 JSON file.", callback=input_file("--problem"))],
        time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 10.0,
        out: Annotated[Path | None, typer.Option("--out", help="Write the concierge-plan/1 JSON here.", callback=output_file("--out"))] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the plan JSON on stdout.")] = False,
        seed: Annotated[int, typer.Option("--seed", help="Search seed (which strategies run).")] = 0,
        workers: Annotated[int, typer.Option("--workers", help="Parallel searches (processes).")] = 2,
    ) -> None:
        """Plan a day from a problem file (exit 2 with the JSON path on bad input)."""
        check_solve_limits(time_limit, workers)
        params = SolveParams(time_limit=time_limit, seed=seed, workers=workers)
        run_and_report(load_problem(problem), params, out, as_json)
