"""The LNS's solution: routes as fixed-width arrays with each route's schedule states kept current, so
inserting or removing a visit is evaluated by `dispatch.kernels` in O(1) (feasibility) or O(route length).

`Sol` holds `nodes[v, :len]` (concierge v's visits in order); `fw[F_D0|F_D1|F_C0|F_C1, v, j]` the departure
states after position j (break not taken / taken) and their time costs, j = 0 being the start place;
`bw[B_L0|B_L1, v, j]` the latest arrivals (see `kernels.latest_into`); `rt[v, R_*]` the route's length,
travel cost, time cost, dedicated misses, load and summed time-cost rates; `where[k]` visit k's concierge
(-1: unplanned). Few fields on purpose, like `dispatch.instance.Instance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from dispatch import kernels
from dispatch.costs import DEDICATED_PENALTY
from dispatch.instance import (
    INF,
    K_DED,
    K_LOAD,
    K_PEN,
    K_RATE,
    K_REQ,
    V_BD,
    V_CAP,
    V_END,
    V_MAX,
    V_PROF,
    V_SE,
    V_SS,
    V_START,
    Instance,
    route_capacity,
)
from dispatch.warmup import drop_stale_cache

I64 = npt.NDArray[np.int64]
#: Penalty of leaving a required (or fixed) visit out, inside the LNS: above any optional penalty.
REQUIRED_PENALTY = 1 << 50
F_D0, F_D1, F_C0, F_C1 = range(4)
B_L0, B_L1 = range(2)
R_LEN, R_ARC, R_TC, R_DED, R_LOAD, R_RSUM = range(6)


class Sol(NamedTuple):
    nodes: I64
    fw: I64
    bw: I64
    rt: I64
    where: I64


def empty_sol(inst: Instance) -> Sol:
    """Every concierge idle, every visit unplanned."""
    m, n = inst.n_concierges, inst.n_visits
    cap = route_capacity(inst)
    fw = np.zeros((4, m, cap + 1), dtype=np.int64)
    fw[F_D0:F_D1 + 1] = INF
    has_break = inst.veh[:, V_BD] > 0
    fw[F_D0, :, 0] = np.where(has_break, inst.veh[:, V_SS], INF)  # the states at the start place (kernels.start_state)
    fw[F_D1, :, 0] = np.where(has_break, INF, inst.veh[:, V_SS])
    bw = np.full((2, m, cap + 2), -INF, dtype=np.int64)
    bw[B_L1, :, 1] = inst.veh[:, V_SE]
    return Sol(np.full((m, cap), -1, dtype=np.int64), fw, bw, np.zeros((m, 6), dtype=np.int64), np.full(n, -1, dtype=np.int64))


def sol_from_routes(inst: Instance, routes: Sequence[Sequence[int]]) -> Sol:
    """A `Sol` holding valid routes (visit positions per concierge)."""
    sol = empty_sol(inst)
    for v, seq in enumerate(routes):
        if not seq:
            continue
        if len(seq) > sol.nodes.shape[1]:
            raise ValueError(f"route {v} holds more visits than any route can")
        sol.nodes[v, : len(seq)] = seq
        sol.rt[v, R_LEN] = len(seq)
        sol.where[np.asarray(seq, dtype=np.int64)] = v
        rebuild(inst, sol, v)
    return sol


def routes_of(sol: Sol) -> list[list[int]]:
    """Visit positions per concierge."""
    return [[int(k) for k in sol.nodes[v, : sol.rt[v, R_LEN]]] for v in range(sol.rt.shape[0])]


def clone(sol: Sol) -> Sol:
    """An independent copy."""
    return Sol(*(a.copy() for a in sol))


@njit(cache=True)
def _copy_flat(dst: Any, src: Any) -> None:
    for i in range(dst.shape[0]):
        dst[i] = src[i]


@njit(cache=True)
def copy_into(dst: Any, src: Any) -> None:
    """Overwrite `dst` with `src` (same shapes). Element loops, not `dst[...] = src`: broadcasting
    assignment compiles shape checks with formatted error messages (seconds of compile time)."""
    _copy_flat(dst.nodes.ravel(), src.nodes.ravel())
    _copy_flat(dst.fw.ravel(), src.fw.ravel())
    _copy_flat(dst.bw.ravel(), src.bw.ravel())
    _copy_flat(dst.rt.ravel(), src.rt.ravel())
    _copy_flat(dst.where.ravel(), src.where.ravel())


@njit(cache=True)
def rebuild(ins: Any, S: Any, v: int) -> bool:
    """Recompute route v's states and costs; False when its schedule does not work."""
    n = S.rt[v, R_LEN]
    seq = S.nodes[v]
    end, cost = kernels.schedule_into(ins, v, seq, n, S.fw[F_D0, v], S.fw[F_D1, v], S.fw[F_C0, v], S.fw[F_C1, v])
    kernels.latest_into(ins, v, seq, n, S.bw[B_L0, v], S.bw[B_L1, v])
    ded, load, rs = 0, 0, 0
    for j in range(n):
        k = seq[j]
        load += ins.vis[k, K_LOAD]
        rs += ins.vis[k, K_RATE]
        if ins.vis[k, K_DED] >= 0 and ins.vis[k, K_DED] != v:
            ded += DEDICATED_PENALTY
    S.rt[v, R_ARC] = kernels.arc_cost(ins, v, seq, n)
    S.rt[v, R_TC] = cost
    S.rt[v, R_DED] = ded
    S.rt[v, R_LOAD] = load
    S.rt[v, R_RSUM] = rs
    return end < INF


