"""`concierge plan`: plan a day from a `concierge-dispatch/1` problem file.

`run_and_report(problem, params, out, as_json)` is the shared tail, so a database-backed variant
(`--date D`) only has to supply the problem.
"""

from __future__ import annotations

import json
import math
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dispatch.jsonio import dump_plan, format_seconds, load_matrix_file, load_problem
from dispatch.params import MAX_TIME_LIMIT, MAX_WORKERS, Progress
from dispatch.plan import Plan
from dispatch.problem import DispatchProblem
from dispatch.solve import SolveParams, solve
from tui.commands.common import input_file, output_file, print_json, write_output


class ArcCost(StrEnum):
    """What travel costs: its seconds or its metres."""

    seconds = "seconds"
    meters = "meters"


def check_search_options(time_limit: float, workers: int) -> None:
    """--time-limit and --workers within bounds (exit 2 naming the option otherwise)."""
    if not math.isfinite(time_limit) or not 0 < time_limit <= MAX_TIME_LIMIT:
        raise typer.BadParameter(f"must be a number of seconds > 0 and <= {MAX_TIME_LIMIT:.0f}", param_hint="--time-limit")
    if not 1 <= workers <= MAX_WORKERS:
        raise typer.BadParameter(f"must be between 1 and {MAX_WORKERS}", param_hint="--workers")


def with_matrix_file(problem: DispatchProblem, path: Path) -> DispatchProblem:
    """The problem on the travel matrix of a `.npy` file (shape (2, N, N): seconds, metres)."""
    matrix = load_matrix_file(path, "--travel-matrix")
    return DispatchProblem(problem.concierges, problem.visits, profile=None, matrix=matrix, date=problem.date, meta=problem.meta, off=problem.off)


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


def say_stage(p: Progress) -> None:
    """Slow steps before the first plan (compiling the optimizer on the first run) on stderr."""
    if p.stage:
        typer.echo(f"concierge: {p.stage}", err=True)


def run_and_report(problem: DispatchProblem, params: SolveParams, out: Path | None, as_json: bool) -> Plan:
    """Solve, write the plan JSON to `out`, print the JSON (as_json) or a summary (stderr when writing)."""
    plan = solve(problem, params, on_progress=say_stage)
    doc = dump_plan(plan, problem)
    if out is not None:
        write_output(out, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), "--out")
    if as_json:
        print_json(doc)
    else:
        for line in summary_lines(plan, problem):
            typer.echo(line)
    return plan


def process_age() -> float:
    """Seconds since this process started (Linux; 0 elsewhere): start-up counts against --time-limit."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


#: The search keeps at least this share of --time-limit, however slow start-up was.
MIN_SEARCH_SHARE = 0.5


def run_problem_file(
    problem: Path, *, time_limit: float, seed: int, workers: int, arc_cost: ArcCost, travel_matrix: Path | None, out: Path | None, as_json: bool
) -> Plan:
    """`concierge plan --problem FILE`: check the options, read the problem (and matrix), solve (in what is
    left of --time-limit after start-up and reading), report."""
    check_search_options(time_limit, workers)
    day = load_problem(problem)
    if travel_matrix is not None:
        day = with_matrix_file(day, travel_matrix)
    left = max(MIN_SEARCH_SHARE * time_limit, time_limit - process_age())
    params = SolveParams(time_limit=left, seed=seed, workers=workers, arc_cost=arc_cost.value)
    return run_and_report(day, params, out, as_json)


ArcCostOption = Annotated[ArcCost, typer.Option("--arc-cost", help="Optimise travel seconds or metres.")]
TravelMatrixOption = Annotated[
    Path | None, typer.Option("--travel-matrix", help="Travel from a .npy file of shape (2, N, N): seconds, metres (locations are indices).")
]
SeedOption = Annotated[int, typer.Option("--seed", help="Search seed (which random choices the engines make).", min=0, max=2**31 - 1)]


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_cmd(
        problem: Annotated[Path, typer.Option("--problem", help="A concierge-dispatch/1 JSON file.", callback=input_file("--problem"))],
        time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds to search.")] = 10.0,
        out: Annotated[Path | None, typer.Option("--out", help="Write the concierge-plan/1 JSON here.", callback=output_file("--out"))] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the plan JSON on stdout.")] = False,
        seed: SeedOption = 0,
        workers: Annotated[int, typer.Option("--workers", help="Parallel searches (processes).")] = 2,
        arc_cost: ArcCostOption = ArcCost.seconds,
        travel_matrix: TravelMatrixOption = None,
    ) -> None:
        """Plan a day from a problem file (exit 2 with the JSON path on bad input)."""
        run_problem_file(
            problem, time_limit=time_limit, seed=seed, workers=workers, arc_cost=arc_cost, travel_matrix=travel_matrix, out=out, as_json=as_json
        )
