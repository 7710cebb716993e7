"""Why visits stay out of a plan, in words: the optimizer's reasons plus the requests a day cannot offer."""

from __future__ import annotations

import dataclasses

from data.planning.snapshot import DaySnapshot
from dispatch.plan import Plan, Unplanned


def all_unplanned(snapshot: DaySnapshot, plan: Plan) -> tuple[Unplanned, ...]:
    """The plan's unplanned visits plus the requests the snapshot could not offer at all."""
    return tuple(plan.unplanned) + tuple(snapshot.excluded)


def plan_with_excluded(snapshot: DaySnapshot, plan: Plan) -> Plan:
    """The plan with the requests the snapshot could not offer listed as unplanned too."""
    known = {u.visit for u in plan.unplanned}
    extra = tuple(u for u in snapshot.excluded if u.visit not in known)
    return dataclasses.replace(plan, unplanned=tuple(plan.unplanned) + extra) if extra else plan


def unplanned_texts(snapshot: DaySnapshot, plan: Plan) -> dict[str, str]:
    """visit id → the reason in words."""
    from dispatch.explain import reason_text

    out = {u.visit: reason_text(u.reason, snapshot.problem) for u in plan.unplanned}
    out.update(snapshot.excluded_text)
    return out
