"""Editing the proposal on the board: pin (placed at once by insertion where it can be), move with a preview
of the new times, discard and commit after a question, and the question before quitting with a proposal."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable

from data.errors import ConflictError, DataError
from data.planning import commit_plan, move_visit, unplanned_texts
from data.planning.pins import pin_at_once
from dispatch.errors import DispatchError
from tui.screens.board_base import BoardBase
from tui.screens.board_dialogs import MoveDialog, PinDialog, VisitFacts
from tui.screens.board_view import pinned_ids, visit_facts
from tui.screens.board_words import hhmm
from tui.widgets.confirm import ConfirmDialog


class BoardEditing(BoardBase):
    """i pins, m moves, d discards, c commits."""

    # ---- editing the proposal ------------------------------------------------------------------
    def _selected_visit(self) -> str | None:
        for table_id in ("#proposal", "#unplanned", "#request-table"):
            table = self.query_one(table_id, DataTable)
            if table.has_focus and table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                return str(key) if key is not None else None
        table = self.query_one("#proposal", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            return str(key) if key is not None else None
        return None

    def _concierges(self) -> list[tuple[str, str]]:
        assert self.snapshot is not None
        return [(c.id, self.snapshot.concierges[c.id].name) for c in self.snapshot.problem.concierges]

    def action_pin(self) -> None:
        visit = self._selected_visit()
        snap = self.snapshot
        if visit is None or snap is None or visit not in {v.id for v in snap.problem.visits}:
            self.notify("Select a visit of this day first.", severity="warning")
            return
        pin = snap.problem.visit(visit).pinned
        current = (pin.concierge, pin.start) if pin else (None, None)

        def done(result: tuple[str | None, int | None] | None) -> None:
            if result is None or self.snapshot is None:
                return
            try:
                self.snapshot = self.snapshot.with_pin(visit, *result)
            except DataError as exc:
                self.notify(str(exc), severity="error")
                return
            what = " ".join(x for x in (result[0], f"{result[1] // 60:02d}:{result[1] % 60:02d}" if result[1] is not None else None) if x)
            if self._pin_at_once(visit, *result):
                self.notify(f"{visit} pinned to {what}: placed in the proposal by insertion (c commits, p re-plans around it).")
            else:
                self.notify(f"{visit} pinned to {what or 'nothing'}; press p to re-plan (the pin holds).")
            self._show()

        self.app.push_screen(PinDialog(self._facts(visit), self._concierges(), current), done)

    def _pin_at_once(self, visit: str, concierge: str | None, minute: int | None) -> bool:
        """Show the pin's effect now by insertion (`data.planning.pins`); False: the next plan honours it."""
        snap = self.snapshot
        if snap is None:
            return False
        placed = pin_at_once(snap, self.proposal or snap.committed, visit, concierge, minute, self.clock())
        if placed is None:
            return False
        self.proposal, self.replan_result = placed.plan, placed
        return True

    def _facts(self, visit: str) -> VisitFacts:
        assert self.snapshot is not None
        return visit_facts(self.snapshot, self.proposal or self.snapshot.committed, visit)

    def action_move(self) -> None:
        visit = self._selected_visit()
        if visit is None or self.snapshot is None:
            self.notify("Select a visit first.", severity="warning")
            return
        plan = self.proposal or self.snapshot.committed
        if plan is None:
            self.notify("Plan the day first (p).", severity="warning")
            return
        current = next((r.concierge for r in plan.routes if any(s.visit == visit for s in r.stops)), None)

        def done(result: tuple[str, int | None] | None) -> None:
            if result is None or self.snapshot is None:
                return
            try:
                moved = move_visit(self.snapshot, plan, visit, result[0], result[1])
            except (DataError, DispatchError) as exc:
                self.notify(str(exc), severity="error")
                return
            self.proposal = moved.plan
            self.warnings = moved.warnings
            self._show()

        snap = self.snapshot

        def preview(concierge: str, position: int | None) -> str:
            try:
                moved = move_visit(snap, plan, visit, concierge, position)
            except (DataError, DispatchError) as exc:
                return f"cannot: {exc}"
            route = next((r for r in moved.plan.routes if r.concierge == concierge), None)
            stops = [f"{'▶' if st.visit == visit else ''}{st.visit} {hhmm(st.start)}" for st in (route.stops if route else ())]
            return "new times: " + ", ".join(stops) + (" ⚠ " + "; ".join(moved.warnings) if moved.warnings else "")

        self.app.push_screen(MoveDialog(self._facts(visit), self._concierges(), current, preview), done)

    def action_discard(self) -> None:
        """Throw the proposal away (its pins and hand moves too) after a question; Cancel is focused."""
        if self.proposal is None:
            self.notify("No proposal to discard.", severity="warning")
            return
        pins = len(pinned_ids(self.snapshot)) if self.snapshot is not None else 0
        detail = "Pins set on the board and hand moves are lost too." if pins or self.warnings else ""

        def done(yes: bool | None) -> None:
            if yes:
                self.discard_now()

        self.app.push_screen(ConfirmDialog(f"Discard this proposal for {self.day:%a %d %b}? Nothing of it is saved.",
                                           yes="Discard", detail=detail), done)

    def discard_now(self) -> None:
        self.reload()
        self.status_note = "Proposal discarded; nothing was written"
        self._status()

    def ask_before_quit(self, leave: Callable[[], object]) -> bool:
        """Ctrl+Q with a proposal not saved: ask (True: the question is shown), else False."""
        if self.proposal is None:
            return False

        def done(yes: bool | None) -> None:
            if yes:
                leave()

        self.app.push_screen(ConfirmDialog(f"Quit without saving the proposal for {self.day:%a %d %b}?", yes="Quit",
                                           detail="c on the board commits it."), done)
        return True

    def action_commit(self) -> None:
        if self.proposal is None or self.snapshot is None:
            self.notify("Nothing to commit: plan the day first (p).", severity="warning")
            return
        if self.running:
            self.notify("Wait for the plan to finish or cancel it (x).", severity="warning")
            return
        n = self.proposal.planned

        def done(yes: bool | None) -> None:
            if yes:
                self.commit_now()

        self.app.push_screen(ConfirmDialog(f"Save this plan for {self.day:%a %d %b} ({n} visits)?", yes="Commit"), done)

    def commit_now(self) -> None:
        assert self.proposal is not None and self.snapshot is not None
        try:
            with self.database.transaction() as session:
                result = commit_plan(session, self.snapshot, self.proposal)
        except ConflictError as exc:
            self.notify(f"Not saved: {exc}. The board was reloaded.", severity="error", timeout=10)
            self.reload()
            return
        except DataError as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=10)
            return
        self.notify(f"Plan saved: {result.created} new, {result.updated} updated, {result.removed} removed visits.")
        # what stayed out keeps the optimizer's reason on the committed board (until the day changes)
        self.kept_reasons = {k: f"left out: {t}" for k, t in unplanned_texts(self.snapshot, self.proposal).items()}
        self.reload()
        self.status_note = f"Committed {self.day:%a %d %b} ({result.created} new, {result.updated} updated, {result.removed} removed)"
        self._status()
