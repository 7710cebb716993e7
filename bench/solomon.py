"""Solomon / Gehring-Homberger VRPTW quality benchmark through the app's own `dispatch.solve`.

Every visit is required, urgency normal, the fleet is the instance's vehicle count, time windows bound the
start of service, service time is the visit duration. One Solomon time unit is one minute; travel times are
Euclidean distances rounded UP to whole seconds (so never shorter than the true time). Arc cost and the
reported distance are the DIMACS convention: each arc truncated to one decimal (metres = tenths).

    .venv/bin/python bench/solomon.py --time-limit 10 --workers 2 C101 R101 ...   (no names: the 10 of README)
    .venv/bin/python bench/solomon.py --all --time-limit 10
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.check import check_plan
from dispatch.problem import Concierge, DispatchProblem, Location, Matrix, Visit, Window
from dispatch.solve import SolveParams, solve

HERE = Path(__file__).resolve().parent / "instances"
SUBSET = ("C101", "C201", "R101", "R112", "R201", "R211", "RC101", "RC105", "RC201", "RC208")
CONVENTION = "distance_only_DIMACS_trunc1dec"


def read_instance(path: Path) -> DispatchProblem:
    """Parse a Solomon-layout text file into a DispatchProblem with an explicit matrix."""
    lines = path.read_text().splitlines()
    vehicles, capacity = (int(x) for x in lines[4].split())
    rows = [[float(x) for x in ln.split()] for ln in lines[9:] if ln.strip()]
    xy = np.array([[r[1], r[2]] for r in rows])
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    seconds = np.ceil(d * 60 - 1e-9).astype(np.int64)
    tenths = np.floor(d * 10 + 1e-9).astype(np.int64)
    depot = rows[0]
    concierges = tuple(
        Concierge(f"v{k}", Location(index=0), shift_start=int(depot[4]), shift_end=int(depot[5]), capacity=capacity) for k in range(vehicles)
    )
    visits = tuple(
        Visit(
            f"c{int(r[0])}",
            Location(index=k),
            int(r[6]),
            windows=(Window(int(r[4]), int(r[5])),),
            required=True,
            load=int(r[3]),
        )
        for k, r in enumerate(rows)
        if k > 0
    )
    return DispatchProblem(concierges, visits, profile=None, matrix=Matrix(seconds, tenths), meta={"name": path.stem})


def bks(name: str) -> tuple[int, float] | None:
    """(vehicles, distance) of the best-known solution in the DIMACS distance-only convention."""
    for folder in ("solomon", "homberger"):
        f = HERE / folder / "bks.csv"
        with f.open() as fh:
            for row in csv.DictReader(fh):
                if row["instance"] == name and row["convention"] == CONVENTION:
                    return int(row["vehicles"]), float(row["distance"])
    return None


def instance_path(name: str) -> Path:
    """The file of an instance name (Solomon or Homberger)."""
    for folder in ("solomon", "homberger"):
        p = HERE / folder / f"{name}.txt"
        if p.exists():
            return p
    raise SystemExit(f"unknown instance {name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--all", action="store_true", help="all 56 Solomon instances")
    ap.add_argument("--homberger", action="store_true", help="the six 200-customer instances")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--first-solution", default=None)
    ap.add_argument("--metaheuristic", default=None)
    ap.add_argument("--gls-lambda", type=float, default=None, help="default: per portfolio worker (0.1, 0.2)")
    args = ap.parse_args()
    if args.all:
        names = sorted(p.stem for p in (HERE / "solomon").glob("*.txt"))
    elif args.homberger:
        names = sorted(p.stem for p in (HERE / "homberger").glob("*.txt"))
    else:
        names = args.names or list(SUBSET)
    params = SolveParams(
        time_limit=args.time_limit,
        workers=args.workers,
        seed=args.seed,
        arc_cost="meters",
        first_solution=args.first_solution,
        metaheuristic=args.metaheuristic,
        gls_lambda=args.gls_lambda,
        explain=False,
    )
    print(f"{'instance':9} {'distance':>9} {'veh':>4} {'bks':>9} {'bks_veh':>7} {'gap%':>7} {'sec':>6} feasible", flush=True)
    gaps = []
    infeasible = []
    for name in names:
        problem = read_instance(instance_path(name))
        t = time.monotonic()
        plan = solve(problem, params)
        sec = time.monotonic() - t
        errors = check_plan(problem, plan)
        ok = not errors and not plan.unplanned
        dist = plan.travel_meters / 10.0
        used = sum(1 for r in plan.routes if r.stops)
        ref = bks(name)
        gap = 100.0 * (dist - ref[1]) / ref[1] if ref and ok else math.nan
        if ok:
            gaps.append(gap)
        else:
            infeasible.append(name)
        ref_d, ref_v = (ref[1], ref[0]) if ref else (math.nan, 0)
        print(f"{name:9} {dist:9.1f} {used:4d} {ref_d:9.1f} {ref_v:7d} {gap:7.2f} {sec:6.1f} {'yes' if ok else 'NO'}", flush=True)
        if errors:
            print("   " + "; ".join(errors[:3]), flush=True)
    print(f"load average (1/5/15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    mean = sum(gaps) / len(gaps) if gaps else math.nan
    print(f"mean gap {mean:.2f}% over {len(gaps)} feasible of {len(names)}; infeasible: {' '.join(infeasible) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
