"""Running engines: one worker runs a recipe of engines in turn ("pyvrp+lns": PyVRP's routes, repaired,
completed and handed to the LNS), keeping the best routes by the evaluator; several workers run in child
processes forked after the parent has built everything once (instance, neighbour lists, construction),
and the parent keeps the best plan they hand in.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dispatch.construct import insertion_order
from dispatch.engines import lns as lns_engine
from dispatch.engines import ortools as ortools_engine
from dispatch.engines import pyvrp as pyvrp_engine
from dispatch.engines.base import Engine, Job, Routes
from dispatch.engines.lns.loop import Lns
from dispatch.errors import DispatchError
from dispatch.evaluate import Evaluator
from dispatch.params import SolveParams, StopFn

ENGINES: dict[str, Engine] = {"lns": lns_engine.search, "ortools": ortools_engine.search, "pyvrp": pyvrp_engine.search}
#: Share of a worker's remaining time an engine gets when another follows it ("pyvrp+lns", "lns+ortools").
STEP_SHARE = {"pyvrp": 0.4, "lns": 0.6, "ortools": 0.5}
#: Deterministic budgets per unit of `solution_limit`: LNS iterations, PyVRP iterations.
LNS_ITERATIONS_PER_SOLUTION = 10
PYVRP_ITERATIONS_PER_SOLUTION = 20
#: Progress reports from a worker, at most this often (seconds).
REPORT_EVERY = 0.25
#: A worker's report of better routes: (objective, routes).
Report = Callable[[int, Routes], None]
#: The portfolio's report to the caller: (objective, routes, worker).
ProgressReport = Callable[[int, Routes, int], None]
#: After a cancel, how long the parent waits for the workers' best plans (seconds).
CANCEL_GRACE_SECONDS = 0.8


@dataclass
class Context:
    """What the parent built once and every worker shares (copy-on-write after fork)."""

    ev: Evaluator
    lns: Lns
    start: Routes
    params: SolveParams
    options: Mapping[str, object]


class Best:
    """The best routes a worker has seen, by the evaluator; reports improvements (throttled)."""

    def __init__(self, ev: Evaluator, routes: Routes, report: Report | None) -> None:
        self.ev = ev
        self.routes = routes
        self.total = ev.total(routes)
        self.report = report
        self.pending: Routes | None = None
        self.last = 0.0

    def offer(self, routes: Routes, force: bool = False) -> None:
        """Consider an engine's routes (repaired first); throttled unless `force`."""
        self.pending = routes
        now = time.monotonic()
        if force or now - self.last >= REPORT_EVERY:
            self.last = now
            self.flush()

    def flush(self) -> None:
        if self.pending is None:
            return
        routes = self.ev.repair(self.pending)
        self.pending = None
        total = self.ev.total(routes)
        if total < self.total:
            self.routes, self.total = routes, total
            if self.report is not None:
                self.report(total, routes)


def run_worker(ctx: Context, worker: int, recipe: str, deadline: float, should_stop: StopFn | None, report: Report | None) -> Best:
    """Run the engines of `recipe` ("lns", "pyvrp+lns", ...) one after the other until `deadline`."""
    params = ctx.params
    best = Best(ctx.ev, ctx.start, report)
    steps = recipe.split("+")
    seed = params.seed + worker
    for i, name in enumerate(steps):
        left = deadline - time.monotonic()
        if left <= 0 or (should_stop is not None and should_stop()):
            break
        share = STEP_SHARE[name] if i < len(steps) - 1 else 1.0
        iterations = None
        if params.solution_limit is not None:
            per = {"lns": LNS_ITERATIONS_PER_SOLUTION, "pyvrp": PYVRP_ITERATIONS_PER_SOLUTION}.get(name, 1)
            iterations = params.solution_limit * per
        options: dict[str, object] = {
            "lns": ctx.lns, "first_solution": params.first_solution, "metaheuristic": params.metaheuristic,
            "gls_lambda": params.gls_lambda, **ctx.options,
        }
        job = Job(ctx.ev, [list(r) for r in best.routes], left * share, seed, iterations, should_stop, best.offer, options)
        out = ENGINES[name](job)
        if out is not None:
            if name == "pyvrp" and i < len(steps) - 1:
                out = ctx.lns.fill(ctx.ev.repair(out), insertion_order(ctx.ev))  # a relaxed seed: make it valid, then complete it
            best.offer(out, force=True)
        best.flush()
    return best


def _child(ctx: Context, worker: int, recipe: str, deadline: float, stop: Any, out: Any) -> None:
    """A portfolio worker process: run its recipe, send progress and its best routes."""
    def report(total: int, routes: Routes) -> None:
        out.put(("progress", worker, total, [list(r) for r in routes]))

    try:
        best = run_worker(ctx, worker, recipe, deadline, stop.is_set, report)
        out.put(("done", worker, best.routes, best.total))
    except BaseException as exc:  # reported to the parent, which re-raises DispatchError or reports it
        out.put(("error", worker, exc if isinstance(exc, DispatchError) else RuntimeError(f"{type(exc).__name__}: {exc}"), 0))


def run_portfolio(
    ctx: Context, recipes: list[str], deadline: float, should_stop: StopFn | None, report: ProgressReport | None
) -> tuple[Routes, bool]:
    """One child process per recipe; returns the best routes handed in (the construction if none) and
    whether the caller cancelled. `report(total, routes, worker)` hears of each better plan."""
    mp: Any = multiprocessing.get_context("fork" if _fork_safe() else "spawn")
    stop = mp.Event()
    out = mp.Queue()
    procs = [mp.Process(target=_child, args=(ctx, w, r, deadline, stop, out), daemon=True) for w, r in enumerate(recipes)]
    for p in procs:
        p.start()
    best_routes, best_total = ctx.start, ctx.ev.total(ctx.start)
    reported = best_total
    done: set[int] = set()
    errors: list[BaseException] = []
    cancelled = False
    give_up = deadline + 2.0
    try:
        while len(done) < len(procs) and time.monotonic() < give_up:
            if should_stop is not None and not cancelled and should_stop():
                cancelled = True
                stop.set()
                give_up = min(give_up, time.monotonic() + CANCEL_GRACE_SECONDS)
            try:
                msg = out.get(timeout=0.05)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and out.empty():
                    break
                continue
            kind, worker = msg[0], msg[1]
            if kind == "progress":
                if msg[2] < reported and report is not None:
                    reported = msg[2]
                    report(msg[2], msg[3], worker)
            elif kind == "done":
                done.add(worker)
                if msg[3] < best_total:
                    best_routes, best_total = msg[2], msg[3]
            else:
                done.add(worker)
                errors.append(msg[2])
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=0.5)
            if p.is_alive():
                p.kill()
                p.join()
    if errors and len(errors) == len(procs) and isinstance(errors[0], DispatchError):
        raise errors[0]
    return best_routes, cancelled


def _fork_safe() -> bool:
    """Fork is fast and fine from a single-threaded process; spawn otherwise (e.g. inside a UI worker)."""
    return multiprocessing.get_start_method(allow_none=True) in (None, "fork") and threading.active_count() == 1

