"""Slot offers at intake: the best few places for one new visit in a committed (or proposed) day.

Insertion only, no search. The plan's routes stay as they are; the new visit is tried at every position of
every able concierge's route (feasibility in O(1) from the route's schedule states, `dispatch.kernels`),
the cheapest positions of each route are timed exactly by the evaluator, and the best `count` distinct
slots (another concierge, or the same one at least DISTINCT_MINUTES apart) come back, each with what it
costs: extra travel, the planned visits that start later (or move to another concierge, or drop out), the
dedicated concierge or not, the deadline met or not. An emergency (or a pinned, hence required, visit)
that fits nowhere on a concierge may push up to `construct.EJECT_MAX` less urgent visits out of that
route; they go to another concierge where they fit, else they drop.

Times follow re-planning (`replan.freeze` at `now`): visits done, in progress or travelled to stay, and
planned visits never start earlier than planned. An offer starts on a whole minute, its routes are
re-checked by the independent checker, and choosing it means pinning the visit there
(`Pin(concierge, minute)`): `place` computes that one slot again on the plan as it is then.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from dispatch import kernels
from dispatch.check import Leg, _check_route
from dispatch.construct import _insert_ejecting, insert
from dispatch.costs import DEDICATED_PENALTY, MOVE_CONCIERGE_PENALTY, MOVE_TIME_PER_SECOND, unplanned_penalty
from dispatch.engines.lns.state import B_L0, B_L1, F_C0, F_C1, F_D0, F_D1, R_LOAD, R_TC, sol_from_routes
from dispatch.evaluate import Evaluator
from dispatch.explain import _displacement, cheap_reason
from dispatch.instance import INF, K_DED, K_LOAD, K_NWIN, V_CAP, V_MAX
from dispatch.params import StopFn
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Unplanned
from dispatch.problem import Concierge, DispatchProblem, Location, Pin, Urgency, Visit, VisitStatus
from dispatch.replan import Move, Replan, _assemble, _route, _routes_in_order, _verbatim, freeze

#: Two offers of the same concierge start at least this far apart (else only the cheaper is offered).
DISTINCT_MINUTES = 60
#: Positions per route timed exactly (the cheapest by the O(1) estimate).
POSITIONS_PER_ROUTE = 3
#: Routes tried with pushing visits out (an emergency that fits nowhere plainly), nearest concierges first.
EJECT_ROUTES = 6


@dataclass(frozen=True)
class Dropped:
    """A planned visit an urgent one pushes out of the plan (it fits nowhere else)."""

    visit: str
    concierge: str
    """Whose route it leaves."""
    urgency: Urgency
    start: int
    """Its planned start (seconds)."""


@dataclass(frozen=True)
class Offer:
    """One slot: the visit served by `concierge` from `start` to `end` (seconds from midnight, `start` a whole
    minute), and what it costs. `moves` are planned visits that start later (at least
    `replan.MOVE_THRESHOLD_SECONDS`) or go to another concierge; `dropped` leave the plan. `dedicated` is None
    when the client has no dedicated concierge working that day. `deadline_margin` is seconds from the start
    to the deadline (negative: that late; None: no deadline). `cost` ranks offers in the objective's units
    (`dispatch.costs`) plus the disruption (`MOVE_*`). `replan` holds the whole day with the visit placed."""

    concierge: str
    start: int
    end: int
    extra_travel_seconds: int
    extra_travel_meters: int
    moves: tuple[Move, ...]
    dropped: tuple[Dropped, ...]
    dedicated: bool | None
    deadline_margin: int | None
    cost: int
    replan: Replan

    @property
    def deadline_met(self) -> bool | None:
        """True when it starts by the deadline, None without one."""
        return None if self.deadline_margin is None else self.deadline_margin >= 0

    @property
    def route(self) -> Route:
        """The concierge's whole route with the visit in it."""
        return self.replan.plan.route_of(self.concierge)


@dataclass(frozen=True)
class Offers:
    """The best slots for `visit`, cheapest first; `reason` says why there is none (or none plain) when empty."""

    visit: str
    offers: tuple[Offer, ...]
    reason: Reason | None
    seconds: float


def _empty_plan() -> Plan:
    return Plan(PlanStatus.FEASIBLE, (), (), {"total": 0}, 0.0)


def _day_problem(problem: DispatchProblem, base: Plan, visit: Visit) -> DispatchProblem:
    """Only what offering needs: the visits of the plan (and fixed ones) and the new visit."""
    routed = {s.visit for r in base.routes for s in r.stops}
    keep = [v for v in problem.visits if v.id != visit.id and (v.id in routed or v.fixed)]
    return dataclasses.replace(problem, visits=(*keep, visit))


