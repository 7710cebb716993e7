"""Snapshots of the shell and the client/office/seat screens on the seed-7 demo business, fixed clock.

80×24 is the smallest supported terminal; 120×40 shows that the screens use the room. Japanese names
and addresses (East Asian wide characters) must line up in the table columns. Update with
`pytest tests/test_tui_snapshots_clients.py --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from tui_desk import demo_db_fixture, demo_template_fixture, desk, fees_priced, settle, wait_until  # noqa: F401  (fixtures)

from data.db import Database
from tui.app import ConciergeApp
from tui.screens.clients import FEE_DELAY

SnapCompare = Callable[..., bool]


def steps(*keys: str, delay: float = 0.0) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Settle, press `keys` one by one (settling after each), settle again."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot, delay=delay)
        await settle(pilot, delay=FEE_DELAY + 0.1)  # the list's fees are priced after a pause
        await wait_until(pilot, lambda: fees_priced(pilot.app))
        for box in pilot.app.screen.query(Input):  # a blinking cursor would make the picture random
            box.cursor_blink = False
        await pilot.pause()

    return run


def app_for(database: Database, role: str = "admin", *, pick_role: bool = False) -> ConciergeApp:
    return desk(database, role, pick_role=pick_role)


class TestClientList:
    def test_client_list_80x24(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps())

    def test_client_list_120x40(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(120, 40), run_before=steps())

    def test_client_list_light_theme(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("ctrl+t"))

    def test_hiragana_finds_katakana_120x40(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        """まるやま typed at once (the filter is focused): the four マルヤマ clients; two-tier fees per visit."""
        assert snap_compare(app_for(demo_db), terminal_size=(120, 40), run_before=steps(*"まるやま", delay=0.3))

    def test_seat_inventory_120x40(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(120, 40), run_before=steps("down", "enter", "enter"))

    def test_client_list_filtered(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("slash", *"光陽", delay=0.3))


class TestClientDetail:
    def test_client_detail_80x24(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("down", "enter"))

    def test_client_detail_120x40(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(120, 40), run_before=steps("down", "enter"))


class TestOfficeAndSeats:
    def test_office_form_with_geocoding(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        keys = ("down", "enter", "o", *"本社", "tab", "tab", *"東京都新宿区西新宿1丁目5-1")
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps(*keys))

    def test_office_form_light_theme(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("ctrl+t", "down", "enter", "d"))

    def test_office_form_editing_keeps_the_stored_point(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("down", "enter", "d"))

    def test_seat_inventory(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("down", "enter", "enter"))

    def test_client_form_errors(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("down", "n", "ctrl+s"))


class TestShell:
    def test_role_picker(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db, pick_role=True), terminal_size=(80, 24), run_before=steps())

    def test_key_list(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db), terminal_size=(80, 24), run_before=steps("question_mark"))

    def test_key_list_120x40(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        """One line per action, no copy/focus noise, every screen's whole description."""
        assert snap_compare(app_for(demo_db), terminal_size=(120, 40), run_before=steps("question_mark"))

    def test_concierge_sees_only_their_clients(self, snap_compare: SnapCompare, demo_db: Database) -> None:
        assert snap_compare(app_for(demo_db, "concierge:K01"), terminal_size=(80, 24), run_before=steps("f2"))
