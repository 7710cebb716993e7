"""The LNS loop: ruin and recreate with adaptive operator weights and simulated-annealing acceptance.

Compiled chunks of iterations (`run_chunk`) alternate with Python, which checks the time limit, the
caller's `should_stop`, reports new bests and cools the temperature. With an iteration budget the
temperature follows the iterations instead of the clock, so a seed gives the same plan every time.

Operator weights (Ropke and Pisinger): each chunk, an operator's weight moves towards its average score
(new best 33, better than the current solution 9, accepted 13, rejected 0).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from dispatch.engines.lns.near import NEAR_CONCIERGES, NEAR_VISITS, Near, build_near
from dispatch.engines.lns.recreate import N_RECREATE, recreate, recreate_work
from dispatch.engines.lns.ruin import N_RUIN, ruin
from dispatch.engines.lns.state import R_ARC, R_LEN, clone, copy_into, empty_sol, objective, routes_of, sol_from_routes
from dispatch.instance import K_PEN, K_REQ, Instance
from dispatch.kernels import as_int64
from dispatch.warmup import drop_stale_cache

SCORE_BEST, SCORE_BETTER, SCORE_ACCEPTED = 33.0, 9.0, 13.0
#: How fast weights follow the scores (per chunk).
REACTION = 0.2
#: Visits removed per iteration: between these, and at most this share of the planned visits.
REMOVE_MIN, REMOVE_MAX, REMOVE_SHARE = 4, 30, 0.25
#: Unplanned visits near the ruined routes offered to recreate, at most.
POOL_MAX = 24
#: Temperature: start at this share of the mean travel cost per planned visit, end 100 times lower.
TEMPERATURE_SHARE = 0.05
COOLING_RANGE = 100.0
#: Record-to-record slack: early on a solution up to this share of the cheapest unplanned penalty worse than
#: the best is accepted (an over-full day's local optima are left by giving a visit up for a while), falling
#: to nothing by SLACK_UNTIL of the run.
SLACK_SHARE = 1.5
SLACK_UNTIL = 0.6
#: Wall-clock length of a compiled chunk (between checks of the time and of `should_stop`).
CHUNK_SECONDS = 0.05
#: Construction: visits inserted per recreate call (later batches see where the earlier ones went).
BUILD_BATCH = 256
#: Concierges nearest to a visit that the LNS tries (besides the routes of its nearest visits).
LNS_CONCIERGES = 8
CAND_MAX = NEAR_VISITS + NEAR_CONCIERGES + 16


@njit(cache=True)
def _roulette(w: Any) -> int:
    u = np.random.random() * w.sum()
    for i in range(w.shape[0]):
        u -= w[i]
        if u <= 0:
            return i
    return int(w.shape[0] - 1)


@njit(cache=True)
def seed_rng(seed: int) -> None:
    """Seed numba's generator (used by every compiled operator)."""
    np.random.seed(seed)


@njit(cache=True)
def run_chunk(
    ins: Any, N: Any, S: Any, T: Any, B: Any, cur: int, best: int, iters: int, temp: float, slack: float, qmax: int,
    wr: Any, wc: Any, sr: Any, sc: Any, ur: Any, uc: Any, removed: Any, ruined: Any, pend: Any, full: Any, work: Any,
) -> tuple[int, int, int]:
    """`iters` iterations on S (current) keeping the best in B (T is scratch); returns (current
    objective, best objective, iterations that found a new best)."""
    n = S.where.shape[0]
    mark = np.zeros(n, dtype=np.bool_)
    news = 0
    for _ in range(iters):
        op = _roulette(wr)
        fl = _roulette(wc)
        q = 4 if qmax <= 4 else 4 + np.random.randint(qmax - 3)
        copy_into(T, S)
        nrem, nru = ruin(ins, N, S, op, q, removed, ruined)
        npend = as_int64(0)
        for i in range(nrem):
            pend[npend] = removed[i]
            full[npend] = True
            mark[removed[i]] = True
            npend += 1
        for i in range(nrem):
            for j in range(N.neigh.shape[1]):
                k = N.neigh[removed[i], j]
                if k < 0:
                    break
                if npend - nrem < pend.shape[0] - removed.shape[0] and S.where[k] < 0 and not mark[k]:
                    mark[k] = True
                    pend[npend] = k
                    full[npend] = False
                    npend += 1
        for i in range(npend):
            mark[pend[i]] = False
        noise = 0.0 if np.random.random() < 0.5 else 0.05
        recreate(ins, N, S, pend, full, npend, ruined, nru, fl, noise, as_int64(LNS_CONCIERGES), work)
        new = objective(ins, S)
        score = 0.0
        if new < best:
            copy_into(B, S)
            best = new
            cur = new
            score = SCORE_BEST
            news += 1
        elif new < cur:
            cur = new
            score = SCORE_BETTER
        elif (temp > 0 and np.random.random() < np.exp(-(new - cur) / temp)) or new - best < slack:
            cur = new
            score = SCORE_ACCEPTED
        else:
            copy_into(S, T)
        sr[op] += score
        sc[fl] += score
        ur[op] += 1
        uc[fl] += 1
    return cur, best, news


