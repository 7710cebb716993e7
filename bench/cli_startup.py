"""Start-up of the `concierge` command line: how long a person waits for the commands that do little work.

    .venv/bin/python bench/cli_startup.py [--repeat 9] [--concierge .venv/bin/concierge] [--json]

Each command runs `--repeat` times as a whole process (after one warm-up run that fills the OS file cache
and the `.pyc` files); the median wall and CPU seconds are printed with the 1-minute load average before
and after, because on a shared machine wall time follows the load and CPU time does not. Targets (issue 13):
`--help` <= 0.3 s, `quote --pcs 30` <= 0.6 s, `geocode` <= 1 s. The other rows are for reference: a
command's own `--help` imports that command's module (tui.cli.LazyGroup), so `plan --help` and
`billing --help` still load the optimizer or the database layer, and typer builds pydantic adapters for
every typed option (importing pydantic for them alone costs 0.16 s of CPU).
Exits 1 when a target's median CPU time is over its target (CPU, not wall: wall measures the neighbours).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
    ("--help", ("--help",), 0.3),
    ("quote --pcs 30", ("quote", "--pcs", "30"), 0.6),
    ("geocode", ("geocode", "東京都渋谷区道玄坂1丁目2-3"), 1.0),
    ("incident level", ("incident", "level", "--chat-minutes", "35"), None),
    ("billing --help", ("billing", "--help"), None),
    ("plan --help", ("plan", "--help"), None),
    ("route --help", ("route", "--help"), None),
)


def run_once(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                          env={**os.environ, "COLUMNS": "100"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        sys.stderr.write(done.stderr.decode(errors="replace"))
    return wall, cpu, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--concierge", default=str(ROOT / ".venv" / "bin" / "concierge"))
    parser.add_argument("--json", action="store_true", help="one JSON object per case instead of the table")
    args = parser.parse_args()
    over = False
    if not args.json:
        print(f"{'command':<18} {'wall median':>11} {'cpu median':>10} {'target':>7}  load before/after  (n={args.repeat})")
    for name, argv, target in CASES:
        command = [args.concierge, *argv]
        run_once(command)  # warm-up: file cache, .pyc
        load_before = os.getloadavg()[0]
        walls, cpus, codes = [], [], set()
        for _ in range(args.repeat):
            wall, cpu, code = run_once(command)
            walls.append(wall)
            cpus.append(cpu)
            codes.add(code)
        load_after = os.getloadavg()[0]
        wall_median, cpu_median = statistics.median(walls), statistics.median(cpus)
        slow = target is not None and cpu_median > target
        over = over or slow
        if args.json:
            print(json.dumps({"command": name, "wall_median": round(wall_median, 3), "cpu_median": round(cpu_median, 3),
                              "target": target, "load_before": load_before, "load_after": load_after,
                              "exit_codes": sorted(codes)}))
            continue
        shown = f"{target:.1f} s" if target is not None else "-"
        flag = "  OVER" if slow else ""
        bad = f"  exit {sorted(codes)}" if codes != {0} else ""
        print(f"{name:<18} {wall_median:>9.3f} s {cpu_median:>8.3f} s {shown:>7}  {load_before:5.2f} / {load_after:5.2f}{flag}{bad}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
