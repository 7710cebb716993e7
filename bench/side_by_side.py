"""The app's engine and the plain OR-Tools baseline, one after the other on the same days at the same limit.

Realistic days (bench/dayfactory.py, generated into bench/.cache/days): `concierge plan --problem DAY.json
--time-limit T --json` and `bench/baseline_ortools.py DAY.json --time-limit T`, each in its own process;
both plans are replayed by dispatch/check.py and counted by bench/scoring.py. Prints a markdown table
(served per urgency class, total, travel seconds per served visit, lateness, dedicated kept, wall seconds,
peak memory, checker verdict, 1-minute load average before -> after) and appends one JSON line per run to
bench/.cache/side_by_side.jsonl.

    .venv/bin/python bench/side_by_side.py --sizes 100,1000 --seeds 1          (limit: 20 s for 100, else 30 s)
    .venv/bin/python bench/side_by_side.py --sizes 2000,5000 --seeds 1,2,3 --time-limit 30
    .venv/bin/python bench/side_by_side.py --problem my-day.json --time-limit 30
    .venv/bin/python bench/side_by_side.py --solomon [--time-limit 10] [--with-baseline]   (all 56)
    .venv/bin/python bench/side_by_side.py --homberger [--with-baseline]                   (six 200-customer)

Solomon/Homberger instances are converted to JSON (bench/solomon.py's conventions: travel seconds =
ceil(60 x distance), metres = distance truncated to tenths) and go through `concierge plan --problem`;
`--arc-cost meters` is passed when `concierge plan --help` lists it (else the app optimises seconds, which
costs it a little against the distance BKS).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dayfactory import write_day
from runproc import RunResult, run
from scoring import CLASSES, Score, score

from dispatch.errors import DispatchError
from dispatch.jsonio import dump_problem, load_plan, load_problem

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
BIN = Path(sys.executable).parent
SOLVERS = ("app", "baseline")


def default_limit(size: int) -> float:
    """The issue's limits: 20 s for the 100-visit day, 30 s for larger ones."""
    return 20.0 if size <= 100 else 30.0


def app_accepts(option: str) -> bool:
    """Whether `concierge plan` lists `option` in its help."""
    out = subprocess.run([str(BIN / "concierge"), "plan", "--help"], capture_output=True, text=True, check=False)
    return option in out.stdout


def command(solver: str, problem: Path, limit: float, workers: int, arc_meters: bool) -> list[str]:
    """The command line of one solver on one problem (plan JSON on stdout)."""
    if solver == "app":
        cmd = [str(BIN / "concierge"), "plan", "--problem", str(problem), "--time-limit", str(limit), "--json", "--workers", str(workers)]
        return [*cmd, "--arc-cost", "meters"] if arc_meters else cmd
    cmd = [sys.executable, str(HERE / "baseline_ortools.py"), str(problem), "--time-limit", str(limit)]
    return [*cmd, "--arc-cost", "meters"] if arc_meters else cmd


def run_one(solver: str, problem_path: Path, limit: float, workers: int, arc_meters: bool = False) -> tuple[RunResult, Score | None, str]:
    """Run a solver, then load and score its plan; (run figures, score or None, error text)."""
    stem = f"{problem_path.stem}.{solver}"
    out, err = CACHE / "plans" / f"{stem}.json", CACHE / "plans" / f"{stem}.err"
    out.parent.mkdir(parents=True, exist_ok=True)
    res = run(command(solver, problem_path, limit, workers, arc_meters), out, err, timeout=limit * 3 + 120)
    if res.returncode != 0:
        tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        return res, None, f"exit {res.returncode}: {tail[0] if tail else ''}"
    try:
        return res, score(load_problem(problem_path), load_plan(out)), ""
    except DispatchError as exc:
        return res, None, f"unreadable plan: {exc}"


def _record(row: dict[str, Any]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "side_by_side.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")


HEADER = (
    "| day | solver | "
    + " | ".join(CLASSES)
    + " | served | travel s / served | late (n, min) | dedicated kept | wall s | peak MiB (proc / tree) | checker | load |"
)


def table_row(day: str, solver: str, res: RunResult, sc: Score | None, error: str) -> str:
    """One markdown row."""
    load = f"{res.load_before:.1f} -> {res.load_after:.1f}"
    mem = f"{res.peak_rss_mib:.0f} / {res.peak_tree_mib:.0f}"
    if sc is None:
        return f"| {day} | {solver} | " + " | ".join("-" for _ in CLASSES) + f" | - | - | - | - | {res.wall:.1f} | {mem} | {error} | {load} |"
    classes = " | ".join(f"{sc.served[c]}/{sc.total[c]}" for c in CLASSES)
    ded = f"{sc.dedicated_kept}/{sc.dedicated_served}"
    late = f"{sc.late_count}, {sc.late_minutes:.0f}"
    figures = f"**{sc.planned}** | {sc.travel_per_served:.0f} | {late} | {ded} | {res.wall:.1f} | {mem} | {sc.verdict} | {load}"
    return f"| {day} | {solver} | {classes} | {figures} |"


