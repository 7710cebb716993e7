"""The dispatch board as a dispatcher uses it: intake, plan with progress, cancel, pin, commit, conflicts."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import icalendar
import pytest
from board_scenario import DAY, NOW, build
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static
from tui_fakes import FakePlanner, Host, sqlite_database_fixture  # noqa: F401  (the sqlite_database fixture)

from data.db import Database
from data.models import Visit, VisitRequest
from dispatch.params import NO_SOLUTION_YET, PREPARING, Progress
from tui.context import AppContext, Role
from tui.screens.board import BoardScreen
from tui.screens.day import DayScreen
from tui.screens.request_form import RequestFormScreen
from tui.workers_solve import RealPlanner, SolveFinished, SolveProgress

SIZE = (130, 42)


def host(database: Database, planner: Any, day: dt.date = DAY, now: dt.datetime = NOW) -> Host:
    ctx = AppContext(database, Role("dispatcher"), clock=lambda: now)
    return Host(lambda app: BoardScreen(ctx, planner, day=day))


async def until(pilot: Any, ready: Any, timeout: float = 15.0) -> None:
    """Pause until `ready()` holds (workers and messages land later on a loaded machine); the test's assert follows."""
    waited = 0.0
    while not ready() and waited < timeout:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause()


def board(app: Host) -> BoardScreen:
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    return screen


async def test_emergency_request_is_planned_and_assigned(sqlite_database: Database) -> None:
    """Enter an emergency with the form, plan the next day, see it assigned and committed."""
    build(sqlite_database, committed=False)
    seen: list[Message] = []
    planner = FakePlanner()
    app = host(sqlite_database, planner)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        form.query_one("#client-search", Input).value = "青葉"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert form.client is not None and "K01" in str(form.query_one("#client-info").render())
        form.query_one("#urgency").value = "emergency"  # type: ignore[attr-defined]
        await pilot.pause()
        assert form.query_one("#deadline", Input).value == "2026-11-26 18:00"
        form.query_one("#minutes", Input).value = "45"
        form.query_one("#description", Input).value = "サーバが停止"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = board(app)
        new_id = max(r.id for r in _requests(sqlite_database))
        table = screen.query_one("#request-table", DataTable)
        assert table.get_row_at(0)[2] == f"R{new_id}"  # most urgent first
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(isinstance(m, SolveProgress) for m in seen) and any(isinstance(m, SolveFinished) for m in seen)
        assert screen.proposal is not None and f"R{new_id}" in screen.proposal.assignment()
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    with sqlite_database.sessions() as s:
        visit = s.query(Visit).filter_by(request_id=new_id).one()
        assert visit.concierge.code == "K01" and visit.date == DAY


def _requests(database: Database) -> list[VisitRequest]:
    with database.sessions() as s:
        return list(s.query(VisitRequest))


async def test_first_run_says_the_optimizer_is_being_prepared(sqlite_database: Database) -> None:
    """The first plan after an install compiles the optimizer: the progress line says so, not a cost."""
    build(sqlite_database, committed=False)
    planner = FakePlanner(wait=True, first=Progress(NO_SOLUTION_YET, 0.1, 0, stage=PREPARING))
    app = host(sqlite_database, planner)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("p")
        assert planner.started.wait(5)
        await pilot.pause(0.6)
        text = str(screen.query_one("#progress", Static).render())
        assert "preparing the optimizer (first run only)" in text and "best cost" not in text
        assert "no better plan" not in text and "search done" not in text  # no search is running yet
        await pilot.press("x")
        await app.workers.wait_for_complete()


async def test_cancel_a_running_plan_keeps_the_board_responsive(sqlite_database: Database) -> None:
    """While the plan runs keys still work; x cancels and the best plan so far is shown, nothing saved."""
    build(sqlite_database, committed=False)
    planner = FakePlanner(wait=True)
    app = host(sqlite_database, planner)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("p")
        assert planner.started.wait(5)
        await pilot.pause(0.6)
        assert screen.running
        progress = str(screen.query_one("#progress", Static).render())
        assert "best so far:" in progress and "planned (" in progress and "travel" in progress and "still improving" in progress
        assert "123,456" not in progress and "cost" not in progress  # the dispatcher's words, not the objective
        await pilot.press("down", "down")  # the board answers keys during the solve
        assert screen.query_one("#request-table", DataTable).cursor_row == 2
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not screen.running and screen.proposal is not None and screen.proposal.status.value == "cancelled"
        assert "best plan so far" in str(screen.query_one("#progress", Static).render())
    with sqlite_database.sessions() as s:
        assert s.query(Visit).count() == 0


