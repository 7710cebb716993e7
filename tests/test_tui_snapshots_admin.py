"""Snapshots of the admin screens at 80×24 on the seed-7 demo business, clock fixed at Wed 25 Nov 2026 10:00.

Look at the report before `--snapshot-update`: the concierge list with K01's detail, the contract list
with the earliest end, the cancel dialog of まちかどベーカリー (ends 2026-12-31), the quote of 中央設計事務所
(four clusters, two-tier recommended) and a bad PC count marked on the quote form.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from admin_host import AdminHost, demo_context, settle
from textual.pilot import Pilot
from textual.widgets import Input

from data.db import Database, make_engine, make_session_factory
from tui.screens.concierges import ConciergesScreen
from tui.screens.contracts import ContractsScreen
from tui.screens.quote import QuoteScreen

SIZE = (80, 24)


@pytest.fixture
def demo_sqlite(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """The demo business on SQLite only (snapshots are one picture, not one per backend)."""
    path = tmp_path / "admin.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield Database(url=f"sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


def app_for(database: Database, build: str, client_id: int | None = None) -> AdminHost:
    ctx = demo_context(database)
    screens = {
        "concierges": lambda: ConciergesScreen(ctx),
        "contracts": lambda: ContractsScreen(ctx, client_id=client_id),
        "quote": lambda: QuoteScreen(ctx, client_id=client_id),
    }
    return AdminHost(screens[build])


class TestConcierges:
    def test_list_with_detail(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """Nine concierges with skills, days (Mon–Fri style), hours; K01's home base and dedicated clients."""
        assert snap_compare(app_for(demo_sqlite, "concierges"), terminal_size=SIZE, run_before=settle)

    def test_list_with_detail_120x40(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """The same at 120×40: names whole (Emily Clark), the filter focused with its hint."""
        assert snap_compare(app_for(demo_sqlite, "concierges"), terminal_size=(120, 40), run_before=settle)

    def test_a_typed_word_only_filters(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """"english" typed on the list: three English speakers, no form or question opened by e/n."""

        async def typed(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press(*"english")
            await settle(pilot)

        assert snap_compare(app_for(demo_sqlite, "concierges"), terminal_size=SIZE, run_before=typed)

    def test_discard_question_on_a_changed_form(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """Escape on the concierge form after typing a name: "Discard your changes?", Keep editing focused."""

        async def discard(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("down", "n")
            await settle(pilot)
            await pilot.press(*"山田", "escape")
            await settle(pilot)

        assert snap_compare(app_for(demo_sqlite, "concierges"), terminal_size=SIZE, run_before=discard)


class TestContracts:
    def test_list_with_earliest_end(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """Forty contracts; the first one's plan, terms and earliest end of service (2026-12-31)."""
        assert snap_compare(app_for(demo_sqlite, "contracts"), terminal_size=SIZE, run_before=settle)

    def test_list_with_earliest_end_120x40(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """At 120×40: plan options in words (per office cluster, half units), notice in months."""
        assert snap_compare(app_for(demo_sqlite, "contracts"), terminal_size=(120, 40), run_before=settle)

    def test_cancel_dialog(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """c on まちかどベーカリー: the dialog says service ends 2026-12-31 and defaults to keeping it."""

        async def cancel(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("c")
            await pilot.pause()

        assert snap_compare(app_for(demo_sqlite, "contracts", client_id=1), terminal_size=SIZE, run_before=cancel)


class TestQuote:
    def test_quote_for_dispersed_client(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """中央設計事務所: nine offices in four clusters; two-tier recommended with the spot fee per visit."""
        assert snap_compare(app_for(demo_sqlite, "quote", client_id=8), terminal_size=SIZE, run_before=settle)

    def test_bad_pc_count_marked(self, snap_compare: Any, demo_sqlite: Database) -> None:
        """A negative PC count: the field is red, the reason under the offices, the fee line says why."""

        async def bad(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            pilot.app.screen.query_one("#o0-name", Input).value = "本社"
            pilot.app.screen.query_one("#o0-place", Input).value = "35.6812, 139.7671"
            pilot.app.screen.query_one("#o0-pcs", Input).value = "-3"
            await settle(pilot)
            pilot.app.screen.set_focus(None)  # no blinking cursor in the picture
            await pilot.pause()

        assert snap_compare(app_for(demo_sqlite, "quote"), terminal_size=SIZE, run_before=bad)
