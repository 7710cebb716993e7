"""What every engine gets and gives back: a `Job` in, routes out.

An engine searches from a valid start (the construction, routes of visit positions per concierge) for at
most `time_limit` seconds (or `iterations`, for a deterministic result), calls `on_best(routes)` with each
better solution it finds and stops early when `should_stop()` says so. It returns routes; the caller
repairs and scores them with the one evaluator (`dispatch.evaluate`), so no engine's own objective or
times are trusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dispatch.evaluate import Evaluator

Routes = list[list[int]]
StopFn = Callable[[], bool]
BestFn = Callable[[Routes], None]


@dataclass
class Job:
    """One engine run."""

    evaluator: Evaluator
    start: Routes
    time_limit: float
    seed: int = 0
    iterations: int | None = None
    should_stop: StopFn | None = None
    on_best: BestFn | None = None
    options: dict[str, object] = field(default_factory=dict)

    def stopped(self) -> bool:
        """Has the caller asked to stop?"""
        return self.should_stop is not None and self.should_stop()

    def report(self, routes: Routes) -> None:
        """Hand a better solution to the caller."""
        if self.on_best is not None:
            self.on_best(routes)


Engine = Callable[[Job], Routes | None]