def realistic(args: argparse.Namespace) -> None:
    days: list[tuple[Path, float]] = []
    for p in args.problem or []:
        days.append((Path(p), args.time_limit or 30.0))
    if not args.problem:
        for size in (int(s) for s in args.sizes.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                days.append((write_day(CACHE / "days", size, seed, args.city, args.travel), args.time_limit or default_limit(size)))
    print(HEADER)
    print("|" + "---|" * (HEADER.count("|") - 1), flush=True)
    for path, limit in days:
        problem = load_problem(path)
        name = f"{path.stem} ({len(problem.concierges)} c / {len(problem.visits)} v, {limit:g} s)"
        for solver in args.solvers.split(","):
            res, sc, error = run_one(solver, path, limit, args.workers)
            print(table_row(name, solver, res, sc, error), flush=True)
            _record(
                {
                    "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "day": path.name,
                    "solver": solver,
                    "time_limit": limit,
                    "workers": args.workers if solver == "app" else 1,
                    "run": res.__dict__,
                    "score": sc.as_dict() if sc else None,
                    "error": error,
                }
            )


def _instances(which: str) -> list[Path]:
    folder = HERE / "instances" / which
    if not folder.exists():
        folder = Path("/work/shared/bench") / which
    return sorted(folder.glob("*.txt"))


def vrptw(args: argparse.Namespace, which: str) -> None:
    from solomon import bks, read_instance

    arc_meters = app_accepts("--arc-cost")
    limit = args.time_limit or 10.0
    solvers = ["app", "baseline"] if args.with_baseline else ["app"]
    print(f"# {which}, {limit:g} s, app arc cost: {'meters (--arc-cost meters)' if arc_meters else 'seconds (no --arc-cost option)'}")
    print(f"{'instance':9} {'solver':8} {'distance':>9} {'veh':>4} {'bks':>9} {'gap%':>7} {'wall':>6} {'load':>5} feasible", flush=True)
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    bad: dict[str, list[str]] = {s: [] for s in solvers}
    for txt in _instances(which):
        path = CACHE / which / f"{txt.stem}.json"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(dump_problem(read_instance(txt)), separators=(",", ":")), encoding="utf-8")
        ref = bks(txt.stem)
        for solver in solvers:
            res, sc, error = run_one(solver, path, limit, args.workers, arc_meters=arc_meters or solver == "baseline")
            ok = sc is not None and not sc.errors and sc.planned == sum(sc.total.values())
            dist = sc.travel_meters / 10.0 if sc else math.nan
            gap = 100.0 * (dist - ref[1]) / ref[1] if ref and ok else math.nan
            (gaps[solver].append(gap) if ok else bad[solver].append(txt.stem))
            used = sum(1 for r in load_plan(CACHE / "plans" / f"{path.stem}.{solver}.json").routes if r.stops) if sc else 0
            ref_d = ref[1] if ref else math.nan
            print(
                f"{txt.stem:9} {solver:8} {dist:9.1f} {used:4d} {ref_d:9.1f} {gap:7.2f} {res.wall:6.1f} {res.load_before:5.1f} "
                f"{'yes' if ok else 'NO ' + (error or (sc.verdict if sc else ''))}",
                flush=True,
            )
            when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            _record({"when": when, "day": txt.stem, "solver": solver, "time_limit": limit, "gap": gap, "run": res.__dict__})
    for solver in solvers:
        g = gaps[solver]
        mean = sum(g) / len(g) if g else math.nan
        print(f"{solver}: mean gap {mean:.2f}% over {len(g)} feasible of {len(g) + len(bad[solver])}; infeasible: {' '.join(bad[solver]) or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000", help="visits per generated day (100,1000,2000,5000)")
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--city", default="tokyo", choices=("tokyo", "osaka"))
    ap.add_argument("--travel", default="profile", choices=("profile", "matrix"), help="coordinates + tokyo_rail, or an explicit matrix")
    ap.add_argument("--problem", action="append", help="an existing concierge-dispatch/1 file (repeatable) instead of generated days")
    ap.add_argument("--time-limit", type=float, default=None, help="default: 20 s for 100 visits, 30 s above; 10 s for Solomon")
    ap.add_argument("--workers", type=int, default=2, help="the app's --workers (the baseline is single-threaded)")
    ap.add_argument("--solvers", default="app,baseline")
    ap.add_argument("--solomon", action="store_true", help="all 56 Solomon instances through concierge plan --problem")
    ap.add_argument("--homberger", action="store_true", help="the six Gehring-Homberger 200-customer instances")
    ap.add_argument("--with-baseline", action="store_true", help="Solomon/Homberger: run the baseline too")
    args = ap.parse_args()
    if args.solomon or args.homberger:
        for which in ("solomon",) * args.solomon + ("homberger",) * args.homberger:
            vrptw(args, which)
    else:
        realistic(args)


if __name__ == "__main__":
    main()
