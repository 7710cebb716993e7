"""Build the OR-Tools routing model of a `DispatchProblem`.

Node <-> index translation happens here and nowhere else: node k < len(visits) is visit k, the nodes after
them are the distinct start/end places of the concierges. Time runs in seconds inside the model (minutes
outside); every weight of the objective is a named constant below, in cost units where one unit is one
second (or metre, with `arc_cost="meters"`) of travel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp  # type: ignore[import-untyped]

from dispatch.errors import DispatchError
from dispatch.problem import DispatchProblem, Location, Urgency, Visit

SECONDS_PER_MINUTE = 60
#: Cost per second (or metre) of travel: the unit everything else is measured in.
TRAVEL_COST = 1
#: Leaving a visit unplanned, by urgency (before age and priority scaling). Above any lateness a visit can incur.
UNPLANNED_PENALTY: dict[Urgency, int] = {
    Urgency.EMERGENCY: 10_000_000_000,
    Urgency.HIGH: 400_000_000,
    Urgency.NORMAL: 100_000_000,
    Urgency.LOW: 40_000_000,
}
#: A `required` visit that cannot be served (only in the relaxed re-solve that names it).
REQUIRED_PENALTY = 1_000_000_000_000
#: Extra unplanned penalty per day of age (since `requested`), as a fraction of the base penalty.
AGE_PENALTY_PER_DAY = 0.5
#: Extra unplanned penalty per contract priority step, as a fraction of the base penalty.
PRIORITY_PENALTY_STEP = 0.25
#: Cost per second an emergency starts after the earliest shift start (serves emergencies early).
EMERGENCY_EARLY_PER_SECOND = 200
#: Cost per second of lateness against the deadline / 24 h aim, by urgency.
LATENESS_PER_SECOND: dict[Urgency, int] = {
    Urgency.EMERGENCY: 200,
    Urgency.HIGH: 50,
    Urgency.NORMAL: 10,
    Urgency.LOW: 2,
}
#: Serving a visit with someone other than its (preferred) dedicated concierge: 30 minutes of travel.
DEDICATED_PENALTY = 1800
#: Re-planning: moving a committed visit to another concierge, and per second of shift of its start.
MOVE_CONCIERGE_PENALTY = 3600
MOVE_TIME_PER_SECOND = 1
#: Slack (waiting) allowed at a stop; the horizon caps it anyway.
MAX_WAIT_SECONDS = 7 * 24 * 3600
NO_LIMIT = 1 << 40

DIM_TIME = "time"
DIM_COUNT = "visits"
DIM_LOAD = "load"

ArcCost = Literal["seconds", "meters"]


def unplanned_penalty(visit: Visit, day_start: int) -> int:
    """Cost of leaving `visit` unplanned: urgency base, scaled up by age in days and contract priority."""
    base = UNPLANNED_PENALTY[visit.urgency]
    age_days = 0.0 if visit.requested is None else max(0.0, (day_start - visit.requested) / 1440.0)
    return int(base * (1.0 + AGE_PENALTY_PER_DAY * age_days + PRIORITY_PENALTY_STEP * visit.priority))


@dataclass(frozen=True)
class Travel:
    """Travel between model nodes for every profile: seconds and metres, indexed [profile][node, node]."""

    seconds: dict[str, npt.NDArray[np.int64]]
    meters: dict[str, npt.NDArray[np.int64]]
    vehicle_profile: tuple[str, ...]


def _node_places(problem: DispatchProblem) -> tuple[list[Location], list[int], list[int]]:
    """Places of all nodes (visits first, then distinct depots) and each concierge's start/end node."""
    places = [v.location for v in problem.visits]
    depot_of: dict[Location, int] = {}
    starts: list[int] = []
    ends: list[int] = []
    for c in problem.concierges:
        for loc, out in ((c.start, starts), (c.end_location, ends)):
            if loc not in depot_of:
                depot_of[loc] = len(places)
                places.append(loc)
            out.append(depot_of[loc])
    return places, starts, ends