@njit(cache=True)
def objective(ins: Any, S: Any) -> int:
    """Travel + time costs + dedicated misses + unplanned penalties (required ones at REQUIRED_PENALTY)."""
    total = 0
    for v in range(S.rt.shape[0]):
        if S.rt[v, R_LEN] > 0:
            total += S.rt[v, R_ARC] + S.rt[v, R_TC] + S.rt[v, R_DED]
    for k in range(S.where.shape[0]):
        if S.where[k] < 0:
            total += REQUIRED_PENALTY if ins.vis[k, K_REQ] else ins.vis[k, K_PEN]
    return total


@njit(cache=True)
def insert_at(ins: Any, S: Any, k: int, v: int, p: int) -> None:
    """Put visit k before position p of route v."""
    n = S.rt[v, R_LEN]
    for j in range(n, p, -1):
        S.nodes[v, j] = S.nodes[v, j - 1]
    S.nodes[v, p] = k
    S.rt[v, R_LEN] = n + 1
    S.where[k] = v
    rebuild(ins, S, v)


@njit(cache=True)
def take_out(S: Any, k: int) -> int:
    """Remove visit k from its route without re-timing it (the caller rebuilds); returns the route."""
    v = S.where[k]
    n = S.rt[v, R_LEN]
    j = 0
    while S.nodes[v, j] != k:
        j += 1
    for r in range(j, n - 1):
        S.nodes[v, r] = S.nodes[v, r + 1]
    S.nodes[v, n - 1] = -1
    S.rt[v, R_LEN] = n - 1
    S.where[k] = -1
    return int(v)


@njit(cache=True)
def best_insertion(ins: Any, S: Any, k: int, v: int, noise: float) -> tuple[int, int]:
    """Cheapest feasible position of visit k in route v: (added cost, position), or (INF, -1). With
    `noise` > 0 each position's cost is perturbed by up to that fraction (diversification)."""
    if not ins.allowed[k, v]:
        return INF, -1
    n = S.rt[v, R_LEN]
    if n >= ins.veh[v, V_MAX] or n >= S.nodes.shape[1] or S.rt[v, R_LOAD] + ins.vis[k, K_LOAD] > ins.veh[v, V_CAP]:
        return INF, -1
    extra = DEDICATED_PENALTY if ins.vis[k, K_DED] >= 0 and ins.vis[k, K_DED] != v else 0
    best, where = INF, -1
    seq = S.nodes[v]
    D0, D1, C0, C1 = S.fw[F_D0, v], S.fw[F_D1, v], S.fw[F_C0, v], S.fw[F_C1, v]
    L0, L1 = S.bw[B_L0, v], S.bw[B_L1, v]
    timed = S.rt[v, R_RSUM] > 0 or ins.vis[k, K_RATE] > 0
    pr = ins.veh[v, V_PROF]
    for p in range(n + 1):
        if not kernels.insert_feasible(ins, v, seq, n, D0, D1, L0, L1, k, p):
            continue
        if timed:
            tc, darc = kernels.insert_eval(ins, v, seq, n, D0, D1, C0, C1, k, p)
            if tc < 0:
                continue
            delta = tc - S.rt[v, R_TC] + darc + extra
        else:
            a = ins.veh[v, V_START] if p == 0 else seq[p - 1]
            q = ins.veh[v, V_END] if p == n else seq[p]
            ra, rk, rq = ins.row[a], ins.row[k], ins.row[q]
            delta = ins.cmat[pr, ra, rk] + ins.cmat[pr, rk, rq] + extra
            if n > 0:
                delta -= ins.cmat[pr, ra, rq]
        if noise > 0.0:
            delta = int(delta * (1.0 + noise * (2.0 * np.random.random() - 1.0)))
        if delta < best:
            best, where = delta, p
    return best, where


drop_stale_cache(__name__)  # see dispatch.warmup.KERNEL_SOURCES
