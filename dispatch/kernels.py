"""The evaluator's inner loops, compiled with numba: the exact schedule and cost of one route.

A route is simulated forward with two states per position (the break not yet taken / already taken),
each holding the earliest departure after service and the time cost accrued on that path. The break
(`earliest`..`latest` bound its *start*) is taken in a gap between two places, before travelling or
after arriving, never during a visit; a state-0 departure later than the break's latest start is dead.
Windows bound the start of service; waiting is free. The route's schedule is the earliest one: at each
visit the path with the earlier start wins (ties: the cheaper path), and at the end the earlier return.

Measured before choosing numba (bench/evaluator_bench.py): evaluating every insertion position of a visit
on a 1,000-visit day is ~100x faster compiled than the same code in Python, and a vectorised numpy variant
loses to the compiled loop as soon as routes differ in length. Functions are compiled on first use and
cached on disk (`cache=True`), so only the first solve after an install pays the compilation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numba import njit

from dispatch.instance import INF, K_FROM, K_NWIN, K_RATE, K_SVC, V_BD, V_BE, V_BL, V_END, V_PROF, V_SE, V_SS, V_START
from dispatch.warmup import drop_stale_cache, ensure_cache_location

ensure_cache_location(__file__)  # before the first @njit(cache=True): numba refuses to import without a cache folder

# `ins` is a dispatch.instance.Instance (columns V_*, K_*); numba compiles one version per array layout.
# Every function returns plain numbers so callers in Python and in other kernels share them.
#
# Compile time (bench/numba_coldstart.py): numba compiles a kernel once per distinct tuple of argument
# types, and an integer literal is a type of its own (`Literal[int](0)`). A variable that starts as a
# literal and is passed to another kernel compiles that kernel twice, once while type inference has only
# seen the literal. So counters and accumulators handed to kernels start as `ZERO` / `as_int64(...)`.
as_int64 = cast("Callable[[int], int]", np.int64)  # np.int64 itself (an int to mypy)
ZERO = as_int64(0)


@njit(cache=True)
def win_start(ins: Any, k: int, a: int) -> int:
    """Earliest service start of visit k at or after arrival `a` (INF: every window has closed)."""
    for w in range(ins.vis[k, K_NWIN]):
        if a <= ins.we[k, w]:
            return int(max(a, ins.ws[k, w]))
    return INF


@njit(cache=True)
def time_cost(ins: Any, k: int, s: int) -> int:
    """Cost of visit k starting at second s (emergency delay or lateness)."""
    if ins.vis[k, K_RATE] == 0 or s <= ins.vis[k, K_FROM]:
        return 0
    return int(ins.vis[k, K_RATE] * (s - ins.vis[k, K_FROM]))


@njit(cache=True)
def step(ins: Any, v: int, a: int, k: int, d0: int, d1: int, c0: int, c1: int) -> tuple[int, int, int, int, int, int, bool]:
    """From node a (departures d0/d1, path costs c0/c1) to visit k for concierge v: the new departures and
    costs, the starts on both paths, and whether the break-taken path took it in this gap."""
    tr = ins.tmat[ins.veh[v, V_PROF], ins.row[a], ins.row[k]]
    se, bd = ins.veh[v, V_SE], ins.veh[v, V_BD]
    s1 = INF
    if d1 < INF:
        s1 = win_start(ins, k, d1 + tr)
    here = False
    cc1 = c1
    if bd > 0 and d0 < INF:
        b = max(d0, ins.veh[v, V_BE])
        if b <= ins.veh[v, V_BL]:
            s2 = win_start(ins, k, max(d0 + tr, ins.veh[v, V_BE]) + bd)
            if s2 < s1 or (s2 == s1 and s2 < INF and c0 < c1):
                s1, here, cc1 = s2, True, c0
    svc = ins.vis[k, K_SVC]
    n1, nc1 = INF, 0
    if s1 <= se:
        n1 = s1 + svc
        nc1 = cc1 + time_cost(ins, k, s1)
    s0 = INF
    n0, nc0 = INF, 0
    if d0 < INF:
        s0 = win_start(ins, k, d0 + tr)
        if s0 <= se and s0 + svc <= ins.veh[v, V_BL]:
            n0 = s0 + svc
            nc0 = c0 + time_cost(ins, k, s0)
        else:
            s0 = INF
    return n0, n1, nc0, nc1, s0, s1, here


@njit(cache=True)
def finish(ins: Any, v: int, a: int, d0: int, d1: int, c0: int, c1: int) -> tuple[int, int, bool]:
    """Back at the end place from node a: (return time or INF, time cost of the chosen path, whether the
    break is taken in this last gap)."""
    tr = ins.tmat[ins.veh[v, V_PROF], ins.row[a], ins.row[ins.veh[v, V_END]]]
    end, cost, here = INF, 0, False
    if d1 < INF:
        end, cost = d1 + tr, c1
    bd = ins.veh[v, V_BD]
    if bd > 0 and d0 < INF and max(d0, ins.veh[v, V_BE]) <= ins.veh[v, V_BL]:
        e2 = max(d0 + tr, ins.veh[v, V_BE]) + bd
        if e2 < end or (e2 == end and c0 < cost):
            end, cost, here = e2, c0, True
    if end > ins.veh[v, V_SE]:
        return INF, 0, False
    return end, cost, here


@njit(cache=True)
def start_state(ins: Any, v: int) -> tuple[int, int]:
    """Departure states at the start place: (break not taken, break taken)."""
    if ins.veh[v, V_BD] > 0:
        return ins.veh[v, V_SS], INF
    return INF, ins.veh[v, V_SS]


@njit(cache=True)
def arc_cost(ins: Any, v: int, seq: Any, n: int) -> int:
    """Travel cost of a route (start place, seq[:n], end place); 0 for an empty route."""
    if n == 0:
        return 0
    p = ins.veh[v, V_PROF]
    a = ins.veh[v, V_START]
    total = 0
    for j in range(n):
        total += ins.cmat[p, ins.row[a], ins.row[seq[j]]]
        a = seq[j]
    return int(total + ins.cmat[p, ins.row[a], ins.row[ins.veh[v, V_END]]])


@njit(cache=True)
def schedule_into(ins: Any, v: int, seq: Any, n: int, D0: Any, D1: Any, C0: Any, C1: Any) -> tuple[int, int]:
    """Simulate route v over seq[:n], filling the departure states after each position (index 0: the start
    place); returns (return time or INF when infeasible, time cost). An empty route is feasible at no cost."""
    d0, d1 = start_state(ins, v)
    c0, c1 = ZERO, ZERO
    D0[0], D1[0], C0[0], C1[0] = d0, d1, c0, c1
    if n == 0:
        return ins.veh[v, V_SS], 0
    a = ins.veh[v, V_START]
    for j in range(n):
        k = seq[j]
        d0, d1, c0, c1, _, _, _ = step(ins, v, a, k, d0, d1, c0, c1)
        D0[j + 1], D1[j + 1], C0[j + 1], C1[j + 1] = d0, d1, c0, c1
        if d0 >= INF and d1 >= INF:
            for r in range(j + 2, n + 1):
                D0[r], D1[r] = INF, INF
            return INF, 0
        a = k
    end, cost, _ = finish(ins, v, a, d0, d1, c0, c1)
    return end, cost


@njit(cache=True)
def insert_eval(ins: Any, v: int, seq: Any, n: int, D0: Any, D1: Any, C0: Any, C1: Any, k: int, p: int) -> tuple[int, int]:
    """Visit k inserted before position p (0..n) of route v whose states are D0/D1/C0/C1: (time cost of
    the new route or -1 when infeasible, change in travel cost). Costs O(n - p)."""
    a = ins.veh[v, V_START] if p == 0 else seq[p - 1]
    d0, d1, c0, c1 = D0[p], D1[p], C0[p], C1[p]
    if d0 >= INF and d1 >= INF:
        return -1, 0
    d0, d1, c0, c1, _, _, _ = step(ins, v, a, k, d0, d1, c0, c1)
    if d0 >= INF and d1 >= INF:
        return -1, 0
    prev = k
    for j in range(p, n):
        d0, d1, c0, c1, _, _, _ = step(ins, v, prev, seq[j], d0, d1, c0, c1)
        if d0 >= INF and d1 >= INF:
            return -1, 0
        prev = seq[j]
    end, cost, _ = finish(ins, v, prev, d0, d1, c0, c1)
    if end >= INF:
        return -1, 0
    pr = ins.veh[v, V_PROF]
    nxt = ins.veh[v, V_END] if p == n else seq[p]
    ra, rk, rn = ins.row[a], ins.row[k], ins.row[nxt]
    darc = ins.cmat[pr, ra, rk] + ins.cmat[pr, rk, rn]
    if n > 0:
        darc -= ins.cmat[pr, ra, rn]
    else:
        darc = ins.cmat[pr, ins.row[ins.veh[v, V_START]], rk] + ins.cmat[pr, rk, ins.row[ins.veh[v, V_END]]]
    return cost, darc


@njit(cache=True)
def remove_eval(ins: Any, v: int, seq: Any, n: int, D0: Any, D1: Any, C0: Any, C1: Any, j: int) -> tuple[int, int]:
    """Position j removed from route v: (time cost of the new route or -1 if infeasible, change in travel
    cost). Removing never breaks windows, but a break may then fall in a longer idle gap: exact anyway."""
    a = ins.veh[v, V_START] if j == 0 else seq[j - 1]
    d0, d1, c0, c1 = D0[j], D1[j], C0[j], C1[j]
    prev = a
    for r in range(j + 1, n):
        d0, d1, c0, c1, _, _, _ = step(ins, v, prev, seq[r], d0, d1, c0, c1)
        if d0 >= INF and d1 >= INF:
            return -1, 0
        prev = seq[r]
    if n == 1:
        return 0, -arc_cost(ins, v, seq, n)
    end, cost, _ = finish(ins, v, prev, d0, d1, c0, c1)
    if end >= INF:
        return -1, 0
    pr = ins.veh[v, V_PROF]
    k = seq[j]
    nxt = ins.veh[v, V_END] if j == n - 1 else seq[j + 1]
    ra, rk, rn = ins.row[a], ins.row[k], ins.row[nxt]
    return cost, ins.cmat[pr, ra, rn] - ins.cmat[pr, ra, rk] - ins.cmat[pr, rk, rn]


@njit(cache=True)
def route_times(ins: Any, v: int, seq: Any, n: int, starts: Any) -> tuple[int, int, int]:
    """The route's schedule: service starts into `starts[:n]`; returns (return time, time cost, break
    start or -1 without a break); return time INF when infeasible."""
    if n == 0:
        return ins.veh[v, V_SS], 0, -1
    s0s = np.empty(n, dtype=np.int64)
    s1s = np.empty(n, dtype=np.int64)
    g1s = np.empty(n, dtype=np.int64)
    d0s = np.empty(n + 1, dtype=np.int64)
    d0, d1 = start_state(ins, v)
    d0s[0] = d0
    c0, c1 = ZERO, ZERO
    g1 = -1
    a = ins.veh[v, V_START]
    for j in range(n):
        k = seq[j]
        d0, d1, c0, c1, s0, s1, here = step(ins, v, a, k, d0, d1, c0, c1)
        if d0 >= INF and d1 >= INF:
            return INF, 0, -1
        if here:
            g1 = j
        s0s[j], s1s[j], g1s[j] = s0, s1, g1
        d0s[j + 1] = d0
        a = k
    end, cost, here = finish(ins, v, a, d0, d1, c0, c1)
    if end >= INF:
        return INF, 0, -1
    gap = n if here else g1
    if ins.veh[v, V_BD] == 0:
        gap = -1
    for j in range(n):
        starts[j] = s1s[j] if (gap >= 0 and j >= gap) or ins.veh[v, V_BD] == 0 else s0s[j]
    bstart = -1
    if gap >= 0:
        bstart = max(d0s[gap], ins.veh[v, V_BE])
    return end, cost, bstart


@njit(cache=True)
def latest_into(ins: Any, v: int, seq: Any, n: int, L0: Any, L1: Any) -> None:
    """Backward pass of route v: L1[j] / L0[j] = latest arrival at position j (1..n: visit seq[j-1]; n+1:
    the end place) with the break already taken / not yet taken such that the rest of the route works
    (-INF: impossible). With them an insertion's feasibility is decided in O(1) (`insert_feasible`)."""
    se, be, bl, bd = ins.veh[v, V_SE], ins.veh[v, V_BE], ins.veh[v, V_BL], ins.veh[v, V_BD]
    L1[n + 1] = se
    L0[n + 1] = -INF
    nxt = ins.veh[v, V_END]
    pr = ins.veh[v, V_PROF]
    for j in range(n, 0, -1):
        k = seq[j - 1]
        tr = ins.tmat[pr, ins.row[k], ins.row[nxt]]
        b1 = L1[j + 1] - tr if L1[j + 1] > -INF else -INF
        b0 = -INF
        if bd > 0:
            if L1[j + 1] > -INF and be + bd <= L1[j + 1]:
                b0 = min(bl, L1[j + 1] - bd - tr)
            if L0[j + 1] > -INF:
                b0 = max(b0, L0[j + 1] - tr)
        L1[j] = _latest_arrival(ins, k, b1, se)
        L0[j] = _latest_arrival(ins, k, min(b0, bl), se) if bd > 0 else -INF
        nxt = k