def build_travel(problem: DispatchProblem, places: Sequence[Location]) -> Travel:
    """Node-to-node travel for each profile the concierges use (or the explicit matrix, profile "")."""
    if problem.matrix is not None:
        rows = np.array([loc.index for loc in places], dtype=np.int64)
        sec = problem.matrix.seconds[np.ix_(rows, rows)].astype(np.int64)
        met = problem.matrix.meters[np.ix_(rows, rows)].astype(np.int64)
        return Travel({"": sec}, {"": met}, tuple("" for _ in problem.concierges))
    from dispatch.travel import build_matrix, load_profiles

    profiles = load_profiles()
    names = tuple(c.profile or problem.profile or "" for c in problem.concierges)
    points = [loc.point for loc in places]
    seconds: dict[str, npt.NDArray[np.int64]] = {}
    meters: dict[str, npt.NDArray[np.int64]] = {}
    for k, name in enumerate(names):
        if name in seconds:
            continue
        if name not in profiles:
            where = f"concierges[{k}].profile" if problem.concierges[k].profile else "travel.profile"
            raise DispatchError(f"{where}: unknown travel profile {name!r} (known: {', '.join(sorted(profiles))})")
        m = build_matrix(points, profiles[name])
        seconds[name] = np.asarray(m.seconds, dtype=np.int64)
        meters[name] = np.asarray(m.meters, dtype=np.int64)
    return Travel(seconds, meters, names)


@dataclass
class Model:
    """The routing model and everything needed to translate between it and the problem."""

    problem: DispatchProblem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    travel: Travel
    starts: list[int]
    ends: list[int]
    time: pywrapcp.RoutingDimension
    breaks: dict[int, pywrapcp.IntervalVar] = field(default_factory=dict)
    day_start: int = 0

    # --- translation -------------------------------------------------------------------------------
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

    def node_of(self, index: int) -> int:
        """Node (row of the travel arrays) of a routing index."""
        return int(self.manager.IndexToNode(index))

    def start_index(self, v: int) -> int:
        """Routing index where concierge v starts."""
        return int(self.routing.Start(v))

    def end_index(self, v: int) -> int:
        """Routing index where concierge v ends."""
        return int(self.routing.End(v))

    def leg(self, v: int, from_index: int, to_index: int) -> tuple[int, int]:
        """Travel (seconds, metres) of concierge v between two routing indices."""
        prof = self.travel.vehicle_profile[v]
        a, b = self.node_of(from_index), self.node_of(to_index)
        return int(self.travel.seconds[prof][a, b]), int(self.travel.meters[prof][a, b])

    def routes_to_indices(self, routes: Sequence[Sequence[int]]) -> list[list[int]]:
        """Visit positions per concierge -> routing indices (for ReadAssignmentFromRoutes / hints)."""
        return [[self.visit_index(k) for k in r] for r in routes]


def _allowed_vehicles(problem: DispatchProblem, visit: Visit) -> list[int] | None:
    """Concierges allowed to serve `visit` (skills, required dedication, pins), or None for everyone."""
    allowed = []
    for v, c in enumerate(problem.concierges):
        if not visit.skills <= c.skills:
            continue
        if visit.dedicated_required and c.id != visit.dedicated:
            continue
        if visit.pinned is not None and visit.pinned.concierge is not None and c.id != visit.pinned.concierge:
            continue
        allowed.append(v)
    return None if len(allowed) == len(problem.concierges) else allowed


