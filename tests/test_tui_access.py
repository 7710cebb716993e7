"""The app's walls on SQLite (one user, the role is a choice): the dispatcher reads concierges but does not
change them, and a refusal nobody caught is one line, not the end of the app."""

from __future__ import annotations

import pytest
from tui_desk import demo_db_fixture, demo_template_fixture, desk, settle  # noqa: F401  (fixtures)

from data.db import Database
from data.errors import AccessDenied
from tui.screens.concierge_form import ConciergeFormScreen
from tui.screens.concierges import ConciergesScreen
from tui.screens.day import DayScreen


@pytest.mark.parametrize("role", ["admin", "dispatcher"])
async def test_only_the_admin_adds_edits_or_deactivates_concierges(role: str, demo_db: Database) -> None:
    """F5 as the dispatcher: the list and its detail, no New/Edit/(De)activate keys, `n` opens nothing; the
    admin's `n` opens the form."""
    app = desk(demo_db, role)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConciergesScreen)
        await pilot.press("down")  # from the filter to the list, where the one-letter keys work
        shown = {b.binding.description for b in app.active_bindings.values() if b.enabled and b.binding.show}
        assert ({"New", "Edit", "(De)activate"} <= shown) == (role == "admin")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ConciergeFormScreen) == (role == "admin")


async def test_a_refusal_nobody_caught_is_a_notification(demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """An AccessDenied escaping a screen's handler is shown as its sentence; the app keeps running."""
    sentence = "you are signed in as k01, a concierge: the database does not let you read invoices"

    def refused(self: DayScreen) -> None:
        raise AccessDenied(sentence)

    monkeypatch.setattr(DayScreen, "action_today", refused)
    app = desk(demo_db, "concierge:K01")
    shown: list[str] = []
    original = app.notify
    monkeypatch.setattr(app, "notify", lambda message, **kw: (shown.append(message), original(message, **kw))[1])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert sentence in shown and app.is_running and isinstance(app.screen, DayScreen)


async def test_a_refusal_naming_markup_like_text_shows_it_as_typed(demo_db: Database) -> None:
    """A concierge code such as `K[/]1` is data: the refusal naming it is shown as typed, the app survives."""
    from sqlalchemy import update

    from data.models import Concierge

    with demo_db.transaction() as session:
        session.execute(update(Concierge).where(Concierge.code == "K01").values(code="K[/]1"))
    app = desk(demo_db, "concierge:K[/]1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        refusal = list(app._notifications)[-1]
        assert app.is_running and refusal.message == "you are using the app as concierge K[/]1: contracts are for admins"
        assert not refusal.markup  # shown as typed; as markup, `[/]` would end the app with a MarkupError
        with demo_db.transaction() as session:  # renamed meanwhile: the day's title says it is not found
            session.execute(update(Concierge).where(Concierge.code == "K[/]1").values(code="K01"))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.is_running and "concierge 'K[/]1' not found" in str(app.screen.query_one("#day-title").render())
