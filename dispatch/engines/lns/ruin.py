"""Ruin: take some visits out of the current routes (the recreate step puts them back, better or not).

Operators (indices of the adaptive weights): random visits; related visits (Shaw: near in place and in
time to a seed visit); strings (consecutive visits cut from several routes near a seed, after Christiaens
and Vanden Berghe's SISR); a whole route (and its nearest neighbour's); the worst visits (those whose
removal saves most); make room (a valuable unplanned visit and up to three less valuable visits of a
route that could serve it: the recreate step then decides who gets the place). Done and in-progress
visits never move. Each returns how many visits it removed
into `removed` and which routes it touched into `ruined`; routes are re-timed afterwards.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from dispatch import kernels
from dispatch.costs import DEDICATED_PENALTY
from dispatch.engines.lns.recreate import penalty_of
from dispatch.engines.lns.state import F_C0, F_C1, F_D0, F_D1, R_LEN, R_TC, rebuild, take_out
from dispatch.instance import K_DED, K_LOCK, K_SVC
from dispatch.kernels import as_int64
from dispatch.warmup import drop_stale_cache

RANDOM, RELATED, STRING, ROUTE, WORST, ROOM = 0, 1, 2, 3, 4, 5
N_RUIN = 6
#: Make room: unplanned visits sampled to find a valuable one, and visits pushed out for it at most.
ROOM_SAMPLE = 24
ROOM_PUSH = 3
#: Relatedness: a second of difference in start time counts as this many seconds of travel.
TIME_WEIGHT = 0.5
#: Randomisation of ordered choices (related, worst): index = floor(u**EXPONENT * candidates).
EXPONENT = 4.0


@njit(cache=True)
def _pick_planned(ins: Any, S: Any) -> int:
    """A random planned visit that may move, or -1."""
    n = S.where.shape[0]
    for _ in range(200):
        k = np.random.randint(n)
        if S.where[k] >= 0 and not ins.vis[k, K_LOCK]:
            return int(k)
    return -1


@njit(cache=True)
def _start_of(ins: Any, S: Any, k: int) -> int:
    """Approximate service start of planned visit k (earliest departure minus service)."""
    v = S.where[k]
    j = 0
    while S.nodes[v, j] != k:
        j += 1
    return int(min(S.fw[F_D0, v, j + 1], S.fw[F_D1, v, j + 1]) - ins.vis[k, K_SVC])


@njit(cache=True)
def _remove(ins: Any, S: Any, k: int, removed: Any, nrem: int, ruined: Any, nru: int) -> tuple[int, int]:
    v = take_out(S, k)
    removed[nrem] = k
    for r in range(nru):
        if ruined[r] == v:
            return nrem + 1, nru
    if nru < ruined.shape[0]:
        ruined[nru] = v
        nru += 1
    return nrem + 1, nru


@njit(cache=True)
def _remove_ordered(ins: Any, S: Any, ordered: Any, q: int, removed: Any, nrem: int, ruined: Any, nru: int) -> tuple[int, int]:
    """Remove visits from `ordered` (best first) until q are removed, each pick at a random rank skewed
    towards the front (rank = floor(u**EXPONENT * n), the next free one if taken)."""
    nc = ordered.shape[0]
    taken = np.zeros(nc, dtype=np.bool_)
    picked = 0
    while nrem < q and picked < nc:
        idx = int(np.random.random() ** EXPONENT * nc)
        while taken[idx]:
            idx = (idx + 1) % nc
        taken[idx] = True
        picked += 1
        nrem, nru = _remove(ins, S, ordered[idx], removed, nrem, ruined, nru)
    return nrem, nru


@njit(cache=True)
def _make_room(ins: Any, N: Any, S: Any, removed: Any, ruined: Any) -> tuple[int, int]:
    """The ROOM operator: removed[0] is the unplanned visit to make room for (it stays unplanned here)."""
    n = S.where.shape[0]
    k, pen = -1, 0
    for _ in range(ROOM_SAMPLE):
        j = np.random.randint(n)
        if S.where[j] < 0 and not ins.vis[j, K_LOCK] and penalty_of(ins, j) > pen:
            k, pen = j, penalty_of(ins, j)
    if k < 0:
        return 0, 0
    routes = np.empty(N.vnear.shape[1] + N.neigh.shape[1], dtype=np.int64)
    nr = 0
    for j in range(min(8, N.vnear.shape[1])):
        v = N.vnear[k, j]
        if v >= 0 and S.rt[v, R_LEN] > 0:
            routes[nr] = v
            nr += 1
    for j in range(N.neigh.shape[1]):
        x = N.neigh[k, j]
        if x >= 0 and S.where[x] >= 0 and ins.allowed[k, S.where[x]]:
            routes[nr] = S.where[x]
            nr += 1
    if nr == 0:
        return 0, 0
    v = routes[np.random.randint(nr)]
    removed[0] = k
    nrem, nru = as_int64(1), as_int64(0)
    push = 1 + np.random.randint(ROOM_PUSH)
    for _ in range(push):
        worst, wpen = as_int64(-1), float(pen)
        for j in range(S.rt[v, R_LEN]):
            x = S.nodes[v, j]
            px = penalty_of(ins, x) * (1.0 + 0.2 * np.random.random())
            if not ins.vis[x, K_LOCK] and px < wpen:
                worst, wpen = x, px
        if worst < 0:
            break
        nrem, nru = _remove(ins, S, worst, removed, nrem, ruined, nru)
    if nrem == 1:
        return 0, 0
    return nrem, nru


@njit(cache=True)
def ruin(ins: Any, N: Any, S: Any, op: int, q: int, removed: Any, ruined: Any) -> tuple[int, int]:
    """Apply ruin operator `op` removing about q visits; returns (removed, routes touched)."""
    nrem, nru = as_int64(0), as_int64(0)  # not literals (see dispatch/kernels.py on compile time)
    q = min(q, removed.shape[0])
    if op == RANDOM:
        for _ in range(q):
            k = _pick_planned(ins, S)
            if k < 0:
                break
            nrem, nru = _remove(ins, S, k, removed, nrem, ruined, nru)
    elif op == RELATED:
        seed = _pick_planned(ins, S)
        if seed >= 0:
            K = N.neigh.shape[1]
            cand = np.empty(K, dtype=np.int64)
            score = np.empty(K, dtype=np.float64)
            nc = as_int64(0)
            t0 = _start_of(ins, S, seed)
            rs = ins.row[seed]
            for j in range(K):
                k = N.neigh[seed, j]
                if k >= 0 and S.where[k] >= 0 and not ins.vis[k, K_LOCK]:
                    cand[nc] = k
                    tr = ins.tmat[0, rs, ins.row[k]] + ins.tmat[0, ins.row[k], rs]
                    score[nc] = tr + TIME_WEIGHT * abs(_start_of(ins, S, k) - t0)
                    nc += 1
            nrem, nru = _remove(ins, S, seed, removed, nrem, ruined, nru)
            nrem, nru = _remove_ordered(ins, S, cand[np.argsort(score[:nc])], q, removed, nrem, ruined, nru)
    elif op == STRING:
        seed = _pick_planned(ins, S)
        if seed >= 0:
            max_len = max(1, min(10, q // 2))
            for j in range(-1, N.neigh.shape[1]):
                k = seed if j < 0 else N.neigh[seed, j]
                if k < 0:
                    break
                v = S.where[k]
                if v < 0 or ins.vis[k, K_LOCK] or nrem >= q:
                    continue
                seen = False
                for r in range(nru):
                    seen = seen or ruined[r] == v
                if seen:
                    continue
                n = S.rt[v, R_LEN]
                length = min(n, 1 + np.random.randint(max_len))
                pos = 0
                while S.nodes[v, pos] != k:
                    pos += 1
                first = max(0, min(pos - np.random.randint(length), n - length))
                cut = S.nodes[v, first : first + length].copy()
                for x in cut:
                    if not ins.vis[x, K_LOCK] and nrem < removed.shape[0]:
                        nrem, nru = _remove(ins, S, x, removed, nrem, ruined, nru)
    elif op == ROUTE:
        seed = _pick_planned(ins, S)
        if seed >= 0:
            for j in range(-1, N.neigh.shape[1]):
                k = seed if j < 0 else N.neigh[seed, j]
                if k < 0:
                    break
                v = S.where[k]
                if v < 0 or ins.vis[k, K_LOCK]:
                    continue
                if nru > 0 and (ruined[0] == v or nrem >= q or np.random.random() < 0.5):
                    if nru > 0 and ruined[0] != v:
                        break
                    continue
                cut = S.nodes[v, : S.rt[v, R_LEN]].copy()
                for x in cut:
                    if not ins.vis[x, K_LOCK] and nrem < removed.shape[0]:
                        nrem, nru = _remove(ins, S, x, removed, nrem, ruined, nru)
                if nru > 1:
                    break
    elif op == ROOM:
        nrem, nru = _make_room(ins, N, S, removed, ruined)
    else:  # WORST
        m = S.rt.shape[0]
        total = 0
        for v in range(m):
            total += S.rt[v, R_LEN]
        cand = np.empty(total, dtype=np.int64)
        gain = np.empty(total, dtype=np.float64)
        nc = as_int64(0)
        for v in range(m):
            for j in range(S.rt[v, R_LEN]):
                k = S.nodes[v, j]
                if ins.vis[k, K_LOCK]:
                    continue
                tc, darc = kernels.remove_eval(ins, v, S.nodes[v], S.rt[v, R_LEN], S.fw[F_D0, v], S.fw[F_D1, v], S.fw[F_C0, v], S.fw[F_C1, v], j)
                if tc < 0:
                    continue
                ded = DEDICATED_PENALTY if ins.vis[k, K_DED] >= 0 and ins.vis[k, K_DED] != v else 0
                cand[nc] = k
                gain[nc] = -(S.rt[v, R_TC] - tc - darc + ded)  # ascending: largest saving first
                nc += 1
        nrem, nru = _remove_ordered(ins, S, cand[np.argsort(gain[:nc])], q, removed, nrem, ruined, nru)
    for r in range(nru):
        rebuild(ins, S, ruined[r])
    return nrem, nru


drop_stale_cache(__name__)  # see dispatch.warmup.KERNEL_SOURCES
