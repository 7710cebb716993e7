"""A problem as flat arrays: what the evaluator's compiled kernels (`dispatch.kernels`) read.

Everything is int64 seconds, nodes and cost units; INF marks "no limit" or "impossible". Built once per
solve (in the parent, before the portfolio forks) and shared by the evaluator, the construction and the LNS.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dispatch.costs import SECONDS_PER_MINUTE, TRAVEL_COST, ArcCost, time_cost_terms, unplanned_penalty
from dispatch.nodes import Nodes, Travel, build_travel
from dispatch.problem import DispatchProblem, Urgency

INF = 1 << 60
I64 = npt.NDArray[np.int64]


# Columns of `Instance.veh` (per concierge) and `Instance.vis` (per visit).
V_PROF, V_START, V_END, V_SS, V_SE, V_BE, V_BL, V_BD, V_MAX, V_CAP = range(10)
K_SVC, K_NWIN, K_LOAD, K_PEN, K_RATE, K_FROM, K_DED, K_REQ, K_URG, K_LOCK = range(10)


class Instance(NamedTuple):
    """Travel per profile (`tmat` seconds, `cmat` arc cost, both [profile, row, row]; `row[node]`), one row
    per concierge in `veh` (columns V_*: profile, start and end node, shift start/end, break earliest/
    latest start and minutes in seconds (0: no break), max visits, capacity) and per visit in `vis`
    (columns K_*: service seconds, number of windows, load, unplanned penalty, time cost per second and the
    second it counts from, preferred dedicated concierge or -1, required, emergency, done/in progress);
    windows bound the start of service, sorted (`ws`/`we`, a pinned start is a one-second window);
    `allowed[visit, concierge]`. Few fields on purpose: numba types each field of every kernel's
    arguments, and compile time grows with them."""

    tmat: npt.NDArray[np.integer]
    cmat: npt.NDArray[np.integer]
    row: I64
    veh: I64
    vis: I64
    ws: I64
    we: I64
    allowed: npt.NDArray[np.bool_]

    @property
    def n_visits(self) -> int:
        return int(self.vis.shape[0])

    @property
    def n_concierges(self) -> int:
        return int(self.veh.shape[0])


def _stack(mats: list[npt.NDArray[np.integer]]) -> npt.NDArray[np.integer]:
    """[profile, row, row] int64; a view (no copy) for the usual single int64 matrix."""
    if len(mats) == 1 and mats[0].dtype == np.int64 and mats[0].flags.c_contiguous:
        return mats[0][np.newaxis]
    return np.stack([np.ascontiguousarray(m, dtype=np.int64) for m in mats])


def allowed_matrix(problem: DispatchProblem) -> npt.NDArray[np.bool_]:
    """[visit, concierge]: may this concierge serve this visit (skills, required dedication, pins)."""
    n, m = len(problem.visits), len(problem.concierges)
    allowed = np.ones((n, m), dtype=np.bool_)
    ids = {c.id: v for v, c in enumerate(problem.concierges)}
    skill_sets = [c.skills for c in problem.concierges]
    for k, visit in enumerate(problem.visits):
        if visit.skills:
            allowed[k] = [visit.skills <= s for s in skill_sets]
        only = None
        if visit.dedicated_required and visit.dedicated is not None:
            only = visit.dedicated
        if visit.pinned is not None and visit.pinned.concierge is not None:
            only = visit.pinned.concierge if only in (None, visit.pinned.concierge) else "\x00"
        if only is not None:
            keep = np.zeros(m, dtype=np.bool_)
            if only in ids:
                keep[ids[only]] = True
            allowed[k] &= keep
    return allowed


def build_instance(problem: DispatchProblem, travel: Travel | None = None, arc_cost: ArcCost = "seconds", nodes: Nodes | None = None) -> Instance:
    """The arrays of `problem` (travel built unless given)."""
    nodes = nodes or Nodes.of(problem)
    travel = travel or build_travel(problem, nodes)
    profiles = sorted(set(travel.vehicle_profile)) or [""]
    tmat: npt.NDArray[np.integer]
    cmat: npt.NDArray[np.integer]
    if not travel.seconds:
        tmat = cmat = np.zeros((1, 1, 1), dtype=np.int64)
    else:
        tmat = _stack([travel.seconds[p] for p in profiles])
        source = travel.seconds if arc_cost == "seconds" else travel.meters
        cmat = _stack([source[p] for p in profiles])
        if TRAVEL_COST != 1:
            cmat = cmat * TRAVEL_COST
    cs, vs = problem.concierges, problem.visits
    m = len(cs)
    day_start = min((c.shift_start for c in cs), default=0)

    wins: list[list[tuple[int, int]]] = []
    for v in vs:
        if v.pinned is not None and v.pinned.start is not None:
            wins.append([(v.pinned.start * SECONDS_PER_MINUTE, v.pinned.start * SECONDS_PER_MINUTE)])
        elif v.windows:
            wins.append(sorted((w.start * SECONDS_PER_MINUTE, w.end * SECONDS_PER_MINUTE) for w in v.windows))
        else:
            wins.append([(-INF, INF)])
    width = max((len(w) for w in wins), default=1)
    ws = np.full((len(vs), width), INF, dtype=np.int64)
    we = np.full((len(vs), width), -INF, dtype=np.int64)
    for k, w in enumerate(wins):
        ws[k, : len(w)] = [a for a, _ in w]
        we[k, : len(w)] = [b for _, b in w]
    terms = [time_cost_terms(v, day_start) for v in vs]
    ids = {c.id: j for j, c in enumerate(cs)}
    ded = [ids[v.dedicated] if v.dedicated is not None and not v.dedicated_required and v.dedicated in ids and not v.fixed else -1 for v in vs]
    veh = np.zeros((m, 10), dtype=np.int64)
    for j, c in enumerate(cs):
        b = c.break_
        veh[j] = (
            profiles.index(travel.vehicle_profile[j]),
            nodes.starts[j],
            nodes.ends[j],
            c.shift_start * SECONDS_PER_MINUTE,
            c.shift_end * SECONDS_PER_MINUTE,
            b.earliest * SECONDS_PER_MINUTE if b else 0,
            b.latest * SECONDS_PER_MINUTE if b else 0,
            b.minutes * SECONDS_PER_MINUTE if b else 0,
            c.max_visits if c.max_visits is not None else INF,
            c.capacity if c.capacity is not None else INF,
        )
    vis = np.zeros((len(vs), 10), dtype=np.int64)
    for k, v in enumerate(vs):
        vis[k] = (
            v.duration * SECONDS_PER_MINUTE,
            len(wins[k]),
            v.load,
            unplanned_penalty(v, day_start),
            terms[k][0],
            terms[k][1],
            ded[k],
            v.required or v.fixed,
            v.urgency is Urgency.EMERGENCY,
            v.fixed,
        )
    return Instance(
        tmat=tmat,
        cmat=cmat,
        row=np.ascontiguousarray(travel.rows, dtype=np.int64),
        veh=veh,
        vis=vis,
        ws=ws,
        we=we,
        allowed=allowed_matrix(problem) if m else np.zeros((len(vs), 0), dtype=np.bool_),
    )


def route_capacity(inst: Instance) -> int:
    """The most visits any route can hold (max visits, or what the shift allows at the shortest service),
    at least 1: the width of the LNS's route arrays."""
    n = inst.n_visits
    if n == 0:
        return 1
    svc = inst.vis[:, K_SVC]
    best = 1
    for v in range(inst.n_concierges):
        cap = min(n, int(inst.veh[v, V_MAX]))
        if (svc > 0).all():
            cap = min(cap, int((inst.veh[v, V_SE] - inst.veh[v, V_SS]) // int(svc.min())) + 1)
        best = max(best, cap)
    return best
