"""A concierge's day ("My day"): the stops in order with arrival, client, address, contact, what the
request says, the office's seats and the travel from the previous stop; a compact map of the route;
next/previous day; the work slip (arrived, undo of arrived, done; a slip can be edited until its month
is closed); export of the day to an iCalendar file. The rules (one stop on site at a time, nothing later
than now) are data.work_slip's; this screen passes its clock and shows the refusals as one line.

`DayScreen(ctx, concierge_code=None)`: None shows the role's own concierge (admin and dispatcher start
with the first concierge and switch with `k`). A concierge role only ever sees their own day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from sqlalchemy.orm import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from data.errors import ConflictError, DataError
from data.route import DayRoute, RouteStop, concierge_codes, concierge_day, route_ics
from data.work_slip import mark_arrived, mark_done, undo_arrived
from tui.context import AppContext
from tui.screens.work_slip import SlipValues, WorkSlipDialog
from tui.text import clean, file_part, plain
from tui.widgets.route_map import MapPoint, RouteMap

STATUS_WORDS = {"planned": "", "in_progress": "on site", "done": "done"}
STATUS_STYLE = {"in_progress": "bold green", "done": "green"}


def default_ics_name(route: DayRoute) -> str:
    """K01-2026-11-26.ics (a code that is no plain file name is reduced to one)."""
    return f"{file_part(route.concierge) or 'day'}-{route.date.isoformat()}.ics"


class IcsExportDialog(ModalScreen[Path | None]):
    """Where to write the .ics file (pre-filled; Enter writes)."""

    DEFAULT_CSS = """
    IcsExportDialog { align: center middle; }
    IcsExportDialog > Vertical { width: 76; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    IcsExportDialog Horizontal { height: auto; margin-top: 1; }
    IcsExportDialog Button { margin-right: 2; }
    """
    BINDINGS = [("escape", "dismiss(None)", "Cancel")]

    def __init__(self, path: Path, stops: int, with_break: bool = False) -> None:
        super().__init__()
        self.path = path
        self.stops = stops
        self.with_break = with_break

    def compose(self) -> ComposeResult:
        with Vertical():
            what = f"{self.stops} visit{'' if self.stops == 1 else 's'}" + (" and the break" if self.with_break else "")
            yield Label(f"Export the day to a calendar file: {what}, one event each")
            yield Input(clean(self.path), id="ics-path")
            with Horizontal():
                yield Button("Write", variant="primary", id="ics-ok")
                yield Button("Cancel", id="ics-cancel")

    def on_mount(self) -> None:
        self.query_one("#ics-path", Input).focus()

    @on(Button.Pressed, "#ics-cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ics-ok")
    def accept(self) -> None:
        text = self.query_one("#ics-path", Input).value.strip()
        self.dismiss(Path(text).expanduser() if text else None)


def stop_detail(stop: RouteStop, number: int) -> Text:
    """The selected stop in full: address, contact, request, seats, travel, work slip."""
    out = Text()
    out.append(f"{number}. {stop.arrival:%H:%M}–{stop.end:%H:%M}  {clean(stop.client)} {clean(stop.office)}", style="bold")
    if stop.urgency in ("emergency", "high"):
        out.append(f"  {stop.urgency}", style="bold red" if stop.urgency == "emergency" else "dark_orange")
    if not stop.routine:
        out.append("  non-routine: billed separately", style="yellow")
    out.append(f"\n   {clean(stop.address)}\n")
    out.append(f"   contact: {clean(stop.contact or 'not recorded')}\n")
    out.append(f"   request R{stop.request_id}: {clean(stop.request)}\n")
    out.append(f"   seats: {clean(stop.seats)}\n")
    out.append(f"   travel from the previous stop: {stop.travel_minutes} min ({stop.travel_meters / 1000:.1f} km)\n")
    if stop.status == "done":
        times = f"{stop.actual_start:%H:%M}–{stop.actual_end:%H:%M}" if stop.actual_start and stop.actual_end else ""
        out.append(f"   done {times}: {clean(stop.work_slip or '(minor task, no slip)')}", style="green")
        out.append("\n   w: edit the work slip (until the month is closed)", style="italic")
    elif stop.status == "in_progress" and stop.actual_start is not None:
        out.append(f"   on site since {stop.actual_start:%H:%M} (w: work slip · u: undo arrived)", style="bold green")
    else:
        out.append("   a: arrived · w: work slip (done)" + (" · minor task: the slip may stay empty" if stop.minor else ""), style="italic")
    return out


class DayScreen(Screen[None]):
    """One concierge's day."""

    DEFAULT_CSS = """
    DayScreen { layout: vertical; }
    DayScreen #day-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    DayScreen #day-body { height: 1fr; }
    DayScreen #day-left { width: 1fr; }
    DayScreen #stops { height: 1fr; }
    DayScreen #stop-detail { height: auto; min-height: 7; padding: 0 1; border-top: solid $primary; }
    DayScreen RouteMap { width: 46; height: 1fr; }
    """
    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", "Prev day"),
        Binding("right_square_bracket", "day(1)", "Next day"),
        Binding("t", "today", "Today"),
        Binding("a", "arrived", "Arrived"),
        Binding("u", "undo_arrived", "Undo arrived"),
        Binding("w", "slip", "Work slip"),
        Binding("e", "export", "Export .ics"),
        Binding("k", "next_concierge", "Next concierge"),
        Binding("escape", "back", "Back", show=False),
    ]

    day: reactive[dt.date] = reactive(dt.date(2000, 1, 1), init=False)

    def __init__(self, ctx: AppContext, concierge_code: str | None = None, *, day: dt.date | None = None, export_dir: Path | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        own = ctx.role.concierge_code
        if concierge_code is not None and not ctx.role.sees_concierge(concierge_code):
            concierge_code = own  # a concierge sees only their own day
            self.refused: str | None = "You can only see your own day."
        else:
            self.refused = None
        self.code: str | None = concierge_code or own
        self.route: DayRoute | None = None
        self.export_dir = export_dir
        self._initial_day = day or ctx.today()

    def compose(self) -> ComposeResult:
        yield Label("", id="day-title")
        with Horizontal(id="day-body"):
            with Vertical(id="day-left"):
                yield DataTable(id="stops", cursor_type="row", zebra_stripes=True)
                yield Static("", id="stop-detail")
            yield RouteMap(id="route-map")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stops", DataTable).add_columns("#", "arrive", "until", "client / office", "travel", "state")
        if self.refused:
            self.notify(self.refused, severity="warning")
        if self.code is None:
            with self.ctx.db.sessions() as session:
                codes = concierge_codes(session)
            self.code = codes[0][0] if codes else None
        self.day = self._initial_day

    def watch_day(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the day again (after a slip, a day change, a conflict)."""
        title = self.query_one("#day-title", Label)
        table = self.query_one("#stops", DataTable)
        keep = table.cursor_row
        table.clear()
        if self.code is None:
            self.route = None
            title.update("My day — no concierges yet")
            self._show_detail()
            return
        try:
            with self.ctx.db.sessions() as session:
                self.route = concierge_day(session, self.code, self.day)
        except DataError as exc:
            self.route = None
            title.update(plain(f"My day — {exc}"))
            self._show_detail()
            return
        route = self.route
        travel = route.travel_seconds // 60
        brk = f" — break {route.break_start:%H:%M}–{route.break_end:%H:%M}" if route.break_start and route.break_end else ""
        title.update(plain(
            f"{route.concierge} {route.name} — {route.date:%a %d %b %Y} — {len(route.stops)} stops, travel {travel // 60}h{travel % 60:02d}{brk}"
        ))
        for n, s in enumerate(route.stops, 1):
            state = Text(STATUS_WORDS.get(s.status, s.status), style=STATUS_STYLE.get(s.status, ""))
            label = plain(f"{s.client} {s.office}")
            table.add_row(str(n), f"{s.arrival:%H:%M}", f"{s.end:%H:%M}", label, f"{s.travel_minutes}′", state, key=str(s.visit_id))
        if route.stops:
            table.move_cursor(row=min(keep, len(route.stops) - 1))
        route_map = self.query_one(RouteMap)
        route_map.home = MapPoint(route.home_lat, route.home_lon, "H")
        route_map.stops = tuple(MapPoint(s.lat, s.lon, str(n)) for n, s in enumerate(route.stops, 1))
        self._show_detail()
        self.refresh_bindings()

    def _selected(self) -> tuple[int, RouteStop] | None:
        if self.route is None or not self.route.stops:
            return None
        row = self.query_one("#stops", DataTable).cursor_row
        row = max(0, min(row, len(self.route.stops) - 1))
        return row + 1, self.route.stops[row]

    def _show_detail(self) -> None:
        detail = self.query_one("#stop-detail", Static)
        picked = self._selected()
        if picked is None:
            detail.update(Text("No visits on this day ([ and ] change the day).", style="italic"))
            return
        detail.update(stop_detail(picked[1], picked[0]))

    @on(DataTable.RowHighlighted, "#stops")
    def stop_highlighted(self) -> None:
        self._show_detail()

    def action_back(self) -> None:
        """Back to the screen that opened this one (the board), when there is one."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    # ---- days and concierges -------------------------------------------------------------------
    def action_day(self, delta: int) -> None:
        self.day = self.day + dt.timedelta(days=delta)

    def action_today(self) -> None:
        self.day = self.ctx.today()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A concierge's footer does not offer other concierges' days; "Undo arrived" is offered while a stop
        of the day is on site (an 80-column footer has no room for a key that can do nothing)."""
        if action == "undo_arrived":
            return self.route is not None and any(s.status == "in_progress" for s in self.route.stops)
        return not (action == "next_concierge" and self.ctx.role.kind == "concierge")

    def action_next_concierge(self) -> None:
        if self.ctx.role.kind == "concierge":
            self.notify("You can only see your own day.", severity="warning")
            return
        with self.ctx.db.sessions() as session:
            codes = [c for c, _ in concierge_codes(session)]
        if not codes:
            return
        self.code = codes[(codes.index(self.code) + 1) % len(codes)] if self.code in codes else codes[0]
        self.reload()

    # ---- the work slip -------------------------------------------------------------------------
    def action_arrived(self) -> None:
        picked = self._selected()
        if picked is None:
            return
        stop = picked[1]
        now = self.ctx.clock()
        if not self._write(lambda session: mark_arrived(session, stop.visit_id, now, expected_version=stop.version, now=now)):
            return
        self.notify(f"Arrived at {stop.client} {stop.office} ({now:%H:%M}); u undoes it.")
        self.reload()

    def action_undo_arrived(self) -> None:
        """Undo "arrived" of the selected stop, or of the day's stop on site when the selected one is not."""
        picked = self._selected()
        if picked is None or self.route is None:
            return
        on_site = [s for s in self.route.stops if s.status == "in_progress"]
        stop = picked[1] if picked[1].status == "in_progress" else (on_site[0] if on_site else None)
        if stop is None:  # the key is not offered then (check_action); the palette may still ask
            self.notify("Nothing to undo: no stop of this day is marked arrived.", severity="warning")
            return
        if not self._write(lambda session: undo_arrived(session, stop.visit_id, expected_version=stop.version)):
            return
        since = f" at {stop.actual_start:%H:%M}" if stop.actual_start else ""
        self.notify(f"Arrival{since} at {stop.client} {stop.office} undone: the stop is planned again.")
        self.reload()

    def action_slip(self) -> None:
        picked = self._selected()
        if picked is None:
            return
        stop = picked[1]

        def done(values: SlipValues | None) -> None:
            if values is not None:
                self.save_slip(stop, values)

        self.app.push_screen(WorkSlipDialog(stop, self.ctx.clock()), done)

    def save_slip(self, stop: RouteStop, values: SlipValues) -> None:
        if not self._write(
            lambda session: mark_done(
                session, stop.visit_id, start=values.start, end=values.end, slip=values.text or None,
                expected_version=stop.version, now=self.ctx.clock(),
            )
        ):
            return
        self.notify(f"Visit at {stop.client} {stop.office} done ({values.start:%H:%M}–{values.end:%H:%M}).")
        self.reload()

    def _write(self, change: Callable[[Session], object]) -> bool:
        """Run `change` in one transaction; a failure is a sentence (after someone else's change, the day reloads)."""
        try:
            with self.ctx.db.transaction() as session:
                change(session)
        except ConflictError as exc:
            self.notify(f"Not saved: {exc}", severity="error")
            self.reload()
            return False
        except DataError as exc:
            self.notify(f"Not saved: {exc}", severity="error")
            return False
        return True

    # ---- export --------------------------------------------------------------------------------
    def action_export(self) -> None:
        route = self.route
        if route is None:
            return
        if not route.stops:
            self.notify("No visits on this day: nothing to export.", severity="warning")
            return
        path = (self.export_dir or Path.cwd()) / default_ics_name(route)

        def chosen(target: Path | None) -> None:
            if target is not None:
                self.write_ics(route, target)

        self.app.push_screen(IcsExportDialog(path, len(route.stops), route.break_start is not None), chosen)

    def write_ics(self, route: DayRoute, target: Path) -> None:
        try:
            target.write_bytes(route_ics(route))
        except OSError as exc:
            self.notify(f"Could not write {target}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Wrote {len(route.stops)} events to {target}.")
