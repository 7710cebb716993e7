"""The LNS engine (ruin and recreate on the evaluator's kernels): `search(job)` improves the job's start."""

from __future__ import annotations

from dispatch.engines.base import Job, Routes
from dispatch.engines.lns.loop import Lns


def search(job: Job) -> Routes:
    """Improve `job.start` until its time limit, iteration budget or stop; the best routes found."""
    lns = job.options.get("lns")
    engine = lns if isinstance(lns, Lns) else Lns.of(job.evaluator.inst)
    best, _ = engine.improve(
        job.start,
        time_limit=job.time_limit,
        seed=job.seed,
        iterations=job.iterations,
        should_stop=job.should_stop,
        on_best=lambda routes, _cost: job.report(routes),
    )
    return best
