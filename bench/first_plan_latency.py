"""Latency of a plan in a new process with numba's cache warm: import, reading the day, the first solution
(construction, after the kernels are loaded from the cache), the plan.

    .venv/bin/python bench/first_plan_latency.py bench/.cache/days/tokyo-100-s1.json --time-limit 5 --workers 2
    .venv/bin/python bench/first_plan_latency.py DAY.json --src /tmp/other-checkout   # e.g. the code before

Run it once first if the cache may be cold (a cold run prints the compile as part of "first solution").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, time
t0 = time.monotonic()
from dispatch.jsonio import load_problem
from dispatch.solve import SolveParams, solve
t_import = time.monotonic() - t0
problem = load_problem(sys.argv[1])
t_read = time.monotonic() - t0
first = []
def progress(p):
    if not getattr(p, "stage", ""):
        first.append(time.monotonic() - t0)
plan = solve(problem, SolveParams(time_limit=float(sys.argv[2]), workers=int(sys.argv[3]), seed=1), on_progress=progress)
print(f"import {t_import:.2f} s, read {t_read:.2f} s, first solution at {first[0]:.2f} s, "
      f"plan at {time.monotonic() - t0:.2f} s, planned {plan.planned}")
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("day", type=Path)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1], help="checkout to import")
    args = ap.parse_args(argv)
    for _ in range(args.runs):
        load = Path("/proc/loadavg").read_text().split()[0]
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.day.resolve()), str(args.time_limit), str(args.workers)],
            cwd=args.src, env={**os.environ, "PYTHONPATH": str(args.src)}, capture_output=True, text=True, check=True,
        )
        print(f"{out.stdout.strip()}; load {load}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
