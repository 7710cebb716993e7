"""The plain OR-Tools baseline: what a competent engineer sets up in an afternoon, nothing from the engine.

Same `concierge-dispatch/1` JSON in (read with the app's documented parser), same travel seconds and metres
as the app (`dispatch.travel` for coordinates, else the problem's matrix), a `concierge-plan/1` JSON out
that the independent checker (dispatch/check.py) replays. Model: one vehicle per concierge from home to
home; time dimension in seconds (travel + service) with start-of-service windows and shifts; one lunch
break per concierge (OR-Tools break intervals); skills, required dedicated concierges and pins as allowed
vehicles (the vehicle variable's domain); max visits as a count dimension; loads against capacity; optional visits as disjunctions with
drop penalties by urgency (scaled by contract priority). Arc cost: travel seconds (or metres). Search:
PARALLEL_CHEAPEST_INSERTION + GUIDED_LOCAL_SEARCH, one thread. The time limit covers everything after
start-up: reading, travel matrix, model and search. Not modelled: the preferred (soft) dedicated
concierge, deadlines (`--deadlines` adds them as soft upper bounds), emergency earliness, request age.

    .venv/bin/python bench/baseline_ortools.py DAY.json --time-limit 30 [--out PLAN.json] [--arc-cost meters]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.jsonio import dump_plan, load_problem
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, Unplanned
from dispatch.problem import DispatchProblem, Visit
from dispatch.travel import build_matrix, load_profiles

DROP_PENALTY = {"emergency": 1_000_000, "high": 100_000, "normal": 30_000, "low": 10_000}
LATE_PER_SECOND = {"emergency": 20, "high": 5, "normal": 1, "low": 1}  # only with --deadlines


def travel(problem: DispatchProblem, visit_of: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(seconds, metres) between nodes: visit nodes, then each concierge's start, then each one's end."""
    places = [problem.visits[j].location for j in visit_of] + [c.start for c in problem.concierges] + [c.end_location for c in problem.concierges]
    if problem.matrix is not None:
        ix = np.array([p.index for p in places])
        return problem.matrix.seconds[np.ix_(ix, ix)], problem.matrix.meters[np.ix_(ix, ix)]
    m = build_matrix([p.point for p in places], load_profiles()[problem.profile or "tokyo_rail"])
    return m.seconds, m.meters


def windows(v: Visit) -> list[tuple[int, int] | None]:
    """The visit's start windows in seconds, overlapping ones merged; [None]: any time in the shift."""
    out: list[tuple[int, int]] = []
    for w in sorted(v.windows, key=lambda w: w.start):
        if out and w.start <= out[-1][1] // 60:
            out[-1] = (out[-1][0], max(out[-1][1], w.end * 60))
        else:
            out.append((w.start * 60, w.end * 60))
    return [*out] or [None]