def build_model(
    problem: DispatchProblem,
    *,
    arc_cost: ArcCost = "seconds",
    relax_required: bool = False,
    previous: dict[str, tuple[int, int]] | None = None,
    travel: Travel | None = None,
) -> Model:
    """Build the routing model. `relax_required` turns required visits into very expensive optional ones
    (to name the ones that cannot be served); `previous` maps visit id -> (concierge position, start minute)
    of a committed plan, so moving it costs something (re-planning)."""
    places, starts, ends = _node_places(problem)
    travel = travel if travel is not None else build_travel(problem, places)
    n_nodes = len(places)
    n_vehicles = len(problem.concierges)
    manager = pywrapcp.RoutingIndexManager(n_nodes, n_vehicles, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    visits = problem.visits
    service = np.zeros(n_nodes, dtype=np.int64)
    service[: len(visits)] = [v.duration * SECONDS_PER_MINUTE for v in visits]

    # arc costs and time transits, one callback per travel profile
    time_cb: dict[str, int] = {}
    for prof, sec in travel.seconds.items():
        cost = sec if arc_cost == "seconds" else travel.meters[prof]
        cost_cb = routing.RegisterTransitMatrix((cost * TRAVEL_COST).tolist())
        for v in range(n_vehicles):
            if travel.vehicle_profile[v] == prof:
                routing.SetArcCostEvaluatorOfVehicle(cost_cb, v)
        time_cb[prof] = routing.RegisterTransitMatrix((sec + service[:, None]).tolist())

    horizon_min = max([c.shift_end for c in problem.concierges] + [w.end for v in visits for w in v.windows] + [0])
    horizon = (horizon_min + 24 * 60) * SECONDS_PER_MINUTE
    routing.AddDimensionWithVehicleTransits(
        [time_cb[travel.vehicle_profile[v]] for v in range(n_vehicles)], min(MAX_WAIT_SECONDS, horizon), horizon, False, DIM_TIME
    )
    time = routing.GetDimensionOrDie(DIM_TIME)
    day_start = min((c.shift_start for c in problem.concierges), default=0)
    model = Model(problem, manager, routing, travel, starts, ends, time, day_start=day_start)

    for v, c in enumerate(problem.concierges):
        time.CumulVar(routing.Start(v)).SetRange(c.shift_start * SECONDS_PER_MINUTE, c.shift_end * SECONDS_PER_MINUTE)
        time.CumulVar(routing.End(v)).SetRange(c.shift_start * SECONDS_PER_MINUTE, c.shift_end * SECONDS_PER_MINUTE)

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

    # per-visit constraints and costs
    for k, visit in enumerate(visits):
        idx = manager.NodeToIndex(k)
        cumul = time.CumulVar(idx)
        if visit.windows:
            ws = sorted(visit.windows, key=lambda w: w.start)
            cumul.SetRange(ws[0].start * SECONDS_PER_MINUTE, max(w.end for w in ws) * SECONDS_PER_MINUTE)
            reach = ws[0].end
            for w in ws[1:]:
                if w.start > reach + 1:
                    cumul.RemoveInterval((reach + 1) * SECONDS_PER_MINUTE, w.start * SECONDS_PER_MINUTE - 1)
                reach = max(reach, w.end)
        if visit.pinned is not None and visit.pinned.start is not None:
            t = visit.pinned.start * SECONDS_PER_MINUTE
            if not (cumul.Min() <= t <= cumul.Max()):
                raise DispatchError(f"visits[{k}].pinned.start: outside the visit's windows")
            cumul.SetRange(t, t)
        allowed = _allowed_vehicles(problem, visit)
        if allowed is not None:
            routing.VehicleVar(idx).SetValues([-1, *allowed])
        if visit.urgency is Urgency.EMERGENCY:
            time.SetCumulVarSoftUpperBound(idx, day_start * SECONDS_PER_MINUTE, EMERGENCY_EARLY_PER_SECOND)
        elif visit.due is not None:
            time.SetCumulVarSoftUpperBound(idx, max(0, visit.due) * SECONDS_PER_MINUTE, LATENESS_PER_SECOND[visit.urgency])
        routing.AddVariableMinimizedByFinalizer(cumul)
        if visit.fixed:
            continue
        if visit.required:
            if relax_required:
                routing.AddDisjunction([idx], REQUIRED_PENALTY)
        else:
            routing.AddDisjunction([idx], unplanned_penalty(visit, day_start))

    # finalizer order: visits as early as possible, then days end early and start as late as that allows
    for v in range(n_vehicles):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))

    # visit counts
    if any(c.max_visits is not None for c in problem.concierges):
        count = np.zeros(n_nodes, dtype=np.int64)
        count[: len(visits)] = 1
        cb = routing.RegisterUnaryTransitVector(count.tolist())
        caps = [c.max_visits if c.max_visits is not None else len(visits) for c in problem.concierges]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, DIM_COUNT)
    # equipment load
    if any(v.load for v in visits) and any(c.capacity is not None for c in problem.concierges):
        load = np.zeros(n_nodes, dtype=np.int64)
        load[: len(visits)] = [v.load for v in visits]
        cb = routing.RegisterUnaryTransitVector(load.tolist())
        caps = [c.capacity if c.capacity is not None else NO_LIMIT for c in problem.concierges]
        routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, DIM_LOAD)
    # preferred dedicated concierge (and, when re-planning, the previous concierge): a soft "same vehicle"
    # constraint between the visit and that concierge's start, which costs its penalty when they differ
    # (cheap: per-concierge transit vectors made closing the model take seconds on large days)
    ids = {c.id: v for v, c in enumerate(problem.concierges)}
    for k, visit in enumerate(visits):
        if visit.fixed:
            continue
        idx = manager.NodeToIndex(k)
        if visit.dedicated is not None and not visit.dedicated_required:
            routing.AddSoftSameVehicleConstraint([routing.Start(ids[visit.dedicated]), idx], DEDICATED_PENALTY)
        if previous is not None and visit.id in previous:
            pv, pstart = previous[visit.id]
            routing.AddSoftSameVehicleConstraint([routing.Start(pv), idx], MOVE_CONCIERGE_PENALTY)
            if visit.urgency is not Urgency.EMERGENCY and visit.due is None:
                time.SetCumulVarSoftUpperBound(idx, pstart * SECONDS_PER_MINUTE, MOVE_TIME_PER_SECOND)
    return model
