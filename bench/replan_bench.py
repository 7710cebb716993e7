"""Insert one emergency into a committed 20-concierge / 200-visit day.

Target: the re-plan takes <= 2 s and changes only routes that must change (here: the route that takes the
emergency, plus any route whose visits it pushes out). Reports seconds, routes changed, moves.

    .venv/bin/python bench/replan_bench.py [--seed 3] [--trials 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from realistic_day import generate

from dispatch.check import check_plan
from dispatch.problem import Location, Urgency, Visit
from dispatch.replan import replan
from dispatch.solve import SolveParams, solve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--commit-time", type=float, default=10.0, help="time limit of the committed morning plan")
    args = ap.parse_args()
    # 20 concierges + 200 visits, plus spare matrix rows used as emergency locations
    base = generate(20, 200 + args.trials, args.seed)
    spare = base.visits[200:]
    problem = dataclasses.replace(base, visits=base.visits[:200])
    committed = solve(problem, SolveParams(time_limit=args.commit_time, workers=2, seed=args.seed))
    assert check_plan(problem, committed) == []
    print(f"committed: {committed.planned} planned, {len(committed.unplanned)} unplanned ({committed.status.value})")
    worst = 0.0
    extra_routes = 0
    for k, spot in enumerate(spare):
        now = 10 * 60 + 30 * k
        sos = Visit(f"sos{k}", Location(index=spot.location.index), 45, urgency=Urgency.EMERGENCY, requested=now)
        day = dataclasses.replace(problem, visits=(*problem.visits, sos))
        t = time.monotonic()
        result = replan(day, committed, now)
        sec = time.monotonic() - t
        worst = max(worst, sec)
        errors = check_plan(result.subproblem, result.subplan)
        served = sos.id in result.plan.assignment()
        where = result.plan.assignment().get(sos.id, ("-", 0))[0]
        moved_routes = sorted({m.from_concierge for m in result.moves} | {m.to_concierge or "-" for m in result.moves} - {"-"})
        # routes that changed although they did not take the emergency (visits or times moved)
        extra_routes += len((set(result.changed_routes) | set(moved_routes)) - {where})
        print(
            f"now {now // 60:02d}:{now % 60:02d}: {sec:.2f} s, emergency served={served} by {where}, "
            f"routes changed {len(result.changed_routes)} {list(result.changed_routes)}, moves {len(result.moves)} "
            f"(max {max((abs(m.minutes) for m in result.moves), default=0)} min, routes {moved_routes}), "
            f"checker {'ok' if not errors else errors[:2]}"
        )
    print(f"load average (1/5/15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    print(f"worst re-plan time {worst:.2f} s (target <= 2 s); other routes changed (e.g. taking a pushed-out visit): {extra_routes}")


if __name__ == "__main__":
    main()
