"""What the dispatch board draws from a day, as plain values: the timeline rows of a plan (visits, travel,
breaks, pin markers), the facts a pin or move dialog shows about a visit, and the board's display constants."""

from __future__ import annotations

from data.planning import DaySnapshot
from dispatch.plan import Plan
from tui.screens.board_dialogs import VisitFacts
from tui.screens.board_words import hhmm
from tui.widgets.timeline import Block, TimelineRow

URGENCY_STYLE = {"emergency": "bold red", "high": "dark_orange", "normal": "", "low": "grey50"}


#: Urgencies in four cells (the request list's column).
URGENCY_SHORT = {"emergency": "EMER", "high": "high", "normal": "norm", "low": "low"}
#: Marks a pinned visit in Stops and on the timeline.
PIN_MARK = "*"
#: Below this many columns the board stacks its panes (requests or stops in the top half, `v` switches).
NARROW_WIDTH = 110


def pinned_ids(snapshot: DaySnapshot) -> frozenset[str]:
    return frozenset(v.id for v in snapshot.problem.visits if v.pinned is not None)


def timeline_rows(snapshot: DaySnapshot, plan: Plan | None, moved: frozenset[str] = frozenset()) -> tuple[TimelineRow, ...]:
    """One row per working concierge from a plan (proposal or committed); pinned visits carry `PIN_MARK`."""
    pins = pinned_ids(snapshot)
    routes = {r.concierge: r for r in plan.routes} if plan is not None else {}
    fixed = {v.id: v.status.value for v in snapshot.problem.visits if v.status.value != "open"}
    rows = []
    for c in snapshot.problem.concierges:
        info = snapshot.concierges[c.id]
        blocks: list[Block] = []
        r = routes.get(c.id)
        if r is not None:
            for s in r.stops:
                if s.travel_seconds:
                    blocks.append(Block("travel", (s.arrival - s.travel_seconds) // 60, s.arrival // 60))
                v = snapshot.visits.get(s.visit)
                style = fixed.get(s.visit) or ("moved" if s.visit in moved else (v.urgency if v else "normal"))
                blocks.append(Block("visit", s.start // 60, s.end // 60, (PIN_MARK if s.visit in pins else "") + s.visit, style))
            if r.break_start is not None and r.break_end is not None:
                blocks.append(Block("break", r.break_start // 60, r.break_end // 60))
        busy = sum(b.end - b.start for b in blocks if b.kind == "visit")
        free = max(0, c.shift_end - c.shift_start - busy - sum(b.end - b.start for b in blocks if b.kind != "visit"))
        rows.append(TimelineRow(f"{c.id} {info.name}", tuple(blocks), f"free {free // 60}h{free % 60:02d}"))
    return tuple(rows)


def visit_facts(snapshot: DaySnapshot, plan: Plan | None, visit: str) -> VisitFacts:
    """What the pin and move dialogs show about `visit`: client, office, urgency, minutes, window, where it is in `plan`."""
    info = snapshot.visits.get(visit)
    problem_visit = next((v for v in snapshot.problem.visits if v.id == visit), None)
    window = ""
    if problem_visit is not None and problem_visit.windows:
        w = problem_visit.windows[0]
        window = f"start {w.start // 60:02d}:{w.start % 60:02d}–{w.end // 60:02d}:{w.end % 60:02d}"
    at = plan.assignment().get(visit) if plan is not None else None
    where = f"{at[0]} {hhmm(at[1])}" if at else "not planned"
    return VisitFacts(visit, info.client if info else "", info.office if info else "", info.urgency if info else "",
                      problem_visit.duration if problem_visit is not None else 0, window, where)
