"""Python vs numpy vs numba for the evaluator's inner loop: every insertion position of a visit.

On a realistic day (bench/dayfactory.py) after the construction, for each unplanned visit and each
concierge allowed to serve it, find the cheapest feasible position (windows, shift, break, time costs):
- numba: `dispatch.engines.lns.state.best_insertion` (O(1) feasibility from the kept schedule states, exact
  cost by simulating the rest of the route only where feasible);
- python: the very same functions run as plain Python (numba's `py_func`);
- numpy: the first engine's way, a vectorised detour ranking over all positions, then an exact schedule of
  the best few in Python (`Evaluator.schedule` on the candidate sequence).
Prints microseconds per (visit, concierge) pair; the kernels are compiled first (not timed).

    .venv/bin/python bench/evaluator_bench.py [--size 1000] [--seed 1] [--pairs 3000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dayfactory import write_day
from numba import njit

from dispatch import kernels
from dispatch.construct import first_solution
from dispatch.engines.lns import state
from dispatch.engines.lns.loop import Lns
from dispatch.evaluate import Evaluator
from dispatch.jsonio import load_problem

CHECKS = 8  # exact checks per (visit, concierge) in the numpy variant (the first engine used 4-40 per visit)


@njit(cache=True)
def all_pairs(ins: Any, sol: Any, ks: Any, vs: Any) -> int:
    """Every pair inside compiled code, as the LNS calls it (no Python boundary per pair)."""
    total = 0
    for i in range(ks.shape[0]):
        cost, _ = state.best_insertion(ins, sol, ks[i], vs[i], 0.0)
        total += cost > 0
    return total


def python_kernels() -> dict[str, Any]:
    """Swap the compiled kernels for their Python originals (returns what to restore)."""
    saved: dict[str, Any] = {}
    for mod, names in ((kernels, ("win_start", "time_cost", "step", "finish", "insert_eval", "insert_feasible", "_latest_arrival")),):
        for name in names:
            saved[name] = getattr(mod, name)
            setattr(mod, name, getattr(mod, name).py_func)
    return saved


def numpy_variant(ev: Evaluator, routes: list[list[int]], k: int, v: int) -> int:
    """Detours of all positions with numpy, then exact schedules of the CHECKS best in Python."""
    seq = routes[v]
    t = ev.travel.node_seconds(ev.travel.vehicle_profile[v]) if not hasattr(ev, "_node_sec") else ev._node_sec  # type: ignore[attr-defined]
    nodes = np.array([ev.nodes.starts[v], *seq, ev.nodes.ends[v]], dtype=np.int64)
    detour = t[nodes[:-1], k] + t[k, nodes[1:]] - t[nodes[:-1], nodes[1:]]
    best = 1 << 62
    for p in np.argsort(detour, kind="stable")[:CHECKS].tolist():
        trial = seq[:p] + [k] + seq[p:]
        if ev.schedule(v, trial) is not None:
            best = min(best, int(detour[p]))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=3000)
    args = ap.parse_args()
    problem = load_problem(write_day(Path(__file__).resolve().parent / ".cache" / "days", args.size, args.seed))
    ev = Evaluator(problem)
    lns = Lns.of(ev.inst)
    routes = first_solution(ev, lns)
    sol = state.sol_from_routes(ev.inst, routes)
    pairs = [(k, v) for k in np.flatnonzero(sol.where < 0).tolist() for v in range(len(problem.concierges)) if ev.inst.allowed[k, v]]
    pairs = pairs[: args.pairs]
    ev._node_sec = ev.travel.node_seconds(ev.travel.vehicle_profile[0])  # type: ignore[attr-defined]
    ks = np.array([k for k, _ in pairs], dtype=np.int64)
    vs = np.array([v for _, v in pairs], dtype=np.int64)
    all_pairs(ev.inst, sol, ks[:1], vs[:1])  # compile
    t0 = time.perf_counter()
    all_pairs(ev.inst, sol, ks, vs)
    t_numba = time.perf_counter() - t0
    t0 = time.perf_counter()
    for k, v in pairs:
        state.best_insertion(ev.inst, sol, k, v, 0.0)
    t_boundary = time.perf_counter() - t0
    saved = python_kernels()
    t0 = time.perf_counter()
    for k, v in pairs:
        state.best_insertion.py_func(ev.inst, sol, k, v, 0.0)
    t_python = time.perf_counter() - t0
    for name, fn in saved.items():
        setattr(kernels, name, fn)
    t0 = time.perf_counter()
    for k, v in pairs:
        numpy_variant(ev, routes, k, v)
    t_numpy = time.perf_counter() - t0
    n = len(pairs)
    mean_len = np.mean([len(r) for r in routes])
    print(f"{args.size} visits, seed {args.seed}: {n} (unplanned visit, allowed concierge) pairs, routes of {mean_len:.1f} visits")
    rows = (
        ("numba (inside a kernel)", t_numba),
        ("numba (called from Python)", t_boundary),
        ("python", t_python),
        ("numpy + python checks", t_numpy),
    )
    for name, t in rows:
        print(f"  {name:28} {1e6 * t / n:8.2f} us per pair  ({t:.3f} s)")
    print(f"load average (1 min): {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
