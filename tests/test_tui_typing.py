"""Typing never runs an action: letters go to the focused filter, one-key actions fire only on the list,
and a dialog or form opened by a key ignores the rest of the burst (tui.list_keys, tui.keyguard)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Input
from tui_desk import demo_db_fixture, demo_template_fixture, desk, settle  # noqa: F401  (fixtures)

from data.db import Database
from data.models import Client
from tui.screens.client_form import ClientFormScreen
from tui.screens.clients import ClientsScreen
from tui.screens.concierges import ConciergesScreen
from tui.widgets.confirm import ConfirmDialog


def clients_state(database: Database) -> list[tuple[str, str, bool]]:
    with database.sessions() as session:
        return [tuple(r) for r in session.execute(select(Client.code, Client.name, Client.active).order_by(Client.code))]  # type: ignore[misc]


@pytest.mark.parametrize("word", ["sayaka", "english", "maruyama", "quench", "hana"])
async def test_a_word_typed_on_the_client_list_only_filters(demo_db: Database, word: str) -> None:
    """The list opens with the filter focused: a word full of action keys (s sort, a archive, e edit, n new,
    q quote, h archived) lands in the filter whole and changes nothing else."""
    before = clients_state(demo_db)
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        await pilot.press(*word)
        await settle(pilot, delay=0.3)
        assert app.screen is screen  # no dialog, no form, no quote screen
        assert screen.query_one("#filter", Input).value == word
        assert (screen.sort, screen.descending, screen.show_archived) == ("name", False, False)
    assert clients_state(demo_db) == before


async def test_slash_on_the_list_gives_the_letters_back_to_the_filter(demo_db: Database) -> None:
    """On the list `/` focuses the filter; the next word filters instead of editing or archiving."""
    before = clients_state(demo_db)
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("down")  # the filter hands over to the list
        assert screen.query_one("#clients", DataTable).has_focus
        await pilot.press("slash", *"english")
        await settle(pilot, delay=0.3)
        assert app.screen is screen and screen.query_one("#filter", Input).value == "english"
    assert clients_state(demo_db) == before


async def test_hiragana_in_the_client_filter_finds_the_katakana_client(demo_db: Database) -> None:
    """まるやま (what an IME types first) finds the clients written マルヤマ; half-width ﾏﾙﾔﾏ too."""
    with demo_db.transaction() as session:
        session.add(Client(code="C9001", name="株式会社マルヤマ", name_kana="マルヤマ"))
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        await pilot.press(*"まるやま")
        await settle(pilot, delay=0.3)
        hiragana = [r.code for r in screen.rows]
        assert "C9001" in hiragana
        screen.query_one("#filter", Input).value = "ﾏﾙﾔﾏ"
        await settle(pilot, delay=0.3)
        assert [r.code for r in screen.rows] == hiragana


async def test_a_confirm_opened_by_a_key_ignores_the_y_typed_in_the_same_burst(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`a` then `y` at typing speed leaves "Archive …?" open; after a pause `y` is an answer again."""
    monkeypatch.setattr("tui.keyguard.GUARD_SECONDS", 60.0)  # a loaded CI machine takes seconds per key
    with demo_db.transaction() as session:
        session.add(Client(code="C9999", name="あああ閉店商会", name_kana="アアアヘイテン"))
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "a", "y")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        dialog.key_guard_until = time.monotonic()  # the person paused: the guard is over
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
    with demo_db.sessions() as session:
        assert session.scalars(select(Client.active).where(Client.code == "C9999")).one() is False


async def test_an_edit_form_opened_by_a_key_keeps_the_name_typed_after_it(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`e` on the list then `nglish` at typing speed: the form opens and the pre-filled name is intact."""
    monkeypatch.setattr("tui.keyguard.GUARD_SECONDS", 60.0)  # a loaded CI machine takes seconds per key
    before = clients_state(demo_db)
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", *"english")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ClientFormScreen)
        assert all("nglish" not in i.value for i in form.query(Input))
        await pilot.press("escape")
        await settle(pilot)
    assert clients_state(demo_db) == before


async def test_a_letter_that_is_no_key_on_the_list_says_how_to_filter(demo_db: Database) -> None:
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "m")
        await settle(pilot)
        assert any("press / to type in the filter" in n.message for n in app._notifications)
        assert app.screen.query_one("#filter", Input).value == ""


async def test_a_key_refused_for_the_role_says_why(demo_db: Database) -> None:
    """A dispatcher pressing `n` on the client list reads one line naming who may add clients."""
    app = desk(demo_db, "dispatcher")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        await pilot.press("down", "n")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("New: ") and "admin" in m for m in messages), messages


async def test_a_word_typed_on_the_concierge_list_only_filters(demo_db: Database) -> None:
    """`n`, `e` and `d` inside a typed word go to the filter on the concierge list too."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open("concierges")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConciergesScreen)
        await pilot.press(*"network dev")
        await settle(pilot, delay=0.3)
        assert app.screen is screen and screen.query_one("#filter", Input).value == "network dev"


async def test_question_mark_in_an_empty_filter_still_lists_the_keys(demo_db: Database) -> None:
    """`?` on a list just opened (filter focused, empty) opens the key list without duplicate or noise lines."""
    from textual.widgets import Static

    from tui.screens.help import HelpScreen

    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys-here", DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        does = [what for _, what in rows]
        assert len(does) == len(set(does)), rows
        assert not any("Copy selected text" in what or "super" in key for key, what in rows), rows
        screens = [str(s.render()) for s in app.screen.query(".help-screen").results(Static)]
        assert any("Contracts: Plans, start months, service hours, cancellation" in s for s in screens), screens


async def test_the_readme_tour_opens_the_client_typed_in_the_filter(demo_db: Database) -> None:
    """README's first tour: type ベーカリー on the client list, Enter opens it, `o` adds an office."""
    from tui.screens.client_detail import ClientDetailScreen
    from tui.screens.office_form import OfficeFormScreen

    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"ベーカリー")
        await settle(pilot, delay=0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen) and app.screen.detail is not None
        assert app.screen.detail.name == "株式会社まちかどベーカリー"
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OfficeFormScreen)
