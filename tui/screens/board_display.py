"""The board's panes: the request list (unplanned emergencies first), the stops, the unplanned visits
and why, the title and the status line in the dispatcher's words."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Label, Static

from data.planning import DaySnapshot, RequestRow, plan_with_excluded, unplanned_texts
from data.planning.summary import summarize
from dispatch.plan import Plan, Reason, ReasonCode, Unplanned
from tui.screens.board_base import BoardBase
from tui.screens.board_view import PIN_MARK, URGENCY_SHORT, URGENCY_STYLE, pinned_ids, timeline_rows
from tui.screens.board_words import before_after, hhmm, short_name, summary_text, time_left
from tui.text import clean, plain
from tui.widgets.timeline import Timeline


class BoardDisplay(BoardBase):
    """Fills the board's panes from the state."""

    def _plan_cells(self) -> dict[str, Text]:
        """The plan column: where each request stands in the shown plan (the proposal while there is one)."""
        snap, plan = self.snapshot, self.proposal
        if snap is None or plan is None:
            return {}
        where = plan.assignment()
        texts = unplanned_texts(snap, plan)
        out: dict[str, Text] = {}
        for v in snap.visits:
            if v in where:
                out[v] = plain(f"{where[v][0]} {hhmm(where[v][1])}", "magenta")
            elif v in texts or any(x.id == v for x in snap.problem.visits):
                out[v] = plain("out: " + texts.get(v, "not planned"), "red")
        return out

    def _unplanned_emergencies(self) -> dict[str, str]:
        """Emergencies of the request list the shown plan leaves out → why."""
        snap = self.snapshot
        if snap is None:
            return {}
        plan = self.proposal or snap.committed
        where = plan.assignment() if plan is not None else {}
        texts = unplanned_texts(snap, self.proposal) if self.proposal is not None else dict(snap.excluded_text)
        out = {}
        for r in self.requests:
            if r.urgency == "emergency" and r.visit not in where and r.status == "open":
                out[r.visit] = texts.get(r.visit, self.kept_reasons.get(r.visit, "not planned yet (p plans, r re-plans from now)"))
        return out

    def _show_requests(self, rows: list[RequestRow]) -> None:
        """Unplanned emergencies first (red, with why), then most urgent first; plan column from the shown plan."""
        table = self.query_one("#request-table", DataTable)
        table.clear()
        now = self.clock()
        cells = self._plan_cells()
        urgent = self._unplanned_emergencies()
        ordered = [r for r in rows if r.visit in urgent] + [r for r in rows if r.visit not in urgent]
        for r in ordered:
            deadline = r.deadline.strftime("%a %H:%M") if r.deadline else ""
            if r.visit in urgent:
                plan_cell = plain(f"UNPLANNED: {urgent[r.visit]}", "bold red")
            else:
                parts = (r.planned or "").split(" ")
                plan_cell = cells.get(r.visit) or plain(f"{parts[0]} {parts[-1]}" if len(parts) == 3 else r.planned or "")
            urgency = Text(URGENCY_SHORT.get(r.urgency, r.urgency), style=URGENCY_STYLE.get(r.urgency, ""))
            if self.narrow:
                table.add_row(time_left(r, now), urgency, r.visit, plain(short_name(clean(r.client), 14)), plan_cell, key=r.visit)
            else:
                label = plain(short_name(clean(r.client), 14) + " " + short_name(clean(r.office), 8))
                table.add_row(time_left(r, now), urgency, r.visit, label, str(r.minutes), deadline, plan_cell, key=r.visit)

    def _status(self) -> None:
        """The status line when nothing runs: what just happened, the shown plan in words, unplanned emergencies."""
        snap = self.snapshot
        if snap is None or self.running:
            return
        plan = self.proposal or snap.committed
        parts = [self.status_note] if self.status_note else []
        urgent = self._unplanned_emergencies()
        if urgent:
            parts.append(f"⚠ {len(urgent)} unplanned emergenc{'y' if len(urgent) == 1 else 'ies'}")
        if self.proposal is not None:
            after = summarize(snap, self.proposal)
            parts.append("Proposal: " + (before_after(self.before, after, self.replan_result) if self.replan_result is not None
                                         else summary_text(after)))
            parts.append("not saved: c commits, d discards")
        elif plan is not None:
            parts.append("Committed: " + summary_text(summarize(snap, plan)))
        else:
            parts.append("Nothing planned for this day yet: p plans it")
        if self.narrow:
            shown = "stops" if self.has_class("pane-stops") else ("unplanned" if self.has_class("pane-unplanned") else "requests")
            parts.append(f"showing {shown} (v switches, ? all keys)")
        text = plain(" · ".join(parts))
        if urgent:
            text.stylize("bold red", len(self.status_note) + (3 if self.status_note else 0),
                         len(self.status_note) + (3 if self.status_note else 0) + len(parts[1 if self.status_note else 0]))
        self.query_one("#progress", Static).update(text)

    def _show(self) -> None:
        snap = self.snapshot
        assert snap is not None
        plan = self.proposal or snap.committed
        state = "proposal (not saved: c commits, d discards)" if self.proposal is not None else (
            "committed plan" if snap.committed is not None else "nothing planned yet (p plans the day)")
        self.query_one("#board-title", Label).update(f"Dispatch board — {snap.date:%a %d %b %Y} — {state}")
        moved = frozenset(m.visit for m in self.replan_result.moves) if self.replan_result is not None else frozenset()
        self.query_one("#timeline", Timeline).rows = timeline_rows(snap, plan, moved)
        self._show_stops(snap, plan)
        self._show_unplanned(snap, plan)
        self._show_requests(self.requests)
        self._status()

    def _show_stops(self, snap: DaySnapshot, plan: Plan | None) -> None:
        table = self.query_one("#proposal", DataTable)
        table.clear()
        if plan is None:
            return
        changes: dict[str, str] = {}
        if self.replan_result is not None:
            for m in self.replan_result.moves:
                after = f"{m.to_concierge} {hhmm(m.new_start)}" if m.new_start is not None and m.to_concierge else "unplanned"
                changes[m.visit] = f"was {m.from_concierge} {hhmm(m.old_start)} → {after}"
            for vid in self.replan_result.inserted:
                changes[vid] = "new"
        pins = pinned_ids(snap)
        for r in plan.routes:
            for s in r.stops:
                v = snap.visits.get(s.visit)
                label = plain(short_name(clean(v.client), 12) + " " + short_name(clean(v.office), 6) if v else s.visit)
                change = plain(changes.get(s.visit, ""), "magenta" if s.visit in changes else "")
                visit = (PIN_MARK if s.visit in pins else "") + s.visit
                table.add_row(plain(r.concierge), hhmm(s.start), hhmm(s.end), visit, label,
                              f"{round(s.travel_seconds / 60)}′", change, key=s.visit)
        title = "Stops — who goes where when" + (f" ({PIN_MARK} pinned)" if pins else "")
        if self.replan_result is not None:
            title += f" ({len(self.replan_result.moves)} moved, changed routes: {', '.join(self.replan_result.changed_routes) or 'none'})"
        if self.warnings:
            title += " ⚠ " + "; ".join(self.warnings)
        self.query_one("#proposal-title", Label).update(plain(title))

    def _show_unplanned(self, snap: DaySnapshot, plan: Plan | None) -> None:
        table = self.query_one("#unplanned", DataTable)
        table.clear()
        if self.proposal is not None:
            rows = list(plan_with_excluded(snap, self.proposal).unplanned)
            texts = unplanned_texts(snap, self.proposal)
        else:  # the committed day: what is still waiting, and what cannot be offered at all
            done = set(plan.assignment()) if plan is not None else set()
            rows = [Unplanned(v.id, Reason(ReasonCode.NOT_SEARCHED)) for v in snap.problem.visits if v.id not in done]
            rows += list(snap.excluded)
            waiting = "not planned yet (p plans the day, r re-plans from now)"
            texts = {u.visit: self.kept_reasons.get(u.visit, waiting) for u in rows} | dict(snap.excluded_text)
        rank = {"emergency": 0}
        rows.sort(key=lambda u: rank.get(snap.visits[u.visit].urgency if u.visit in snap.visits else "", 1))
        for u in rows:
            v = snap.visits.get(u.visit)
            table.add_row(u.visit, Text(v.urgency if v else "", style=URGENCY_STYLE.get(v.urgency if v else "", "")),
                          plain(short_name(clean(v.client), 12) if v else ""), plain(texts.get(u.visit, "")), key=u.visit)
        self.query_one("#unplanned-title", Label).update(f"Unplanned ({len(rows)}) — and why")
