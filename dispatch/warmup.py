"""Compile the evaluator's and the LNS's kernels ahead of the first real solve.

numba compiles them on first use and caches the machine code on disk (next to the modules, else in the
user's cache folder), so only the first solve after an install or upgrade would pay for it (tens of
seconds on a loaded two-core machine). `make install` runs `python -m dispatch.warmup`; a solve also calls
`warm_up` in the parent before forking its workers, which then only loads the cache.
"""

from __future__ import annotations

import time

from dispatch.problem import Break, Concierge, DispatchProblem, Location, Matrix, Pin, Urgency, Visit, Window


def tiny_day() -> DispatchProblem:
    """Three concierges and twelve visits that exercise every kernel (breaks, windows, skills, pins,
    deadlines, emergencies, capacity, max visits)."""
    import numpy as np

    n = 15
    pos = np.arange(n)
    sec = (np.abs(pos[:, None] - pos[None, :]) * 600).astype(np.int64)
    concierges = (
        Concierge("a", Location(index=12), break_=Break(690, 840, 60), skills=frozenset({"mac"}), max_visits=5),
        Concierge("b", Location(index=13), capacity=3),
        Concierge("c", Location(index=14), shift_start=600, shift_end=960),
    )
    visits = tuple(
        Visit(
            f"v{k}", Location(index=k), 30 + 15 * (k % 3),
            windows=(Window(540 + 30 * k, 900),) if k % 2 else (),
            urgency=(Urgency.EMERGENCY, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)[k % 4],
            deadline=720 if k % 4 == 1 else None, requested=-600, skills=frozenset({"mac"}) if k == 3 else frozenset(),
            dedicated="b" if k == 5 else None, load=k % 2, pinned=Pin("a", 600) if k == 7 else None, required=k == 7,
        )
        for k in range(12)
    )
    return DispatchProblem(concierges, visits, profile=None, matrix=Matrix(sec, sec))


def warm_up() -> float:
    """Compile (or load) every kernel; returns the seconds it took."""
    from dispatch.construct import first_solution, insertion_order
    from dispatch.engines.lns.loop import Lns
    from dispatch.evaluate import Evaluator
    from dispatch.explain import explain_unplanned
    from dispatch.plan import PlanStatus

    t0 = time.monotonic()
    problem = tiny_day()
    ev = Evaluator(problem)
    lns = Lns.of(ev.inst)
    routes = first_solution(ev, lns)
    best, _ = lns.improve(routes, time_limit=600, seed=0, iterations=30)
    best = lns.fill(best, insertion_order(ev))
    explain_unplanned(problem, ev.plan(best, PlanStatus.FEASIBLE, 0.0), evaluator=ev)
    return time.monotonic() - t0


if __name__ == "__main__":
    print(f"dispatch kernels ready in {warm_up():.1f} s")