def solve(problem: DispatchProblem, limit: float, arc_cost: str = "seconds", deadlines: bool = False) -> Plan:
    t0 = time.monotonic()
    m = len(problem.concierges)
    # a visit with several windows becomes one node per window, at most one of them served (a disjunction):
    # OR-Tools' own idiom; removing the gaps from one node's domain made the first solution ~10x slower here
    nodes = [(j, w) for j, v in enumerate(problem.visits) for w in windows(v)]
    visit_of = [j for j, _ in nodes]
    nodes_of: list[list[int]] = [[] for _ in problem.visits]
    for node, j in enumerate(visit_of):
        nodes_of[j].append(node)
    n = len(nodes)
    sec, met = travel(problem, visit_of)
    service = np.array([problem.visits[j].duration * 60 for j in visit_of] + [0] * 2 * m, dtype=np.int64)
    manager = pywrapcp.RoutingIndexManager(n + 2 * m, m, list(range(n, n + m)), list(range(n + m, n + 2 * m)))
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitMatrix((met if arc_cost == "meters" else sec).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    # time: a Python callback, as in OR-Tools' examples (a RegisterTransitMatrix time dimension with breaks
    # made every insertion check ~20x slower in 9.15: the filter copies the captured matrix)
    busy = sec + service[:, None]
    node_of = [manager.IndexToNode(i) for i in range(routing.Size() + m)]
    routing.AddDimension(routing.RegisterTransitCallback(lambda a, b: busy.item(node_of[a], node_of[b])), 24 * 3600, 48 * 3600, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    count = routing.RegisterUnaryTransitVector([1] * n + [0] * 2 * m)
    routing.AddDimensionWithVehicleCapacity(count, 0, [c.max_visits if c.max_visits is not None else n for c in problem.concierges], True, "visits")
    if any(c.capacity is not None for c in problem.concierges):
        load = routing.RegisterUnaryTransitVector([problem.visits[j].load for j in visit_of] + [0] * 2 * m)
        caps = [c.capacity if c.capacity is not None else 1 << 40 for c in problem.concierges]
        routing.AddDimensionWithVehicleCapacity(load, 0, caps, True, "load")
    visit_transits = [int(service[node_of[i]]) for i in range(routing.Size())]
    for k, c in enumerate(problem.concierges):
        tdim.CumulVar(routing.Start(k)).SetRange(c.shift_start * 60, c.shift_end * 60)
        tdim.CumulVar(routing.End(k)).SetRange(c.shift_start * 60, c.shift_end * 60)
        if c.break_ is not None:
            b = c.break_
            brk = routing.solver().FixedDurationIntervalVar(b.earliest * 60, b.latest * 60, b.minutes * 60, False, f"break {k}")
            tdim.SetBreakIntervalsOfVehicle([brk], k, visit_transits)
    for j, v in enumerate(problem.visits):
        indices = [manager.NodeToIndex(node) for node in nodes_of[j]]
        allowed = [
            k
            for k, c in enumerate(problem.concierges)
            if v.skills <= c.skills
            and not (v.dedicated_required and c.id != v.dedicated)
            and not (v.pinned is not None and v.pinned.concierge not in (None, c.id))
        ]
        for index in indices:
            window = nodes[node_of[index]][1]
            cumul = tdim.CumulVar(index)
            if window is not None:
                cumul.SetRange(*window)
            if v.pinned is not None and v.pinned.start is not None:
                cumul.SetValue(v.pinned.start * 60)
            if len(allowed) < m:  # SetAllowedVehiclesForIndex's Span argument does not bind from Python in 9.15
                routing.VehicleVar(index).SetValues([-1, *allowed])
            if deadlines and v.due is not None:
                tdim.SetCumulVarSoftUpperBound(index, max(0, v.due * 60), LATE_PER_SECOND[v.urgency.value])
        if v.required or v.fixed:
            routing.AddDisjunction(indices)  # no penalty: exactly one node served
        else:
            routing.AddDisjunction(indices, int(DROP_PENALTY[v.urgency.value] * (1 + 0.25 * v.priority)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1000, int((limit - (time.monotonic() - t0)) * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        empty = tuple(Route(c.id, (), c.shift_start * 60, c.shift_start * 60, 0, 0) for c in problem.concierges)
        lost = tuple(Unplanned(v.id, Reason(ReasonCode.NOT_SEARCHED)) for v in problem.visits)
        return Plan(PlanStatus.INFEASIBLE, empty, lost, {}, time.monotonic() - t0)
    breaks = {}
    intervals = solution.IntervalVarContainer()
    for i in range(intervals.Size()):
        e = intervals.Element(i)
        if e.PerformedValue():
            breaks[int(e.Var().Name().split()[1])] = (e.StartValue(), e.StartValue() + e.DurationValue())
    routes, served = [], set()
    for k, c in enumerate(problem.concierges):
        index, prev, stops = routing.Start(k), n + k, []
        depart = solution.Min(tdim.CumulVar(index))
        free = depart
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = node_of[index]
            start = solution.Min(tdim.CumulVar(index))
            leg_s, leg_m = int(sec[prev, node]), int(met[prev, node])
            stops.append(Stop(problem.visits[visit_of[node]].id, min(start, free + leg_s), start, start + int(service[node]), leg_s, leg_m))
            served.add(visit_of[node])
            free, prev, index = start + int(service[node]), node, solution.Value(routing.NextVar(index))
        back = solution.Min(tdim.CumulVar(index))
        end_node = n + m + k
        brk = breaks.get(k) if stops else None
        routes.append(
            Route(c.id, tuple(stops), depart, back, int(sec[prev, end_node]), int(met[prev, end_node]), *(brk or (None, None)))
        )
    lost = tuple(Unplanned(v.id, Reason(ReasonCode.NOT_SEARCHED)) for j, v in enumerate(problem.visits) if j not in served)
    travel_s = sum(r.travel_seconds for r in routes)
    status = PlanStatus.INFEASIBLE if any(v.required for j, v in enumerate(problem.visits) if j not in served) else PlanStatus.FEASIBLE
    cost = {"travel": travel_s, "total": solution.ObjectiveValue()}
    return Plan(status, tuple(routes), lost, cost, time.monotonic() - t0, solution.ObjectiveValue())


def main() -> None:
    t0 = time.monotonic()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("problem", type=Path)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--arc-cost", choices=("seconds", "meters"), default="seconds")
    ap.add_argument("--deadlines", action="store_true", help="soft upper bounds at deadlines / the 24 h aim")
    ap.add_argument("--out", type=Path, help="write the concierge-plan/1 JSON here (default: stdout)")
    args = ap.parse_args()
    problem = load_problem(args.problem)
    plan = solve(problem, args.time_limit - (time.monotonic() - t0), args.arc_cost, args.deadlines)
    doc = json.dumps(dump_plan(plan, problem), ensure_ascii=False)
    if args.out is not None:
        args.out.write_text(doc + "\n", encoding="utf-8")
    else:
        print(doc)


if __name__ == "__main__":
    main()
