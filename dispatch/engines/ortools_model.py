"""The OR-Tools routing model of a `DispatchProblem`.

Node numbering is `dispatch.nodes` (visits first, then the distinct depots); node <-> routing index
translation happens here and nowhere else. Time runs in seconds; the weights are `dispatch.costs`.

Built so that OR-Tools' local-search filters see every cost term (measured on a 1,000-visit day: hiding
one slows its search ~18x):
- the preferred dedicated concierge is a span cost on a unary "foreign dedicated visits" dimension with
  one small transit vector per dedicated concierge (not a soft same-vehicle constraint, which the
  filters cannot price, nor per-concierge travel matrices, which take seconds to close);
- emergency earliness and deadline lateness are soft upper bounds on a break-free copy of the time
  dimension (path time, no waiting), not on the dimension that carries the breaks, where every
  neighbour would pay for the break propagation; the evaluator prices the exact times afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp  # type: ignore[import-untyped]

from dispatch.costs import (
    DEDICATED_PENALTY,
    MOVE_CONCIERGE_PENALTY,
    MOVE_TIME_PER_SECOND,
    REQUIRED_PENALTY,
    SECONDS_PER_MINUTE,
    TRAVEL_COST,
    ArcCost,
    time_cost_terms,
    unplanned_penalty,
)
from dispatch.instance import allowed_matrix
from dispatch.nodes import Nodes, Travel, build_travel
from dispatch.problem import DispatchProblem, Urgency

#: Slack (waiting) allowed at a stop; the horizon caps it anyway.
MAX_WAIT_SECONDS = 7 * 24 * 3600
NO_LIMIT = 1 << 40

DIM_TIME = "time"
DIM_PATH = "path_time"
DIM_COUNT = "visits"
DIM_LOAD = "load"
DIM_DEDICATED = "dedicated"


@dataclass
class Model:
    """The routing model and everything needed to translate between it and the problem."""

    problem: DispatchProblem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    travel: Travel
    time: pywrapcp.RoutingDimension
    breaks: dict[int, pywrapcp.IntervalVar] = field(default_factory=dict)

    @property
    def n_visits(self) -> int:
        """Number of visits (= visit nodes)."""
        return len(self.problem.visits)

    def visit_index(self, k: int) -> int:
        """Routing index of visit k."""
        return int(self.manager.NodeToIndex(k))

    def visit_of(self, index: int) -> int | None:
        """Visit position of a routing index, or None for a start/end."""
        if self.routing.IsStart(index) or self.routing.IsEnd(index):
            return None
        node = int(self.manager.IndexToNode(index))
        return node if node < self.n_visits else None

    def routes_to_indices(self, routes: Sequence[Sequence[int]]) -> list[list[int]]:
        """Visit positions per concierge -> routing indices (for ReadAssignmentFromRoutes)."""
        return [[self.visit_index(k) for k in r] for r in routes]

    def routes_of(self, assignment: pywrapcp.Assignment) -> list[list[int]]:
        """Visit positions per concierge of a solution, in order."""
        routing = self.routing
        out = []
        for v in range(len(self.problem.concierges)):
            seq = []
            idx = assignment.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(idx):
                k = self.visit_of(idx)
                assert k is not None
                seq.append(k)
                idx = assignment.Value(routing.NextVar(idx))
            out.append(seq)
        return out


def _windows(problem: DispatchProblem, k: int, horizon: int) -> list[tuple[int, int]]:
    """Visit k's start windows in seconds clipped to [0, horizon] (a pin is a one-second window)."""
    v = problem.visits[k]
    if v.pinned is not None and v.pinned.start is not None:
        raw = [(v.pinned.start, v.pinned.start)]
    elif v.windows:
        raw = sorted((w.start, w.end) for w in v.windows)
    else:
        return [(0, horizon)]
    out = []
    for a, b in raw:
        a, b = max(0, a * SECONDS_PER_MINUTE), min(horizon, b * SECONDS_PER_MINUTE)
        if a <= b:
            out.append((a, b))
    return out


