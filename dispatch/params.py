"""How to search: `SolveParams`, and what a search reports (`Progress`) and listens to (`StopFn`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from dispatch.costs import ArcCost
from dispatch.errors import DispatchError
from dispatch.plan import Plan

#: The longest search a caller may ask for (seconds): a day's plan, not a batch job.
MAX_TIME_LIMIT = 24 * 3600.0
MAX_WORKERS = 64
ENGINES = ("lns", "ortools", "pyvrp")


@dataclass(frozen=True)
class SolveParams:
    """How to search.

    `time_limit`: seconds for the whole solve, explanations included. `solution_limit`: a search budget
    instead of the clock, for a deterministic result (OR-Tools: solutions; LNS: `solution_limit` x 10
    iterations; PyVRP: x 20 iterations; the time limit still caps it). `seed`: which random choices the
    engines make (workers use seed, seed + 1, ...). `workers`: processes searching in parallel (1: in the
    calling thread). `engines`: the engines each worker runs, in turn when joined by "+", e.g. ("lns", "lns+ortools")
    (None: the portfolio's choice for the day, see `dispatch.solve`). `first_solution` / `metaheuristic` /
    `gls_lambda`: OR-Tools' settings when it runs. `arc_cost`: price travel per second or per metre.
    `explain`: word reasons for unplanned visits. `hgs`: seed from PyVRP (None: when the portfolio
    finds it useful; False: never; True: on every worker). `construct` is kept for callers of the first
    version and ignored (every search starts from the construction)."""

    time_limit: float = 10.0
    solution_limit: int | None = None
    seed: int = 0
    workers: int = 1
    first_solution: str | None = None
    metaheuristic: str | None = None
    arc_cost: ArcCost = "seconds"
    gls_lambda: float | None = None
    explain: bool = True
    construct: bool | None = None
    hgs: bool | None = None
    engines: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        from dispatch.engines.ortools import FIRST_SOLUTION_STRATEGIES, METAHEURISTICS

        t = self.time_limit
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or not 0 < t <= MAX_TIME_LIMIT:
            raise DispatchError(f"time_limit: must be a number of seconds > 0 and <= {MAX_TIME_LIMIT:.0f}, got {t}")
        if self.solution_limit is not None and not 1 <= self.solution_limit <= 10**9:
            raise DispatchError(f"solution_limit: must be between 1 and 1000000000, got {self.solution_limit}")
        if not 1 <= self.workers <= MAX_WORKERS:
            raise DispatchError(f"workers: must be between 1 and {MAX_WORKERS}, got {self.workers}")
        if not -(2**31) <= self.seed < 2**31:
            raise DispatchError(f"seed: must fit in 32 bits, got {self.seed}")
        if self.first_solution is not None and self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise DispatchError(f"first_solution: unknown strategy {self.first_solution!r}")
        if self.metaheuristic is not None and self.metaheuristic not in METAHEURISTICS:
            raise DispatchError(f"metaheuristic: unknown metaheuristic {self.metaheuristic!r}")
        if self.arc_cost not in ("seconds", "meters"):
            raise DispatchError(f"arc_cost: must be 'seconds' or 'meters', got {self.arc_cost!r}")
        if self.gls_lambda is not None and not (math.isfinite(self.gls_lambda) and self.gls_lambda >= 0):
            raise DispatchError(f"gls_lambda: must be a number >= 0, got {self.gls_lambda}")
        for recipe in self.engines or ():
            for name in recipe.split("+"):
                if name not in ENGINES:
                    raise DispatchError(f"engines: unknown engine {name!r} in {recipe!r} (known: {', '.join(ENGINES)}, joined by +)")


@dataclass(frozen=True)
class Progress:
    """Reported at each improving solution: objective value, seconds since the start, visits planned, and
    the plan itself (times and unplanned visits, reasons not yet worded) so a caller can show it in its
    own words; None where a caller-facing plan is not at hand. A progress with a `stage` reports a slow
    step before the first solution instead (best cost `NO_SOLUTION_YET`, nothing planned), today only
    `PREPARING`: the first solve after an install compiles the optimizer's kernels (see `dispatch.warmup`)."""

    best_cost: int
    elapsed: float
    planned: int
    worker: int = 0
    plan: Plan | None = None
    stage: str = ""


#: `Progress.best_cost` before any solution exists (larger than any real cost, so costs still fall).
NO_SOLUTION_YET = 2**63 - 1
#: The stage reported while numba compiles the kernels (the first solve after an install or upgrade).
PREPARING = "preparing the optimizer (first run only)…"


StopFn = Callable[[], bool]
ProgressFn = Callable[[Progress], None]