async def test_pin_a_visit_and_replan_the_pin_holds(sqlite_database: Database) -> None:
    """Pin the PC setup to K03 at 14:00 and plan with the real optimizer: it is there."""
    ids = build(sqlite_database, committed=False)
    from dispatch.solve import SolveParams

    planner = RealPlanner(SolveParams(time_limit=10, solution_limit=60, workers=1, explain=False))
    app = host(sqlite_database, planner)
    key = f"R{ids['r_pc']}"
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#proposal", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#pin-concierge").value = "K03"  # type: ignore[attr-defined]
        app.screen.query_one("#pin-start", Input).value = "14:00"
        app.screen.query_one("#pin-start", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.snapshot is not None and screen.snapshot.problem.visit(key).pinned is not None
        assert screen.snapshot.problem.visit(key).required  # served there, or reported with a reason
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.proposal is not None and screen.proposal.assignment()[key] == ("K03", 14 * 3600)


async def test_conflicting_commit_is_refused_with_a_message_and_reload(sqlite_database: Database) -> None:
    """Another dispatcher changes a request after our plan: commit refused, board reloaded, nothing lost."""
    ids = build(sqlite_database, committed=False)
    app = host(sqlite_database, FakePlanner())
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with sqlite_database.transaction() as s:
            req = s.get(VisitRequest, ids["r_lan"])
            assert req is not None
            req.estimated_minutes = 120
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.proposal is None  # reloaded
        assert any("someone else" in n.message for n in app._notifications)
    with sqlite_database.sessions() as s:
        assert s.query(Visit).count() == 0


async def test_emergency_on_a_planned_day_replans_from_now_and_shows_who_moves(sqlite_database: Database) -> None:
    """An emergency at 11:00 on a planned day: re-plan from now; the change column shows before → after."""
    ids = build(sqlite_database)
    now = dt.datetime.combine(DAY, dt.time(11, 0))
    with sqlite_database.transaction() as s:
        v = s.get(Visit, ids["v_lan"])
        assert v is not None
        v.status, v.actual_start, v.actual_end, v.work_slip = "done", now.replace(hour=9, minute=40), now.replace(hour=10, minute=40), "ok"
        emergency = VisitRequest(client_id=ids["c1"], office_id=ids["o3"], received_at=now, urgency="emergency",
                                 deadline=now.replace(hour=18), estimated_minutes=60, required_skills=["network"],
                                 description="全PCがネットに出られない")
        s.add(emergency)
        s.flush()
        key = f"R{emergency.id}"
    app = host(sqlite_database, FakePlanner(), now=now)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result = screen.replan_result
        assert result is not None and key in result.inserted and key in screen.proposal.assignment()  # type: ignore[union-attr]
        assert screen.proposal is not None and screen.proposal.assignment()[f"R{ids['r_lan']}"][1] == 9 * 3600 + 40 * 60
        table = screen.query_one("#proposal", DataTable)
        changes = [str(table.get_row_at(k)[6]) for k in range(table.row_count)]
        assert "new" in changes
        assert any(c.startswith("was ") for c in changes) == bool(result.moves)


async def test_a_long_real_plan_leaves_the_board_answering_and_cancel_keeps_the_best_plan(sqlite_database: Database) -> None:
    """A 60-second search in a child process: keys are answered and progress moves; x returns the best plan so far."""
    from dispatch.solve import SolveParams

    build(sqlite_database, committed=False)
    planner = RealPlanner(SolveParams(time_limit=60, workers=1, explain=False))
    app = host(sqlite_database, planner)
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        screen = board(app)
        started = time.monotonic()
        await pilot.press("p")
        while not any(isinstance(m, SolveProgress) for m in seen) and time.monotonic() - started < 40:
            await pilot.pause(0.1)
        assert screen.running and any(isinstance(m, SolveProgress) for m in seen)
        first = str(screen.query_one("#progress", Static).render())
        await pilot.press("down", "down")  # answered while the search runs in its own process
        assert screen.query_one("#request-table", DataTable).cursor_row == 2 and screen.running
        await pilot.pause(1.2)
        assert str(screen.query_one("#progress", Static).render()) != first  # elapsed time moves
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert time.monotonic() - started < 50
        assert screen.proposal is not None and screen.proposal.status.value == "cancelled" and screen.proposal.planned > 0
        assert "best plan so far" in str(screen.query_one("#progress", Static).render())


async def test_emergency_saved_on_a_planned_day_offers_replan_from_now(sqlite_database: Database) -> None:
    """Saving an emergency for today's planned day asks "re-plan from now?"; yes shows it inserted as new."""
    build(sqlite_database)
    app = host(sqlite_database, FakePlanner())
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RequestFormScreen)
        form.query_one("#client-search", Input).value = "青葉"
        await app.workers.wait_for_complete()
        await pilot.pause()
        form.query_one("#urgency").value = "emergency"  # type: ignore[attr-defined]
        form.query_one("#description", Input).value = "サーバが停止"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is not form and bool(app.screen.query(Label)))
        assert "re-plan from now" in str(app.screen.query_one(Label).render())
        await pilot.press("y")
        await until(pilot, lambda: screen.replan_result is not None)
        new_key = f"R{max(r.id for r in _requests(sqlite_database))}"
        assert screen.replan_result is not None and new_key in screen.replan_result.inserted
        table = screen.query_one("#proposal", DataTable)
        assert str(table.get_row_at(table.get_row_index(new_key))[6]) == "new"
    with sqlite_database.sessions() as s:
        assert s.query(Visit).filter(Visit.request_id == int(new_key[1:])).count() == 0  # nothing written before commit


