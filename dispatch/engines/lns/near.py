"""Neighbour lists: for each visit its nearest visits and the concierges starting nearest to it (the
candidates the LNS tries), built in row blocks so a 5,000-visit day needs no n x n temporary."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from dispatch.instance import V_END, V_START, Instance

I64 = npt.NDArray[np.int64]
#: Nearest visits and nearest concierges kept per visit (the LNS tries the first LNS_CONCIERGES of them,
#: the construction all: on an empty day every concierge is a candidate, not just the eight nearest).
NEAR_VISITS = 30
NEAR_CONCIERGES = 48
BLOCK = 512


class Near(NamedTuple):
    neigh: I64  # [visit, NEAR_VISITS] nearest other visits (round trip seconds), -1 padded
    vnear: I64  # [visit, NEAR_CONCIERGES] allowed concierges nearest to it (start -> visit -> end), -1 padded


def build_near(inst: Instance, near_visits: int = NEAR_VISITS, near_concierges: int = NEAR_CONCIERGES) -> Near:
    """Neighbour lists of `inst` (travel of the first profile)."""
    n, m = inst.n_visits, inst.n_concierges
    t = inst.tmat[0]
    rows = inst.row[:n]
    kv = min(near_visits, max(0, n - 1))
    neigh = np.full((n, max(1, kv)), -1, dtype=np.int64)
    if kv > 0:
        for b in range(0, n, BLOCK):
            r = rows[b : b + BLOCK]
            d = t[np.ix_(r, rows)] + t[np.ix_(rows, r)].T
            d[np.arange(len(r)), np.arange(b, b + len(r))] = np.iinfo(np.int64).max
            part = np.argpartition(d, kv - 1, axis=1)[:, :kv] if kv < n else np.argsort(d, axis=1)[:, :kv]
            order = np.take_along_axis(d, part, axis=1).argsort(axis=1, kind="stable")
            neigh[b : b + len(r)] = np.take_along_axis(part, order, axis=1)
    kc = min(near_concierges, m)
    vnear = np.full((n, max(1, kc)), -1, dtype=np.int64)
    if kc > 0 and n > 0:
        starts, ends = inst.row[inst.veh[:, V_START]], inst.row[inst.veh[:, V_END]]
        for b in range(0, n, BLOCK):
            r = rows[b : b + BLOCK]
            d = (t[np.ix_(starts, r)] + t[np.ix_(r, ends)].T).T.astype(np.float64)
            d[~inst.allowed[b : b + len(r)]] = np.inf
            order = np.argsort(d, axis=1, kind="stable")[:, :kc]
            ok = np.take_along_axis(d, order, axis=1) < np.inf
            vnear[b : b + len(r)] = np.where(ok, order, -1)
    return Near(neigh, vnear)
