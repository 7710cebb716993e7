"""Recreate: insert pending visits back into routes, most urgent tier first, by regret or by value.

Pending visits are the ones a ruin removed (tried on every route near them) and unplanned visits near the
ruined routes (tried only there: elsewhere nothing changed since they last failed to fit). Each pending
visit keeps its best insertion per candidate route; after an insertion only that route's entries are
recomputed. The next visit to insert is, within the first non-empty tier (required, fixed and emergencies;
then the rest), the one with the largest score:

- regret-k: the sum of the differences between its k-1 next-best routes and its best (a missing route
  counts as leaving it out), so visits with few good options go first;
- value: unplanned penalty per second it takes (service + added cost), so on an over-full day the
  visits that serve most per minute go first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from dispatch.engines.lns.state import REQUIRED_PENALTY, best_insertion, insert_at
from dispatch.instance import K_PEN, K_REQ, K_SVC, K_URG
from dispatch.warmup import drop_stale_cache

#: Recreate flavours (indices of the operator weights).
REGRET2, REGRET3, VALUE, GREEDY = 0, 1, 2, 3
N_RECREATE = 4


@njit(cache=True)
def penalty_of(ins: Any, k: int) -> int:
    """What leaving visit k out costs inside the LNS."""
    return REQUIRED_PENALTY if ins.vis[k, K_REQ] else ins.vis[k, K_PEN]


@njit(cache=True)
def tier_of(ins: Any, k: int) -> int:
    """0 for required, fixed and emergency visits (urgency rank by penalty), else 1."""
    return 0 if ins.vis[k, K_REQ] or ins.vis[k, K_URG] else 1


@njit(cache=True)
def _candidates(ins: Any, N: Any, S: Any, k: int, full: bool, ruined: Any, nruined: int, nvc: int, out: Any, mark: Any) -> int:
    """Routes worth trying for visit k into out[]: the ruined ones, and (full) those of its nearest
    visits and the `nvc` concierges starting nearest to it. `mark` is all False on entry and exit."""
    nc = 0
    cap = out.shape[0]
    for r in range(nruined):
        v = ruined[r]
        if not mark[v] and ins.allowed[k, v] and nc < cap:
            mark[v] = True
            out[nc] = v
            nc += 1
    if full:
        for j in range(N.neigh.shape[1]):
            if N.neigh[k, j] < 0:
                break
            v = S.where[N.neigh[k, j]]
            if v >= 0 and not mark[v] and ins.allowed[k, v] and nc < cap:
                mark[v] = True
                out[nc] = v
                nc += 1
        for j in range(min(nvc, N.vnear.shape[1])):
            v = N.vnear[k, j]
            if v >= 0 and not mark[v] and nc < cap:
                mark[v] = True
                out[nc] = v
                nc += 1
    for r in range(nc):
        mark[out[r]] = False
    return nc


@njit(cache=True)
def _score(ins: Any, k: int, costs: Any, nc: int, flavour: int) -> tuple[float, int]:
    """(score, best column) of a pending visit; column -1 when it fits nowhere."""
    pen = penalty_of(ins, k)
    kreg = 3 if flavour == REGRET3 else 2
    top = np.full(3, pen, dtype=np.int64)  # the kreg smallest costs, a missing one = leaving it out
    col = -1
    for c in range(nc):
        x = costs[c]
        if x >= top[kreg - 1]:
            continue
        if x < top[0]:
            col = c
        j = kreg - 1
        while j > 0 and top[j - 1] > x:
            top[j] = top[j - 1]
            j -= 1
        top[j] = x
    if col < 0:
        return -1.0, -1
    best = top[0]
    if flavour == VALUE:
        return pen / (ins.vis[k, K_SVC] + max(best, 0) + 60.0), col
    if flavour == GREEDY:
        return float(pen - best), col
    regret = 0.0
    for j in range(1, kreg):
        regret += top[j] - best
    return regret, col


@njit(cache=True)
def recreate(
    ins: Any, N: Any, S: Any, pend: Any, full: Any, npend: int, ruined: Any, nruined: int, flavour: int, noise: float, nvc: int, work: Any
) -> int:
    """Insert the pending visits `pend[:npend]` (see the module docstring), trying the `nvc` concierges
    nearest to each besides the routes of its neighbours; returns how many went in.
    `work` holds scratch arrays (cands, costs, poss, mark) sized for `npend`."""
    cands, costs, poss, mark = work
    ncand = np.zeros(npend, dtype=np.int64)
    alive = np.ones(npend, dtype=np.bool_)
    for i in range(npend):
        k = pend[i]
        nc = _candidates(ins, N, S, k, full[i], ruined, nruined, nvc, cands[i], mark)
        ncand[i] = nc
        for c in range(nc):
            costs[i, c], poss[i, c] = best_insertion(ins, S, k, cands[i, c], noise)
    inserted = 0
    while True:
        pick, pick_col, pick_score, pick_tier = -1, -1, -1.0, 2
        for i in range(npend):
            if not alive[i]:
                continue
            sc, col = _score(ins, pend[i], costs[i], ncand[i], flavour)
            if col < 0:
                continue
            t = tier_of(ins, pend[i])
            if t < pick_tier or (t == pick_tier and sc > pick_score):
                pick, pick_col, pick_score, pick_tier = i, col, sc, t
        if pick < 0:
            break
        k = pend[pick]
        v = cands[pick, pick_col]
        insert_at(ins, S, k, v, poss[pick, pick_col])
        alive[pick] = False
        inserted += 1
        for i in range(npend):
            if not alive[i]:
                continue
            for c in range(ncand[i]):
                if cands[i, c] == v:
                    costs[i, c], poss[i, c] = best_insertion(ins, S, pend[i], v, noise)
                    break
    return inserted


def recreate_work(npend: int, cmax: int, m: int) -> tuple[Any, Any, Any, Any]:
    """Scratch arrays for `recreate` (pending visits x candidate routes)."""
    return (
        np.zeros((npend, cmax), dtype=np.int64),
        np.zeros((npend, cmax), dtype=np.int64),
        np.zeros((npend, cmax), dtype=np.int64),
        np.zeros(m, dtype=np.bool_),
    )


drop_stale_cache(__name__)  # see dispatch.warmup.KERNEL_SOURCES