async def test_move_by_hand_shows_the_new_route_times(sqlite_database: Database) -> None:
    """m moves the toner change from K01 to K03: K03's route now has it with new times, K01's closes the gap."""
    ids = build(sqlite_database, committed=False)
    app = host(sqlite_database, FakePlanner())
    key = f"R{ids['r_toner']}"
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        before = screen.proposal
        assert before is not None and before.assignment()[key][0] == "K01"
        table = screen.query_one("#proposal", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("m")
        await pilot.pause()
        app.screen.query_one("#move-concierge").value = "K03"  # type: ignore[attr-defined]
        app.screen.query_one("#move-position", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        after = screen.proposal
        assert after is not None and after.assignment()[key][0] == "K03"
        row = table.get_row_at(table.get_row_index(key))
        assert str(row[0]) == "K03" and row[1] == f"{after.assignment()[key][1] // 3600:02d}:{after.assignment()[key][1] % 3600 // 60:02d}"
        k01_later = [s for r in after.routes if r.concierge == "K01" for s in r.stops]
        k01_before = {s.visit: s.start for r in before.routes if r.concierge == "K01" for s in r.stops}
        assert any(s.start < k01_before[s.visit] for s in k01_later)  # the gap closes: later stops start earlier
    with sqlite_database.sessions() as s:
        assert s.query(Visit).count() == 0


async def test_after_commit_o_opens_the_concierges_day_and_e_exports_it(sqlite_database: Database, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan, commit, select a stop, o: that concierge's day with the committed stops; e writes its .ics."""
    build(sqlite_database, committed=False)
    monkeypatch.chdir(tmp_path)
    app = host(sqlite_database, FakePlanner())
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("c", "y")
        await pilot.pause()
        table = screen.query_one("#proposal", DataTable)
        assert screen.proposal is None and table.row_count == 4  # the committed plan
        table.focus()
        await pilot.press("o")
        await pilot.pause()
        day = app.screen
        assert isinstance(day, DayScreen) and day.code == "K01" and day.route is not None and len(day.route.stops) == 4
        await pilot.press("e", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
    events = icalendar.Calendar.from_ical((tmp_path / "K01-2026-11-26.ics").read_bytes()).walk("VEVENT")
    assert len(events) == 5 and [str(e.get("summary")) for e in events].count("Break") == 1  # 4 stops and the committed lunch


async def test_go_to_a_chosen_date_and_back(sqlite_database: Database) -> None:
    """g asks for a date: a bad one is named under the field, 2026-12-01 shows that day, -5 steps back."""
    build(sqlite_database)
    app = host(sqlite_database, FakePlanner())
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("g")
        await until(pilot, lambda: bool(app.screen.query("#date-input")))
        await pilot.press(*"2026-13-01", "enter")
        await until(pilot, lambda: "not YYYY-MM-DD" in str(app.screen.query_one("#date-error", Label).render()))
        assert "'2026-13-01'" in str(app.screen.query_one("#date-error", Label).render())
        app.screen.query_one("#date-input", Input).value = "2026-12-01"
        await pilot.press("enter")
        await until(pilot, lambda: screen.day == dt.date(2026, 12, 1))
        assert app.screen is screen and screen.day == dt.date(2026, 12, 1)
        await pilot.press("g")
        await until(pilot, lambda: bool(app.screen.query("#date-input")))
        await pilot.press(*"-5", "enter")
        await until(pilot, lambda: screen.day == dt.date(2026, 11, 26))
        assert screen.day == dt.date(2026, 11, 26)