def build_model(
    problem: DispatchProblem,
    *,
    arc_cost: ArcCost = "seconds",
    relax_required: bool = False,
    previous: dict[str, tuple[int, int]] | None = None,
    travel: Travel | None = None,
    nodes: Nodes | None = None,
) -> Model:
    """Build the routing model (at least one concierge). `relax_required` turns required visits into very
    expensive optional ones; `previous` maps visit id -> (concierge position, start minute) of a committed
    plan, so moving it costs something (re-planning)."""
    nodes = nodes or Nodes.of(problem)
    travel = travel or build_travel(problem, nodes)
    n_nodes = travel.n_nodes
    n_vehicles = len(problem.concierges)
    manager = pywrapcp.RoutingIndexManager(n_nodes, n_vehicles, list(nodes.starts), list(nodes.ends))
    routing = pywrapcp.RoutingModel(manager)
    visits = problem.visits
    service = np.zeros(n_nodes, dtype=np.int64)
    service[: len(visits)] = [v.duration * SECONDS_PER_MINUTE for v in visits]

    # arc costs and time transits, one matrix per travel profile
    time_cb: dict[str, int] = {}
    for prof in travel.seconds:
        sec = travel.node_seconds(prof)
        cost = sec if arc_cost == "seconds" else travel.node_meters(prof)
        cost_cb = routing.RegisterTransitMatrix((cost * TRAVEL_COST).tolist())
        for v in range(n_vehicles):
            if travel.vehicle_profile[v] == prof:
                routing.SetArcCostEvaluatorOfVehicle(cost_cb, v)
        time_cb[prof] = routing.RegisterTransitMatrix((sec + service[:, None]).tolist())
        del sec, cost

    horizon_min = max([c.shift_end for c in problem.concierges] + [w.end for v in visits for w in v.windows] + [0])
    horizon = (horizon_min + 24 * 60) * SECONDS_PER_MINUTE
    per_vehicle = [time_cb[travel.vehicle_profile[v]] for v in range(n_vehicles)]
    routing.AddDimensionWithVehicleTransits(per_vehicle, min(MAX_WAIT_SECONDS, horizon), horizon, False, DIM_TIME)
    time = routing.GetDimensionOrDie(DIM_TIME)
    model = Model(problem, manager, routing, travel, time)
    day_start = min(c.shift_start for c in problem.concierges)

    for v, c in enumerate(problem.concierges):
        for idx in (routing.Start(v), routing.End(v)):
            time.CumulVar(idx).SetRange(c.shift_start * SECONDS_PER_MINUTE, c.shift_end * SECONDS_PER_MINUTE)

    # breaks: an interval per concierge that may not overlap any service
    if any(c.break_ is not None for c in problem.concierges):
        node_visit_transits = [int(service[manager.IndexToNode(i)]) for i in range(routing.Size())]
        solver = routing.solver()
        for v, c in enumerate(problem.concierges):
            if c.break_ is None:
                continue
            b = c.break_
            iv = solver.FixedDurationIntervalVar(
                b.earliest * SECONDS_PER_MINUTE, b.latest * SECONDS_PER_MINUTE, b.minutes * SECONDS_PER_MINUTE, False, f"break {c.id}"
            )
            time.SetBreakIntervalsOfVehicle([iv], v, node_visit_transits)
            model.breaks[v] = iv

    # time costs on a break-free copy of the time dimension (see the module docstring)
    terms = [time_cost_terms(v, day_start) for v in visits]
    if any(rate for rate, _ in terms):
        routing.AddDimensionWithVehicleTransits(per_vehicle, 0, horizon, False, DIM_PATH)
        path = routing.GetDimensionOrDie(DIM_PATH)
        for v, c in enumerate(problem.concierges):
            path.CumulVar(routing.Start(v)).SetRange(c.shift_start * SECONDS_PER_MINUTE, c.shift_end * SECONDS_PER_MINUTE)
        for k, (rate, since) in enumerate(terms):
            if rate:
                path.SetCumulVarSoftUpperBound(manager.NodeToIndex(k), since, rate)

    allowed = allowed_matrix(problem)
    for k, visit in enumerate(visits):
        idx = manager.NodeToIndex(k)
        cumul = time.CumulVar(idx)
        ws = _windows(problem, k, horizon)
        if not allowed[k].any() or not ws:
            routing.VehicleVar(idx).SetValues([-1])  # nobody may serve it, or its windows are all outside the day
        else:
            cumul.SetRange(ws[0][0], max(hi for _, hi in ws))
            reach = ws[0][1]
            for lo, hi in ws[1:]:
                if lo > reach + 1:
                    cumul.RemoveInterval(reach + 1, lo - 1)
                reach = max(reach, hi)
            if not allowed[k].all():
                routing.VehicleVar(idx).SetValues([-1, *np.flatnonzero(allowed[k]).tolist()])
        routing.AddVariableMinimizedByFinalizer(cumul)
        if visit.required or visit.fixed:
            # a required visit nobody can serve is still optional: the plan is then infeasible, naming it
            if relax_required or not allowed[k].any() or not ws:
                routing.AddDisjunction([idx], REQUIRED_PENALTY)
        else:
            routing.AddDisjunction([idx], unplanned_penalty(visit, day_start))

    # finalizer order: visits as early as possible, then days end early and start as late as that allows
    for v in range(n_vehicles):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))

    if any(c.max_visits is not None for c in problem.concierges):
        count = np.zeros(n_nodes, dtype=np.int64)
        count[: len(visits)] = 1
        cb = routing.RegisterUnaryTransitVector(count.tolist())
        caps = [c.max_visits if c.max_visits is not None else len(visits) for c in problem.concierges]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, DIM_COUNT)
    if any(v.load for v in visits) and any(c.capacity is not None for c in problem.concierges):
        load = np.zeros(n_nodes, dtype=np.int64)
        load[: len(visits)] = [v.load for v in visits]
        cb = routing.RegisterUnaryTransitVector(load.tolist())
        caps = [c.capacity if c.capacity is not None else NO_LIMIT for c in problem.concierges]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, DIM_LOAD)
    _dedicated(model, previous)
    return model