@njit(cache=True)
def _latest_arrival(ins: Any, k: int, depart: int, se: int) -> int:
    """Latest arrival at visit k that still starts in a window, by the shift end, and leaves by `depart`."""
    if depart <= -INF:
        return -INF
    best = -INF
    svc = ins.vis[k, K_SVC]
    for w in range(ins.vis[k, K_NWIN]):
        if ins.ws[k, w] + svc <= depart and ins.ws[k, w] <= se:
            best = max(best, min(ins.we[k, w], depart - svc, se))
    return best


@njit(cache=True)
def insert_feasible(ins: Any, v: int, seq: Any, n: int, D0: Any, D1: Any, L0: Any, L1: Any, k: int, p: int) -> bool:
    """Can visit k go before position p of route v (states D*, latest arrivals L*)? Exact, O(windows)."""
    a = ins.veh[v, V_START] if p == 0 else seq[p - 1]
    d0, d1 = D0[p], D1[p]
    if d0 >= INF and d1 >= INF:
        return False
    d0, d1, _, _, _, _, _ = step(ins, v, a, k, d0, d1, ZERO, ZERO)
    if d0 >= INF and d1 >= INF:
        return False
    q = ins.veh[v, V_END] if p == n else seq[p]
    tr = ins.tmat[ins.veh[v, V_PROF], ins.row[k], ins.row[q]]
    la1, la0 = L1[p + 1], L0[p + 1]
    if d1 < INF and la1 > -INF and d1 + tr <= la1:
        return True
    if d0 < INF:
        if la0 > -INF and d0 + tr <= la0:
            return True
        be, bl, bd = ins.veh[v, V_BE], ins.veh[v, V_BL], ins.veh[v, V_BD]
        if bd > 0 and max(d0, be) <= bl and la1 > -INF and max(d0 + tr, be) + bd <= la1:
            return True
    return False


drop_stale_cache(__name__)  # numba would not notice a change in instance.py or a caller's callee
