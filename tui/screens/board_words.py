"""The dispatch board's sentences: a plan in the dispatcher's words (`data.planning.summary` numbers), the
progress line of a running search, before → after of a re-plan, the time left on a request, and names
short enough for narrow columns. Plain strings and Rich `Text`; no widgets."""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from data.planning import RequestRow
from data.planning.summary import PlanSummary
from dispatch.replan import Replan

#: Short urgency letters for the counts ("E1 H3 N6").
LETTERS = {"emergency": "E", "high": "H", "normal": "N", "low": "L"}
#: Company-form prefixes dropped in narrow columns (the name that follows is what a dispatcher reads).
COMPANY_PREFIXES = ("株式会社", "有限会社", "合同会社", "(株)", "（株）", "(有)", "（有）")
#: A search counts as "still improving" while its last better plan is at most this many seconds old.
STILL_IMPROVING_SECONDS = 3.0


def hhmm(seconds: int) -> str:
    m = seconds // 60
    return f"{m // 60:02d}:{m % 60:02d}"


def duration(seconds: int) -> str:
    """5400 → "1h30", 600 → "10 min"."""
    m = max(0, round(seconds / 60))
    return f"{m // 60}h{m % 60:02d}" if m >= 60 else f"{m} min"


def short_name(name: str, width: int) -> str:
    """`name` in at most `width` cells: a leading 株式会社/有限会社… dropped when it does not fit, cut at the end."""
    name = name.strip()
    if cell_len(name) > width:
        for prefix in COMPANY_PREFIXES:
            if name.startswith(prefix) and name[len(prefix):].strip():
                name = name[len(prefix):].strip()
                break
    return set_cell_size(name, width).rstrip() if cell_len(name) > width else name


def counts(by_urgency: dict[str, int] | object) -> str:
    """{"emergency": 1, "high": 0, "normal": 6} → "E1 N6" (zeros left out); "0" when empty."""
    assert isinstance(by_urgency, dict)
    parts = [f"{LETTERS.get(u, u[:1].upper())}{n}" for u, n in by_urgency.items() if n]
    return " ".join(parts) or "0"


def summary_text(s: PlanSummary) -> str:
    """"12 planned (E1 H3 N8) · 2 unplanned (N2) · emergency R7 K01 10:20 · travel 3h10 · late: none"."""
    out = [f"{s.planned_total} planned ({counts(dict(s.planned))})"]
    out.append(f"{s.unplanned_total} unplanned ({counts(dict(s.unplanned))})" if s.unplanned_total else "none unplanned")
    if s.emergencies:
        first = [f"{e.visit} {e.concierge} {hhmm(e.start)}" if e.concierge and e.start is not None else f"{e.visit} UNPLANNED"
                 for e in s.emergencies[:2]]
        out.append("emergency " + ", ".join(first) + (f" +{len(s.emergencies) - 2}" if len(s.emergencies) > 2 else ""))
    out.append(f"travel {duration(s.travel_seconds)}")
    out.append(f"late {len(s.late)} ({duration(s.late_seconds)})" if s.late else "none late")
    return " · ".join(out)


def progress_text(day: dt.date, elapsed: float, limit: float | None, summary: PlanSummary | None, since_better: float | None) -> str:
    """The running search in words: time, the best plan so far, and whether the last seconds still improve it."""
    text = f"Planning {day:%a %d %b}… {elapsed:4.1f} s"
    if limit is not None and elapsed > limit + 1:
        text += " (search done: explaining what stays unplanned)"
    elif limit is not None:
        text += f" of {limit:.0f} s"
    if summary is not None:
        text += " · best so far: " + summary_text(summary)
    if since_better is not None:
        text += " · still improving" if since_better <= STILL_IMPROVING_SECONDS else f" · no better plan for {since_better:.0f} s"
    return text + "  (x cancels, keeps the best so far)"


def before_after(before: PlanSummary | None, after: PlanSummary, replan: Replan | None) -> str:
    """A re-plan's effect: counts before → after, and who moves by how much."""
    if before is None:
        return summary_text(after)
    parts = [f"planned {before.planned_total} → {after.planned_total}",
             f"unplanned {before.unplanned_total} → {after.unplanned_total}",
             f"travel {duration(before.travel_seconds)} → {duration(after.travel_seconds)}",
             f"late {len(before.late)} → {len(after.late)}"]
    if replan is not None:
        moves = []
        for m in replan.moves[:4]:
            if m.to_concierge is None:
                moves.append(f"{m.visit} dropped")
            elif m.to_concierge != m.from_concierge:
                moves.append(f"{m.visit} {m.from_concierge}→{m.to_concierge}")
            else:
                moves.append(f"{m.visit} {m.minutes:+d} min")
        more = f" +{len(replan.moves) - 4}" if len(replan.moves) > 4 else ""
        parts.append(("moves: " + ", ".join(moves) + more) if moves else "nobody moves")
    return " · ".join(parts)


def time_left(row: RequestRow, now: dt.datetime) -> Text:
    """Time left: to its own deadline for an emergency (and anything past its deadline), else to the 24 h
    aim; overdue in red."""
    if row.deadline is not None and (row.urgency == "emergency" or row.deadline < now):
        minutes = int((row.deadline - now).total_seconds() // 60)
        label = "due "
    else:
        minutes = int(row.aim_left.total_seconds() // 60)
        label = ""
    if minutes < 0:
        return Text(f"late {(-minutes) // 60}h{(-minutes) % 60:02d}", style="bold red")
    style = "bold red" if row.urgency == "emergency" else ("dark_orange" if minutes < 4 * 60 else "green")
    return Text(f"{label}{minutes // 60}h{minutes % 60:02d}", style=style)
