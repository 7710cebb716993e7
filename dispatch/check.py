"""An independent feasibility checker: replays a `Plan` against its `DispatchProblem`.

It does not use the routing model: it recomputes travel from the problem (matrix or `dispatch.travel`),
then walks every route in time. Used by the tests on every plan they get and by the benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable

from dispatch.plan import Plan, PlanStatus, Route
from dispatch.problem import Concierge, DispatchProblem, Location

SECONDS_PER_MINUTE = 60

Leg = Callable[[Concierge, Location, Location], tuple[int, int]]


def problem_legs(problem: DispatchProblem) -> Leg:
    """Travel (seconds, metres) between two locations for a concierge, straight from the problem."""
    if problem.matrix is not None:
        sec, met = problem.matrix.seconds, problem.matrix.meters

        def matrix_leg(c: Concierge, a: Location, b: Location) -> tuple[int, int]:
            assert a.index is not None and b.index is not None
            return int(sec[a.index, b.index]), int(met[a.index, b.index])

        return matrix_leg
    from dispatch.travel import distance_m, load_profiles, travel_seconds

    profiles = load_profiles()

    def geo_leg(c: Concierge, a: Location, b: Location) -> tuple[int, int]:
        prof = profiles[c.profile or problem.profile or ""]
        if a == b:
            return 0, 0
        m = distance_m(a.point, b.point)
        return travel_seconds(m, prof), m

    return geo_leg


def _check_route(problem: DispatchProblem, r: Route, leg: Leg, errors: list[str]) -> None:
    by_id = {v.id: v for v in problem.visits}
    c = problem.concierges[problem.concierge_index(r.concierge)]
    where = f"route {c.id}"
    if not r.stops:
        return
    if r.start < c.shift_start * SECONDS_PER_MINUTE:
        errors.append(f"{where}: leaves at {r.start}s before the shift starts")
    if r.end > c.shift_end * SECONDS_PER_MINUTE:
        errors.append(f"{where}: back at {r.end}s after the shift ends")
    if c.max_visits is not None and len(r.stops) > c.max_visits:
        errors.append(f"{where}: {len(r.stops)} visits > max_visits {c.max_visits}")
    if c.capacity is not None:
        load = sum(by_id[s.visit].load for s in r.stops)
        if load > c.capacity:
            errors.append(f"{where}: load {load} > capacity {c.capacity}")
    brk = (r.break_start, r.break_end) if r.break_start is not None and r.break_end is not None else None
    if c.break_ is not None:
        if brk is None:
            errors.append(f"{where}: no break")
        else:
            b = c.break_
            if not (b.earliest * SECONDS_PER_MINUTE <= brk[0] <= b.latest * SECONDS_PER_MINUTE):
                errors.append(f"{where}: break starts at {brk[0]}s outside {b.earliest}..{b.latest} min")
            if brk[1] - brk[0] != b.minutes * SECONDS_PER_MINUTE:
                errors.append(f"{where}: break lasts {brk[1] - brk[0]}s, not {b.minutes} min")
    # walk the route: (time free, place) -> each stop
    t, here = r.start, c.start
    for s in r.stops:
        v = by_id.get(s.visit)
        if v is None:
            errors.append(f"{where}: unknown visit {s.visit!r}")
            continue
        sec, met = leg(c, here, v.location)
        if (sec, met) != (s.travel_seconds, s.travel_meters):
            errors.append(f"{where}: leg to {v.id} is {sec}s/{met}m, plan says {s.travel_seconds}s/{s.travel_meters}m")
        need = sec
        if brk is not None and t <= brk[0] and brk[1] <= s.start:
            need += brk[1] - brk[0]
        if brk is not None and brk[0] < s.end and s.start < brk[1]:
            errors.append(f"{where}: break overlaps visit {v.id}")
        if t + need > s.start:
            errors.append(f"{where}: cannot start {v.id} at {s.start}s (free at {t}s, needs {need}s)")
        if s.arrival > s.start:
            errors.append(f"{where}: {v.id} arrives after it starts")
        if s.end - s.start != v.duration * SECONDS_PER_MINUTE:
            errors.append(f"{where}: {v.id} lasts {s.end - s.start}s, not {v.duration} min")
        if v.windows and not any(w.start * SECONDS_PER_MINUTE <= s.start <= w.end * SECONDS_PER_MINUTE for w in v.windows):
            errors.append(f"{where}: {v.id} starts at {s.start}s outside its windows")
        if s.start < c.shift_start * SECONDS_PER_MINUTE or s.start > c.shift_end * SECONDS_PER_MINUTE:
            errors.append(f"{where}: {v.id} starts outside the shift")
        if not v.skills <= c.skills:
            errors.append(f"{where}: {c.id} lacks skills {sorted(v.skills - c.skills)} for {v.id}")
        if v.dedicated_required and v.dedicated != c.id:
            errors.append(f"{where}: {v.id} requires concierge {v.dedicated}")
        if v.pinned is not None:
            if v.pinned.concierge is not None and v.pinned.concierge != c.id:
                errors.append(f"{where}: {v.id} is pinned to {v.pinned.concierge}")
            if v.pinned.start is not None and v.pinned.start * SECONDS_PER_MINUTE != s.start:
                errors.append(f"{where}: {v.id} is pinned to start at {v.pinned.start} min")
        t, here = s.end, v.location
    sec, met = leg(c, here, c.end_location)
    if (sec, met) != (r.return_seconds, r.return_meters):
        errors.append(f"{where}: way home is {sec}s/{met}m, plan says {r.return_seconds}s/{r.return_meters}m")
    need = sec + (brk[1] - brk[0] if brk is not None and t <= brk[0] and brk[1] <= r.end else 0)
    if t + need > r.end:
        errors.append(f"{where}: cannot be back by {r.end}s")
    if brk is not None:
        # before leaving or after coming back (within the shift) also counts
        home = [(c.shift_start * SECONDS_PER_MINUTE, r.start), (r.end, c.shift_end * SECONDS_PER_MINUTE)]
        gaps = home + [(r.start, r.stops[0].start)] + [(a.end, b.start) for a, b in zip(r.stops, r.stops[1:], strict=False)] + [(t, r.end)]
        if not any(g0 <= brk[0] and brk[1] <= g1 for g0, g1 in gaps):
            errors.append(f"{where}: break {brk[0]}..{brk[1]}s does not fit between visits")


def check_plan(problem: DispatchProblem, plan: Plan, leg: Leg | None = None) -> list[str]:
    """Every violated constraint as a sentence; empty means the plan is feasible."""
    leg = leg or problem_legs(problem)
    errors: list[str] = []
    names = [r.concierge for r in plan.routes]
    if sorted(names) != sorted(c.id for c in problem.concierges):
        errors.append(f"routes are for {sorted(names)}, not the problem's concierges")
    seen: dict[str, int] = {}
    for r in plan.routes:
        for s in r.stops:
            seen[s.visit] = seen.get(s.visit, 0) + 1
    for u in plan.unplanned:
        seen[u.visit] = seen.get(u.visit, 0) + 1
    for v in problem.visits:
        if seen.get(v.id, 0) != 1:
            errors.append(f"visit {v.id} appears {seen.get(v.id, 0)} times in routes and unplanned")
        elif (v.required or v.fixed) and any(u.visit == v.id for u in plan.unplanned) and plan.status is not PlanStatus.INFEASIBLE:
            errors.append(f"required visit {v.id} is unplanned but the status is {plan.status.value}")
    for r in plan.routes:
        if r.concierge in {c.id for c in problem.concierges}:
            _check_route(problem, r, leg, errors)
    return errors
