"""The plan format `concierge-plan/1` (docs/dispatch-json.md): dump, parse, load. Times are written in the
format their problem used ("HH:MM", "HH:MM:SS" when not whole minutes, or minutes)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dispatch.errors import DispatchError
from dispatch.jsonio.problem import FORMAT_KEY
from dispatch.jsonio.reader import Reader as _Reader
from dispatch.jsonio.reader import format_seconds, parse_seconds, read_json
from dispatch.plan import Plan, PlanStatus, Reason, ReasonCode, Route, Stop, Unplanned
from dispatch.problem import DispatchProblem

PLAN_SCHEMA = "concierge-plan/1"


def _hhmm(problem: DispatchProblem) -> bool:
    return problem.meta.get(FORMAT_KEY) == "hhmm"


def dump_plan(plan: Plan, problem: DispatchProblem, texts: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Plan -> `concierge-plan/1` document, times in the problem's format; `texts` are reason sentences
    (default: `dispatch.explain.reason_text`)."""
    from dispatch.explain import reason_text

    h = _hhmm(problem)
    routes = []
    for r in plan.routes:
        d: dict[str, Any] = {
            "concierge": r.concierge,
            "depart": format_seconds(r.start, h),
            "return": format_seconds(r.end, h),
            "stops": [
                {
                    "visit": s.visit,
                    "arrival": format_seconds(s.arrival, h),
                    "start": format_seconds(s.start, h),
                    "end": format_seconds(s.end, h),
                    "travel_seconds": s.travel_seconds,
                    "travel_meters": s.travel_meters,
                }
                for s in r.stops
            ],
            "return_travel_seconds": r.return_seconds,
            "return_travel_meters": r.return_meters,
            "travel_seconds": r.travel_seconds,
            "travel_meters": r.travel_meters,
        }
        if r.break_start is not None and r.break_end is not None:
            d["break"] = {"start": format_seconds(r.break_start, h), "end": format_seconds(r.break_end, h)}
        routes.append(d)
    unplanned = [
        {
            "visit": u.visit,
            "reason": (texts or {}).get(u.visit) or reason_text(u.reason, problem),
            "code": u.reason.code.value,
            "detail": dict(u.reason.detail),
        }
        for u in plan.unplanned
    ]
    return {
        "schema": PLAN_SCHEMA,
        "status": plan.status.value,
        "routes": routes,
        "unplanned": unplanned,
        "travel_seconds": plan.travel_seconds,
        "travel_meters": plan.travel_meters,
        "cost": dict(plan.cost),
        "objective": plan.objective,
        "solve_seconds": round(plan.solve_seconds, 3),
    }


def parse_plan(data: Any) -> Plan:
    """A `concierge-plan/1` document -> Plan (times back to seconds)."""
    r = _Reader(data, "")
    schema = r.get("schema", str)
    if schema != PLAN_SCHEMA:
        raise DispatchError(f"schema: expected {PLAN_SCHEMA!r}, got {schema!r}")
    try:
        status = PlanStatus(r.get("status", str))
    except ValueError:
        raise DispatchError(f"status: unknown status {data['status']!r}") from None
    routes = []
    for k, rd in enumerate(r.get("routes", list)):
        rr = _Reader(rd, f"routes[{k}]")
        stops = []
        for j, sd in enumerate(rr.get("stops", list)):
            p = f"routes[{k}].stops[{j}]"
            sr = _Reader(sd, p)
            stops.append(
                Stop(
                    sr.get("visit", str),
                    parse_seconds(sd.get("arrival"), f"{p}.arrival"),
                    parse_seconds(sd.get("start"), f"{p}.start"),
                    parse_seconds(sd.get("end"), f"{p}.end"),
                    sr.get("travel_seconds", int),
                    sr.get("travel_meters", int),
                )
            )
        brk = rd.get("break")
        routes.append(
            Route(
                rr.get("concierge", str),
                tuple(stops),
                parse_seconds(rd.get("depart"), f"routes[{k}].depart"),
                parse_seconds(rd.get("return"), f"routes[{k}].return"),
                rr.get("return_travel_seconds", int, 0),
                rr.get("return_travel_meters", int, 0),
                parse_seconds(brk["start"], f"routes[{k}].break.start") if brk else None,
                parse_seconds(brk["end"], f"routes[{k}].break.end") if brk else None,
            )
        )
    unplanned = []
    for k, ud in enumerate(r.get("unplanned", list)):
        ur = _Reader(ud, f"unplanned[{k}]")
        try:
            code = ReasonCode(ur.get("code", str, ReasonCode.NOT_SEARCHED.value))
        except ValueError:
            raise DispatchError(f"unplanned[{k}].code: unknown reason code") from None
        unplanned.append(Unplanned(ur.get("visit", str), Reason(code, ur.get("detail", dict, {}))))
    cost = {str(k): int(v) for k, v in r.get("cost", dict, {}).items()}
    return Plan(status, tuple(routes), tuple(unplanned), cost, float(r.get("solve_seconds", (int, float), 0.0)), r.get("objective", int, 0))



def load_plan(path: str | Path) -> Plan:
    """Read a plan file."""
    return parse_plan(read_json(path))