def _dedicated(model: Model, previous: dict[str, tuple[int, int]] | None) -> None:
    """Serving a visit with someone other than its preferred dedicated (or, re-planning, its previous)
    concierge: a unary count per concierge of such visits, priced by a span cost the filters see."""
    problem, routing, manager = model.problem, model.routing, model.manager
    ids = {c.id: v for v, c in enumerate(problem.concierges)}
    owner: dict[int, tuple[int, int]] = {}  # visit -> (concierge it prefers, penalty)
    for k, visit in enumerate(problem.visits):
        if visit.fixed:
            continue
        if previous is not None and visit.id in previous:
            owner[k] = (previous[visit.id][0], MOVE_CONCIERGE_PENALTY)
        elif visit.dedicated is not None and not visit.dedicated_required and visit.dedicated in ids:
            owner[k] = (ids[visit.dedicated], DEDICATED_PENALTY)
    if not owner:
        return
    n_nodes = model.travel.n_nodes
    unit = max(1, min(p for _, p in owner.values()))
    vectors: dict[int, int] = {}

    def vector(v: int) -> int:
        key = v if any(o == v for o, _ in owner.values()) else -1
        if key not in vectors:
            vec = np.zeros(n_nodes, dtype=np.int64)
            for k, (o, p) in owner.items():
                if o != key:
                    vec[k] = p // unit
            vectors[key] = routing.RegisterUnaryTransitVector(vec.tolist())
        return vectors[key]

    cbs = [vector(v) for v in range(len(problem.concierges))]
    routing.AddDimensionWithVehicleTransits(cbs, 0, NO_LIMIT, True, DIM_DEDICATED)
    dim = routing.GetDimensionOrDie(DIM_DEDICATED)
    dim.SetSpanCostCoefficientForAllVehicles(unit)
    if previous is not None:
        for k in owner:
            vid = problem.visits[k].id
            if vid in previous and problem.visits[k].urgency is not Urgency.EMERGENCY and problem.visits[k].due is None:
                model.time.SetCumulVarSoftUpperBound(manager.NodeToIndex(k), previous[vid][1] * SECONDS_PER_MINUTE, MOVE_TIME_PER_SECOND)