def _only(ev: Evaluator, k: int, v: int, start: int | None = None) -> Evaluator:
    """A copy of `ev` where visit k may only be served by concierge v (and only start at second `start`)."""
    inst = ev.inst
    allowed = inst.allowed.copy()
    allowed[k] = False
    allowed[k, v] = True
    out = copy.copy(ev)
    out.inst = inst._replace(allowed=allowed)
    if start is not None:
        ws, we, vis = inst.ws.copy(), inst.we.copy(), inst.vis.copy()
        ws[k], we[k] = INF, -INF
        ws[k, 0] = we[k, 0] = start
        vis[k, K_NWIN] = 1
        out.inst = out.inst._replace(ws=ws, we=we, vis=vis)
    return out


def _barred(ev: Evaluator, visits: Sequence[int], v: int) -> Evaluator:
    """A copy of `ev` where `visits` may not go back to concierge v (pushed out of v's route)."""
    allowed = ev.inst.allowed.copy()
    allowed[list(visits), v] = False
    out = copy.copy(ev)
    out.inst = ev.inst._replace(allowed=allowed)
    return out


def _legs(ev: Evaluator) -> Leg:
    """The checker's travel from the evaluator's own matrix (the same integers as `dispatch.travel` gives a
    leg, without computing each geodesic again): the checker still walks every route on its own."""
    node: dict[Location, int] = {}
    for j, place in enumerate(ev.nodes.places):
        node.setdefault(place, j)
    who = {c.id: v for v, c in enumerate(ev.problem.concierges)}

    def leg(c: Concierge, a: Location, b: Location) -> tuple[int, int]:
        return ev.travel.leg(who[c.id], node[a], node[b])

    return leg


