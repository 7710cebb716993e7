"""Committing a plan: `commit_plan(session, snapshot, plan)` writes it in the caller's transaction.

Visit rows are updated in place, created or removed; each concierge's route row (`plan_route`: departure,
way home, break) likewise; request statuses and pins are saved. Every touched request and visit is checked
against the version the snapshot saw: a plan made over changes by another dispatcher raises
`ConflictError` and nothing is written. Times are written to the second, as the plan has them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from data.errors import ConflictError, NotFoundError
from data.locks import check_month_open
from data.models import Concierge, PlanRoute, Visit, VisitRequest
from data.planning.snapshot import DaySnapshot
from data.planning.units import clock_of, request_id_of, visit_key
from dispatch.plan import Plan, Stop
from dispatch.problem import VisitStatus


@dataclass(frozen=True)
class CommitResult:
    """What a commit wrote."""

    created: int
    updated: int
    removed: int
    planned_requests: tuple[int, ...]


def _conflict(what: str) -> ConflictError:
    return ConflictError(f"{what} was changed by someone else since this plan was made; reload the day and plan again")


def commit_plan(session: Session, snapshot: DaySnapshot, plan: Plan) -> CommitResult:
    """Write `plan` for `snapshot.date` in the caller's transaction. Every request and visit row the
    snapshot read and the plan touches is checked against the version seen (and its UPDATE is guarded by
    the version, so a concurrent commit fails too): a change by someone else raises ConflictError and
    nothing is written. Pins set in the snapshot are saved on their requests."""
    day = snapshot.date
    check_month_open(session, day, f"the plan for {day.isoformat()}")
    problem_visits = {v.id: v for v in snapshot.problem.visits}
    request_ids = [request_id_of(vid) for vid in problem_visits]
    rows = {r.id: r for r in session.scalars(select(VisitRequest).where(VisitRequest.id.in_(request_ids)))} if request_ids else {}
    for rid in request_ids:
        row = rows.get(rid)
        if row is None or row.version != snapshot.request_versions.get(rid):
            raise _conflict(f"request {visit_key(rid)}")
    visits_now = {v.id: v for v in session.scalars(select(Visit).where(Visit.date == day, Visit.status != "cancelled"))}
    if set(visits_now) != set(snapshot.visit_versions):
        raise _conflict(f"the plan of {day.isoformat()}")
    for vid, v in visits_now.items():
        if v.version != snapshot.visit_versions[vid]:
            raise _conflict(f"visit {vid} ({visit_key(v.request_id)})")
    by_request = {v.request_id: v for v in visits_now.values()}
    concierge_ids = {code: cid for code, cid in session.execute(select(Concierge.code, Concierge.id))}
    planned: dict[str, tuple[str, int, Stop]] = {}
    for r in plan.routes:
        for seq, s in enumerate(r.stops):
            planned[s.visit] = (r.concierge, seq, s)
    created = updated = removed = 0
    for key, pv in problem_visits.items():
        rid = request_id_of(key)
        req = rows[rid]
        existing = by_request.get(rid)
        if pv.status is not VisitStatus.OPEN:
            continue  # in progress / done: untouched
        pin = pv.pinned
        req.pinned_concierge_id = concierge_ids.get(pin.concierge) if pin is not None and pin.concierge else None
        req.pinned_start = clock_of(day, pin.start * 60) if pin is not None and pin.start is not None else None
        if key in planned:
            code, seq, stop = planned[key]
            if code not in concierge_ids:
                raise NotFoundError(f"concierge {code!r} does not exist")
            target = existing or Visit(request_id=rid, date=day)
            target.concierge_id = concierge_ids[code]
            target.sequence = seq
            target.planned_start = clock_of(day, stop.start)  # to the second: what is committed is what was proposed
            target.planned_end = clock_of(day, stop.end)
            target.travel_seconds = stop.travel_seconds
            target.travel_meters = stop.travel_meters
            target.status = "planned"
            if existing is None:
                session.add(target)
                created += 1
            else:
                flag_modified(target, "status")  # bump the version even when nothing moved
                updated += 1
            req.status = "planned"
        else:
            if existing is not None:
                session.delete(existing)
                removed += 1
            req.status = "open"
        flag_modified(req, "status")  # every touched request's version is bumped (guards concurrent commits)
    _write_routes(session, snapshot, plan, concierge_ids)
    session.flush()
    return CommitResult(created, updated, removed, tuple(request_id_of(k) for k in planned if problem_visits[k].status is VisitStatus.OPEN))


def _write_routes(session: Session, snapshot: DaySnapshot, plan: Plan, concierge_ids: dict[str, int]) -> None:
    """Each concierge's route row of the day: departure, way home and break as planned; none without stops."""
    day = snapshot.date
    rows = {r.concierge_id: r for r in session.scalars(select(PlanRoute).where(PlanRoute.date == day))}
    keep: set[int] = set()
    for r in plan.routes:
        if not r.stops:
            continue
        cid = concierge_ids[r.concierge]
        keep.add(cid)
        row = rows.get(cid) or PlanRoute(concierge_id=cid, date=day)
        row.departs_at = clock_of(day, r.start)
        row.returns_at = clock_of(day, max(r.start, r.end))
        row.return_travel_seconds = r.return_seconds
        row.return_travel_meters = r.return_meters
        whole = r.break_start is not None and r.break_end is not None
        row.break_start = clock_of(day, r.break_start) if whole and r.break_start is not None else None
        row.break_end = clock_of(day, r.break_end) if whole and r.break_end is not None else None
        if cid not in rows:
            session.add(row)
    for cid, row in rows.items():
        if cid not in keep:
            session.delete(row)
