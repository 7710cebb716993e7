"""An upper bound on how many visits any plan can serve on a day, for the issue-11 ambition ("close half of
the distance between the baseline and the relaxation bound").

The bound is a linear programme (OR-Tools GLOP), a relaxation of every plan:
- x[v, c] in [0, 1]: the share of visit v that concierge c serves; only pairs the day allows (skills,
  required dedicated concierge, pins) and whose times can meet (some window of v lets c reach it from home
  after the shift starts and still finish it before the shift ends);
- each visit at most once: sum over c of x[v, c] <= 1;
- each concierge's time: sum over v of x[v, c] * (service of v + the shortest travel into v from anywhere
  c could come from: home or any other visit's place, 0 when another visit is at the same office)
  <= shift length - break;
- each concierge's max visits: sum over v of x[v, c] <= max_visits.
Every real plan satisfies these, so the LP optimum is >= the most visits any plan can serve. The way home,
waiting for windows and the order of visits are ignored, so the bound is loose; it is a ceiling, not a
target. With --by-class, the bound is also given per urgency class (each maximised alone).

    .venv/bin/python bench/upper_bound.py bench/.cache/days/tokyo-1000-s1.json [--by-class]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from ortools.linear_solver import pywraplp

from dispatch.instance import K_SVC, V_BD, V_END, V_MAX, V_PROF, V_SE, V_SS, V_START, build_instance
from dispatch.jsonio.problem import load_problem
from dispatch.nodes import Nodes
from dispatch.problem import DispatchProblem, Urgency


def bound(problem: DispatchProblem, only: Urgency | None = None) -> float:
    """The LP optimum: an upper bound on the visits (of class `only`, else all) any plan serves."""
    nodes = Nodes.of(problem)
    inst = build_instance(problem, nodes=nodes)
    n, m = inst.n_visits, inst.n_concierges
    row = inst.row
    solver = pywraplp.Solver.CreateSolver("GLOP")
    per_visit: list[list[pywraplp.Variable]] = [[] for _ in range(n)]
    for c in range(m):
        t = inst.tmat[int(inst.veh[c, V_PROF])]
        home, end = int(inst.veh[c, V_START]), int(inst.veh[c, V_END])
        ss, se = int(inst.veh[c, V_SS]), int(inst.veh[c, V_SE])
        span = se - ss - int(inst.veh[c, V_BD])
        ok = [v for v in range(n) if inst.allowed[v, c]]
        if not ok or span <= 0:
            continue
        vr = row[np.array(ok)]
        into = t[np.ix_(vr, vr)].astype(np.int64)
        np.fill_diagonal(into, np.iinfo(np.int64).max)
        same = vr[:, None] == vr[None, :]
        np.fill_diagonal(same, False)
        into[same] = 0
        from_home = t[row[home], vr]
        min_in = np.minimum(into.min(axis=0), from_home)
        back = t[vr, row[end]]
        terms, count = [], []
        for i, v in enumerate(ok):
            svc = int(inst.vis[v, K_SVC])
            earliest = ss + int(from_home[i])
            latest = se - svc - int(back[i])
            wins = [(int(a), int(b)) for a, b in zip(inst.ws[v], inst.we[v], strict=True) if a <= b]
            if latest < earliest or not any(a <= latest and b >= earliest for a, b in wins):
                continue
            x = solver.NumVar(0.0, 1.0, "")
            per_visit[v].append(x)
            terms.append((svc + int(min_in[i])) * x)
            count.append(x)
        if terms:
            solver.Add(solver.Sum(terms) <= span)
            mx = int(inst.veh[c, V_MAX])
            if mx < len(count):
                solver.Add(solver.Sum(count) <= mx)
    served = []
    for v, xs in enumerate(per_visit):
        if xs:
            solver.Add(solver.Sum(xs) <= 1)
            if only is None or problem.visits[v].urgency is only:
                served.extend(xs)
    if not served:
        return 0.0
    solver.Maximize(solver.Sum(served))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise SystemExit("upper_bound: the LP did not solve to optimality")
    return float(solver.Objective().Value())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("days", nargs="+", type=Path, help="concierge-dispatch/1 files")
    ap.add_argument("--by-class", action="store_true", help="also the bound of each urgency class alone")
    args = ap.parse_args(argv)
    for path in args.days:
        problem = load_problem(path)
        t0 = time.monotonic()
        line = f"{path.stem}: {len(problem.visits)} visits, bound {bound(problem):.1f}"
        if args.by_class:
            line += " (" + ", ".join(f"{u.value} {bound(problem, u):.1f}" for u in Urgency) + ")"
        print(f"{line} [{time.monotonic() - t0:.1f} s]", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