class _Day:
    """The plan's open part at `now` on the evaluator, and the exact timing of one candidate slot."""

    def __init__(self, problem: DispatchProblem, base: Plan, visit: Visit, now: int) -> None:
        self.problem = problem
        self.base = base
        self.sub, self.fixed = freeze(_day_problem(problem, base, visit), base, now)
        sub = self.sub
        self.pos = {v.id: k for k, v in enumerate(sub.visits)}
        self.k = self.pos.get(visit.id, -1)
        self.old = {vid: where for vid, where in base.assignment().items() if vid != visit.id}
        ev = Evaluator(sub)
        routes = [[self.pos[s.visit] for s in r.stops if s.visit in self.pos and s.visit != visit.id] for r in _routes_in_order(base, sub)]
        self.out: list[int] = []
        for v, seq in enumerate(routes):  # a route that no longer works (the concierge runs late): least important out
            while seq and not ev.valid(v, seq):
                worst = min(range(len(seq)), key=lambda j: (unplanned_penalty(sub.visits[seq[j]], ev.day_start), -j))
                self.out.append(seq.pop(worst))
        planned = {k: self.old[sub.visits[k].id][1] for seq in routes for k in seq}
        late = ev.not_before(planned)
        fits = {k for v, seq in enumerate(routes) if late.valid(v, seq) for k in seq}
        self.ev = ev.not_before({k: s for k, s in planned.items() if k in fits})
        self.routes = routes
        self._keep: dict[int, Route | None] = {}
        self.legs = _legs(self.ev)
        self.before = self.ev.plan(routes, PlanStatus.FEASIBLE, 0.0, keep=self.keep_for(routes))

    def keep_for(self, routes: Sequence[Sequence[int]]) -> dict[int, Route]:
        """Routes whose visits did not change, kept exactly as planned where they still check out."""
        out: dict[int, Route] = {}
        for v, c in enumerate(self.sub.concierges):
            if list(routes[v]) != self.routes[v]:
                continue
            if v not in self._keep:
                self._keep[v] = _verbatim(self.sub, v, _route(self.base, c.id), self.routes[v], self.legs)
            kept = self._keep[v]
            if kept is not None:
                out[v] = kept
        return out

    # --- candidates ------------------------------------------------------------------------------
    def estimates(self) -> list[tuple[int, int, int]]:
        """(estimated added cost, concierge, position) of every feasible plain insertion of the new visit."""
        k, inst = self.k, self.ev.inst
        sol = sol_from_routes(inst, self.routes)
        out: list[tuple[int, int, int]] = []
        for v in range(inst.n_concierges):
            n = len(self.routes[v])
            if not inst.allowed[k, v] or n >= inst.veh[v, V_MAX] or sol.rt[v, R_LOAD] + inst.vis[k, K_LOAD] > inst.veh[v, V_CAP]:
                continue
            seq = sol.nodes[v]
            d0, d1, c0, c1 = sol.fw[F_D0, v], sol.fw[F_D1, v], sol.fw[F_C0, v], sol.fw[F_C1, v]
            l0, l1 = sol.bw[B_L0, v], sol.bw[B_L1, v]
            extra = DEDICATED_PENALTY if inst.vis[k, K_DED] >= 0 and inst.vis[k, K_DED] != v else 0
            for p in range(n + 1):
                if not kernels.insert_feasible(inst, v, seq, n, d0, d1, l0, l1, k, p):
                    continue
                tc, darc = kernels.insert_eval(inst, v, seq, n, d0, d1, c0, c1, k, p)
                if tc >= 0:
                    out.append((int(tc - sol.rt[v, R_TC] + darc + extra), v, p))
        return out

    def ejections(self, able: Sequence[int]) -> list[tuple[int, list[int], list[int]]]:
        """(concierge, route with the visit, visits pushed out) for the nearest `able` concierges."""
        k, ev = self.k, self.ev
        near = sorted(able, key=lambda v: ev.travel.leg(v, ev.nodes.starts[v], k)[0])[:EJECT_ROUTES]
        out = []
        for v in near:
            cur = [list(r) for r in self.routes]
            pushed = _insert_ejecting(_only(ev, k, v), cur, k, ev.day_start)
            if pushed is not None:
                out.append((v, cur[v], pushed))
        return out

    # --- one slot, exactly -----------------------------------------------------------------------
    def timed(self, v: int, seq: list[int], pushed: Sequence[int] = ()) -> Offer | None:
        """The offer of route `seq` (holding the new visit) for concierge v, or None when it does not work
        once its start is a whole minute."""
        k, sub = self.k, self.sub
        sch = self.ev.schedule(v, seq)
        if sch is None:
            return None
        minute = math.ceil(sch.starts[seq.index(k)] / 60)
        ev = _only(self.ev, k, v, minute * 60)
        if not ev.valid(v, seq):
            return None
        routes = [list(r) for r in self.routes]
        routes[v] = seq
        left: list[int] = []
        if pushed:
            routes, left = insert(_barred(ev, pushed, v), routes, list(pushed), disruption=True)
        visit = sub.visits[k]
        pin = dataclasses.replace(sub.visits[k], pinned=Pin(sub.concierges[v].id, minute), required=True)
        pinned_sub = dataclasses.replace(sub, visits=(*sub.visits[:k], pin, *sub.visits[k + 1 :]))
        subplan = ev.plan(routes, PlanStatus.FEASIBLE, 0.0, keep=self.keep_for(routes))
        errors: list[str] = []
        changed = [u for u in range(len(routes)) if routes[u] != self.routes[u]]
        for u in changed:
            _check_route(pinned_sub, subplan.routes[u], self.legs, errors)
        if errors:  # the evaluator and the checker disagree: never offer such a slot
            return None
        result = _assemble(self.base, pinned_sub, self.fixed, subplan, self.old)
        moves = tuple(m for m in result.moves if m.to_concierge is not None)
        dropped = tuple(
            Dropped(m.visit, m.from_concierge, self.problem.visit(m.visit).urgency, m.old_start) for m in result.moves if m.to_concierge is None
        )
        cost = sum(ev.route_cost(u, routes[u]) - (ev.route_cost(u, self.routes[u]) if self.routes[u] else 0) for u in changed)
        cost += sum(unplanned_penalty(sub.visits[j], ev.day_start) for j in left)
        cost += sum(MOVE_TIME_PER_SECOND * max(0, (m.new_start or 0) - m.old_start) for m in moves)
        cost += sum(MOVE_CONCIERGE_PENALTY for m in moves if m.to_concierge != m.from_concierge)
        after, before = subplan.routes, self.before.routes
        start = minute * 60
        return Offer(
            concierge=sub.concierges[v].id,
            start=start,
            end=start + visit.duration * 60,
            extra_travel_seconds=sum(after[u].travel_seconds - before[u].travel_seconds for u in changed),
            extra_travel_meters=sum(after[u].travel_meters - before[u].travel_meters for u in changed),
            moves=moves,
            dropped=dropped,
            dedicated=None if visit.dedicated is None else visit.dedicated == sub.concierges[v].id,
            deadline_margin=None if visit.deadline is None else visit.deadline * 60 - start,
            cost=int(cost),
            replan=self._whole(result),
        )

    def _whole(self, result: Replan) -> Replan:
        """`result` with every visit of the full problem accounted for: those left out of offering keep the
        base plan's reason (else "not searched")."""
        plan = result.plan
        placed = set(plan.assignment()) | {u.visit for u in plan.unplanned}
        reasons = {u.visit: u.reason for u in self.base.unplanned}
        extra = tuple(
            Unplanned(v.id, reasons.get(v.id, Reason(ReasonCode.NOT_SEARCHED))) for v in self.problem.visits if v.id not in placed and not v.fixed
        )
        unplanned = tuple(dataclasses.replace(u, reason=reasons.get(u.visit, u.reason)) for u in plan.unplanned) + extra
        return dataclasses.replace(result, plan=dataclasses.replace(plan, unplanned=unplanned))