@njit(cache=True)
def build_batches(ins: Any, N: Any, S: Any, order: Any, batch: int, pend: Any, full: Any, ruined: Any, work: Any) -> None:
    """Insert visits in `order`, `batch` at a time, by regret-2 (the construction)."""
    n = order.shape[0]
    for b in range(0, n, batch):
        npend = as_int64(0)
        for i in range(b, min(n, b + batch)):
            pend[npend] = order[i]
            full[npend] = True
            npend += 1
        zero = as_int64(0)  # typed like run_chunk's arguments (see dispatch/kernels.py on compile time)
        recreate(ins, N, S, pend, full, npend, ruined, zero, zero, 0.0, as_int64(N.vnear.shape[1]), work)


@dataclass
class Lns:
    """An LNS search over one instance: construct, then improve (see the module docstring)."""

    inst: Instance
    near: Near

    @classmethod
    def of(cls, inst: Instance) -> Lns:
        return cls(inst, build_near(inst))

    def construct(self, order: Sequence[int]) -> list[list[int]]:
        """Routes built by regret-2 insertion of the visits in `order` (most important first)."""
        inst = self.inst
        sol = empty_sol(inst)
        m = inst.n_concierges
        arr = np.asarray(order, dtype=np.int64)
        batch = max(1, min(BUILD_BATCH, len(arr)))
        pend = np.zeros(batch, dtype=np.int64)
        full = np.ones(batch, dtype=np.bool_)
        build_batches(inst, self.near, sol, arr, batch, pend, full, np.zeros(1, dtype=np.int64), recreate_work(batch, CAND_MAX, m))
        return routes_of(sol)

    def fill(self, routes: Sequence[Sequence[int]], order: Sequence[int]) -> list[list[int]]:
        """Valid `routes` with the visits of `order` that are not in them inserted where they fit (regret-2)."""
        inst = self.inst
        sol = sol_from_routes(inst, routes)
        arr = np.asarray([k for k in order if sol.where[k] < 0], dtype=np.int64)
        if len(arr):
            batch = max(1, min(BUILD_BATCH, len(arr)))
            pend = np.zeros(batch, dtype=np.int64)
            full = np.ones(batch, dtype=np.bool_)
            work = recreate_work(batch, CAND_MAX, inst.n_concierges)
            build_batches(inst, self.near, sol, arr, batch, pend, full, np.zeros(1, dtype=np.int64), work)
        return routes_of(sol)

    def improve(
        self,
        routes: Sequence[Sequence[int]],
        *,
        time_limit: float,
        seed: int,
        iterations: int | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_best: Callable[[list[list[int]], int], None] | None = None,
    ) -> tuple[list[list[int]], int]:
        """Improve valid `routes` until the time limit, the iteration budget or `should_stop`; returns the
        best routes and how many iterations ran."""
        inst, near = self.inst, self.near
        t0 = time.monotonic()
        m = inst.n_concierges
        S = sol_from_routes(inst, routes)
        planned = int(S.rt[:, R_LEN].sum())
        if m == 0 or planned + int((S.where < 0).sum()) == 0:
            return routes_of(S), 0
        T, B = clone(S), clone(S)
        cur = best = int(objective(inst, S))
        qmax = max(REMOVE_MIN, min(REMOVE_MAX, int(REMOVE_SHARE * max(planned, 1))))
        removed = np.zeros(qmax + 64, dtype=np.int64)
        ruined = np.zeros(32, dtype=np.int64)
        pend = np.zeros(len(removed) + POOL_MAX, dtype=np.int64)
        full = np.zeros(len(pend), dtype=np.bool_)
        work = recreate_work(len(pend), CAND_MAX, m)
        wr, wc = np.ones(N_RUIN), np.ones(N_RECREATE)
        per_visit = float(S.rt[:, R_ARC].sum()) / max(1, planned)
        t_start = max(1.0, TEMPERATURE_SHARE * per_visit)
        optional = inst.vis[inst.vis[:, K_REQ] == 0, K_PEN]
        slack_start = SLACK_SHARE * float(optional.min()) if len(optional) else 0.0
        seed_rng(seed)
        done, chunk = 0, 8
        while True:
            elapsed = time.monotonic() - t0
            frac = done / iterations if iterations is not None else elapsed / max(1e-9, time_limit)
            if frac >= 1.0 or elapsed >= time_limit or (should_stop is not None and should_stop()):
                break
            temp = t_start * COOLING_RANGE ** (-min(1.0, frac))
            slack = slack_start * max(0.0, 1.0 - frac / SLACK_UNTIL)
            n_it = chunk if iterations is None else min(chunk, iterations - done)
            sr, sc, ur, uc = np.zeros(N_RUIN), np.zeros(N_RECREATE), np.zeros(N_RUIN), np.zeros(N_RECREATE)
            t1 = time.monotonic()
            args = (removed, ruined, pend, full, work)
            cur, new_best, _ = run_chunk(inst, near, S, T, B, cur, best, n_it, temp, slack, qmax, wr, wc, sr, sc, ur, uc, *args)
            done += n_it
            wr = (1 - REACTION) * wr + REACTION * np.where(ur > 0, sr / np.maximum(ur, 1), wr)
            wc = (1 - REACTION) * wc + REACTION * np.where(uc > 0, sc / np.maximum(uc, 1), wc)
            wr, wc = np.maximum(wr, 0.5), np.maximum(wc, 0.5)
            if new_best < best:
                best = new_best
                if on_best is not None:
                    on_best(routes_of(B), best)
            if iterations is None:
                spent = time.monotonic() - t1
                chunk = max(1, min(4 * chunk, int(chunk * CHUNK_SECONDS / max(spent, 1e-6))))
        return routes_of(B), done


drop_stale_cache(__name__)  # see dispatch.warmup.KERNEL_SOURCES
