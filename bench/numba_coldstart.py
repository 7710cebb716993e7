"""numba's cold start: what a user pays on the first plan after an install, and where the seconds go.

Each run is a fresh process with an empty `NUMBA_CACHE_DIR` (numba then writes and reads its cache only
there, never next to the modules), so it measures exactly the compile a new install pays:

    .venv/bin/python bench/numba_coldstart.py --runs 3            # cold (empty cache), then warm, 3 times
    .venv/bin/python bench/numba_coldstart.py --runs 1 --top 25   # + per-function compile seconds
    .venv/bin/python bench/numba_coldstart.py --src /tmp/main     # another checkout's dispatch/ (before)

Per function it prints the seconds spent compiling it (exclusive of the kernels it calls, from numba's
`numba:compile` events) and every signature it was compiled for: one kernel compiled for several
signatures (a literal int, an int32 beside an int64, a C- beside an A-layout array) pays each time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
t0 = time.monotonic()
import numba.core.event as ev
records = []
class Rec(ev.Listener):
    def on_start(self, event): records.append((time.perf_counter(), 1, event))
    def on_end(self, event): records.append((time.perf_counter(), 0, event))
ev.register("numba:compile", Rec())
import dispatch.warmup as w
t_import = time.monotonic() - t0
seconds = w.warm_up()
own, sigs, stack = {}, {}, []
for t, start, e in records:
    d = e.data["dispatcher"]
    name = f"{d.py_func.__module__.split('.')[-1]}.{d.py_func.__name__}"
    if start:
        if stack:
            stack[-1][2] += t - stack[-1][1]
        stack.append([name, t, 0.0])
    else:
        n, t1, acc = stack.pop()
        own[n] = own.get(n, 0.0) + acc + t - t1
        sigs.setdefault(n, []).append([str(a) for a in e.data["args"]])
        if stack:
            stack[-1][1] = t
print(json.dumps({"import": t_import, "warm_up": seconds, "own": own, "sigs": sigs}))
"""


def one_run(python: str, src: Path, cache: Path) -> dict:
    """One fresh process running dispatch.warmup against `cache`; its JSON line."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(src))
    t0 = time.monotonic()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([python, "-c", CHILD], env=env, cwd=src, capture_output=True, text=True, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = time.monotonic() - t0
    result["cpu"] = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
    return result


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--top", type=int, default=0, help="print the N slowest functions to compile (first run)")
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1], help="checkout to import")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args(argv)
    colds, cpus, warms = [], [], []
    for r in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="numba-cold-") as tmp:
            before = load()
            cold = one_run(args.python, args.src, Path(tmp))
            warm = one_run(args.python, args.src, Path(tmp))
            colds.append(cold["warm_up"])
            cpus.append(cold["cpu"])
            warms.append(warm["warm_up"])
            nsig = sum(len(s) for s in cold["sigs"].values())
            print(
                f"run {r + 1}: cold warm_up {cold['warm_up']:.1f} s (process {cold['process']:.1f} s, CPU {cold['cpu']:.1f} s, "
                f"{len(cold['sigs'])} kernels / {nsig} compiles), cached {warm['warm_up']:.2f} s "
                f"(process {warm['process']:.1f} s); load {before} -> {load()}",
                flush=True,
            )
            if r == 0 and args.top:
                for name, sec in sorted(cold["own"].items(), key=lambda kv: -kv[1])[: args.top]:
                    print(f"  {sec:6.2f} s  {name}  x{len(cold['sigs'][name])}")
                    variants = cold["sigs"][name]
                    if 1 < len(variants) <= 4 and len({len(v) for v in variants}) == 1:
                        for i, column in enumerate(zip(*variants, strict=True)):
                            if len(set(column)) > 1:
                                print(f"            argument {i}: {' | '.join(c[:60] for c in column)}")
    print(f"min of {args.runs}: cold {min(colds):.1f} s (CPU {min(cpus):.1f} s), cached {min(warms):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