def _distinct(offers: list[Offer], count: int) -> tuple[Offer, ...]:
    """The cheapest offers, at most one per concierge within DISTINCT_MINUTES."""
    chosen: list[Offer] = []
    for o in sorted(offers, key=lambda o: (o.cost, o.start, o.concierge)):
        if any(c.concierge == o.concierge and abs(c.start - o.start) < DISTINCT_MINUTES * 60 for c in chosen):
            continue
        chosen.append(o)
        if len(chosen) == count:
            break
    return tuple(chosen)


def _no_offer_reason(day: _Day) -> Reason:
    """Why nothing fits: a cause that needs no search, else who is full and what would have to move."""
    sub, ev, k = day.sub, day.ev, day.k
    reason = cheap_reason(sub, sub.visits[k], ev)
    if reason is not None:
        return reason
    able = [v for v in range(len(sub.concierges)) if ev.inst.allowed[k, v]]
    return _displacement(ev, [list(r) for r in day.routes], k, able)


def offer_slots(
    problem: DispatchProblem,
    base: Plan | None,
    visit: Visit,
    now: int,
    *,
    count: int = 3,
    should_stop: StopFn | None = None,
) -> Offers:
    """The best `count` slots for `visit` in the day of `problem` planned as `base` (None: nothing planned),
    at minute `now` (see the module docstring). `visit` may be new or replace a visit of the problem."""
    t0 = time.monotonic()
    if count < 1:
        raise ValueError("count must be at least 1")
    if visit.status is not VisitStatus.OPEN:
        raise ValueError(f"{visit.id} is {visit.status.value}: only open visits are offered slots")
    day = _Day(problem, base or _empty_plan(), visit, now)
    if not day.sub.concierges:
        nobody = Reason(ReasonCode.NO_CONCIERGE, {"concierge": None, "problem": "none"})
        return Offers(visit.id, (), nobody, time.monotonic() - t0)
    estimates = sorted(day.estimates())
    tried: dict[int, int] = {}
    found: list[Offer] = []
    for _, v, p in estimates:
        if should_stop is not None and should_stop():
            break
        if tried.get(v, 0) >= POSITIONS_PER_ROUTE:
            continue
        tried[v] = tried.get(v, 0) + 1
        seq = day.routes[v][:p] + [day.k] + day.routes[v][p:]
        offer = day.timed(v, seq)
        if offer is not None:
            found.append(offer)
    urgent = visit.required or visit.urgency is Urgency.EMERGENCY
    if urgent and len(_distinct(found, count)) < count and not (should_stop is not None and should_stop()):
        able = [v for v in range(len(day.sub.concierges)) if day.ev.inst.allowed[day.k, v] and v not in tried]
        for v, seq, pushed in day.ejections(able):
            offer = day.timed(v, seq, pushed)
            if offer is not None:
                found.append(offer)
    chosen = _distinct(found, count)
    reason = None if chosen else _no_offer_reason(day)
    return Offers(visit.id, chosen, reason, time.monotonic() - t0)


def place(problem: DispatchProblem, base: Plan | None, visit: Visit, concierge: str, minute: int, now: int) -> Offers:
    """The one slot of `visit` pinned to `concierge` at `minute` (a chosen offer), on the plan as it is now:
    its offer, or none with the reason."""
    pinned = dataclasses.replace(visit, pinned=Pin(concierge, minute), required=True)
    return offer_slots(problem, base, pinned, now, count=1)



def warm_up() -> None:
    """Load the compiled kernels offering uses (from numba's disk cache), so the first offer of a session
    takes its usual time; the intake form calls it while the dispatcher types."""
    from dispatch.warmup import tiny_day

    problem = tiny_day()
    visit = dataclasses.replace(problem.visits[2], id="warm-up")
    base = Plan(PlanStatus.FEASIBLE, (), (), {"total": 0}, 0.0)
    offer_slots(problem, base, visit, 0)
