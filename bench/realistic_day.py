"""A realistic generated day: 100 concierges, 1,000 visits around Tokyo, mixed urgencies, skills, breaks.

Target: every feasible emergency served within 30 s, peak memory <= 2 GiB. Travel is an explicit matrix
(haversine x detour factor at a rail-like speed plus an overhead) so the benchmark measures the optimizer,
not the travel module. Also used by `bench/replan_bench.py` (smaller sizes).

    .venv/bin/python bench/realistic_day.py [--time-limit 25] [--workers 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.check import check_plan
from dispatch.explain import cheap_reason
from dispatch.problem import (
    KNOWN_SKILLS,
    Break,
    Concierge,
    DispatchProblem,
    Location,
    Matrix,
    Urgency,
    Visit,
    Window,
)
from dispatch.solve import SolveParams, solve

DETOUR = 1.3
SPEED_KMH = 25.0
OVERHEAD_S = 300
URGENCIES = (Urgency.EMERGENCY, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)
URGENCY_SHARE = (0.03, 0.15, 0.60, 0.22)


def haversine_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """All-pairs great-circle distances in metres."""
    la, lo = np.radians(lat), np.radians(lon)
    dla = la[:, None] - la[None, :]
    dlo = lo[:, None] - lo[None, :]
    a = np.sin(dla / 2) ** 2 + np.cos(la)[:, None] * np.cos(la)[None, :] * np.sin(dlo / 2) ** 2
    out: np.ndarray = 2 * 6_371_000 * np.arcsin(np.sqrt(np.minimum(1.0, a)))
    return out


def generate(n_concierges: int = 100, n_visits: int = 1000, seed: int = 1) -> DispatchProblem:
    """A reproducible day (same seed, same day)."""
    rng = np.random.default_rng(seed)
    n = n_concierges + n_visits
    lat = 35.60 + rng.random(n) * 0.20
    lon = 139.60 + rng.random(n) * 0.25
    meters = np.rint(haversine_m(lat, lon) * DETOUR).astype(np.int64)
    seconds = np.ceil(meters / (SPEED_KMH / 3.6)).astype(np.int64) + OVERHEAD_S
    np.fill_diagonal(seconds, 0)
    np.fill_diagonal(meters, 0)
    skills = sorted(KNOWN_SKILLS)
    concierges = []
    for k in range(n_concierges):
        start = int(rng.choice([8 * 60, 9 * 60, 9 * 60, 10 * 60]))
        own = frozenset(rng.choice(skills, size=int(rng.integers(2, 6)), replace=False).tolist())
        concierges.append(
            Concierge(
                f"c{k:03d}",
                Location(index=k),
                shift_start=start,
                shift_end=start + 9 * 60,
                skills=own,
                max_visits=12,
                break_=Break(11 * 60 + 30, 14 * 60, 60),
                capacity=10 if k % 4 == 0 else None,
            )
        )
    visits = []
    for j in range(n_visits):
        u = URGENCIES[int(rng.choice(4, p=URGENCY_SHARE))]
        r = rng.random()
        windows: tuple[Window, ...] = ()
        if r < 0.3:
            windows = (Window(9 * 60, 17 * 60),)
        elif r < 0.4:
            windows = (Window(13 * 60, 18 * 60),)
        elif r < 0.45:
            windows = (Window(9 * 60, 11 * 60), Window(15 * 60, 17 * 60))
        need = frozenset(rng.choice(skills, size=int(rng.integers(0, 2)), replace=False).tolist())
        ded = f"c{int(rng.integers(n_concierges)):03d}" if rng.random() < 0.12 else None
        visits.append(
            Visit(
                f"v{j:04d}",
                Location(index=n_concierges + j),
                int(rng.choice([30, 45, 60, 60, 90, 120])),
                windows=windows,
                urgency=u,
                requested=int(-rng.integers(0, 3 * 1440)) if u is not Urgency.EMERGENCY else 8 * 60,
                deadline=int(rng.integers(12, 18)) * 60 if u is Urgency.HIGH and rng.random() < 0.5 else None,
                skills=need,
                dedicated=ded,
                dedicated_required=ded is not None and rng.random() < 0.2,
                priority=int(rng.integers(0, 3)),
                load=int(rng.integers(0, 4)),
            )
        )
    return DispatchProblem(tuple(concierges), tuple(visits), profile=None, matrix=Matrix(seconds, meters))


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time-limit", type=float, default=25.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--concierges", type=int, default=100)
    ap.add_argument("--visits", type=int, default=1000)
    args = ap.parse_args()
    t0 = time.monotonic()
    problem = generate(args.concierges, args.visits, args.seed)
    t_gen = time.monotonic() - t0
    first: list[float] = []
    params = SolveParams(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    t1 = time.monotonic()
    plan = solve(problem, params, on_progress=lambda p: first.append(p.elapsed) if not first else None)
    total = time.monotonic() - t1
    errors = check_plan(problem, plan)
    by_id = {v.id: v for v in problem.visits}
    emergencies = [v for v in problem.visits if v.urgency is Urgency.EMERGENCY]
    lost = [u.visit for u in plan.unplanned if by_id[u.visit].urgency is Urgency.EMERGENCY]
    impossible = [vid for vid in lost if cheap_reason(problem, by_id[vid]) is not None]
    own, child = peak_rss_mib()
    print(f"generated {len(problem.concierges)} concierges / {len(problem.visits)} visits in {t_gen:.1f} s (seed {args.seed})")
    first_at = first[0] if first else float("nan")
    print(f"status {plan.status.value}; solve+explain {total:.1f} s (limit {args.time_limit} s, first solution at {first_at:.1f} s)")
    print(f"planned {plan.planned}, unplanned {len(plan.unplanned)}; checker: {'ok' if not errors else errors[:3]}")
    served = len(emergencies) - len(lost)
    print(f"emergencies {len(emergencies)}: served {served}, unplanned {len(lost)} (of which provably impossible {len(impossible)})")
    print(f"travel {plan.travel_seconds / 3600:.1f} h, {plan.travel_meters / 1000:.0f} km; cost {dict(plan.cost)}")
    print(f"peak RSS: parent {own:.0f} MiB, largest child {child:.0f} MiB")
    print(f"load average (1/5/15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    ok = not errors and len(lost) == len(impossible) and total <= 30.0 and max(own, child) <= 2048
    print("TARGET MET" if ok else "TARGET MISSED")


if __name__ == "__main__":
    main()
