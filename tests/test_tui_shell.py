"""The app shell: role picker, home screen per role, what each role may reach, keys, palette, theme."""

from __future__ import annotations

from sqlalchemy import select
from textual.command import CommandPalette
from textual.widgets import DataTable, OptionList
from tui_desk import NOW, demo_db_fixture, demo_template_fixture, desk, settle  # noqa: F401  (fixtures)

from data.db import Database
from data.models import Client, Concierge
from data.queries import list_clients
from tui.context import AppContext, Role
from tui.navigation import NotAvailable, build, offered
from tui.screens.client_detail import ClientDetailScreen
from tui.screens.clients import ClientsScreen
from tui.screens.help import HelpScreen
from tui.screens.role_picker import RolePickerScreen


async def test_without_a_role_the_picker_comes_first_and_decides_the_home_screen(demo_db: Database) -> None:
    """Started without --as, the app asks who is using it; the dispatcher lands on the dispatch board."""
    app = desk(demo_db, pick_role=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RolePickerScreen)
        options = app.screen.query_one(OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0].startswith("Admin") and labels[1].startswith("Dispatcher")
        assert any("K01" in label for label in labels)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.ctx.role == Role("dispatcher")
        assert type(app.screen).__name__ == "BoardScreen"


async def test_admin_starts_on_the_client_list(demo_db: Database) -> None:
    """The admin's home is the client list with every demo client."""
    app = desk(demo_db, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert app.screen.query_one("#clients", DataTable).row_count == 40
        assert "40 clients" in str(app.screen.query_one("#clients-status").render())


async def test_function_keys_open_screens_and_escape_goes_back(demo_db: Database) -> None:
    """F5 opens the concierges, Escape returns to the client list."""
    app = desk(demo_db, "admin")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConciergesScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)


async def test_concierge_cannot_reach_billing_or_other_concierges(demo_db: Database) -> None:
    """A concierge is offered neither contracts, quotes nor the concierge list, and asking for them is refused."""
    role = Role("concierge", "K01")
    names = {d.name for d in offered(role)}
    assert not names & {"contracts", "quote", "concierges", "quote-client", "board"}
    app = desk(demo_db, "concierge:K01")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        for key in ("f5", "f6", "f7", "f3"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is home
        app.open("contracts")
        await settle(pilot)
        assert app.screen is home
        assert any(n.message == "you are using the app as concierge K01: contracts are for admins" for n in app._notifications)


async def test_concierge_sees_only_the_clients_they_serve(demo_db: Database) -> None:
    """The client list of concierge K01 holds only K01's clients, without fees; others' clients cannot be opened."""
    with demo_db.sessions() as session:
        served = list_clients(session, served_by="K01", limit=1000)
        everyone = list_clients(session, limit=1000)
        other = next(r for r in everyone.rows if r.id not in {s.id for s in served.rows})
    assert 0 < served.total < everyone.total
    app = desk(demo_db, "concierge:K01")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        table = app.screen.query_one("#clients", DataTable)
        assert table.row_count == served.total
        assert "fee" not in [str(c.value) for c in table.columns]
        app.open("open-client", client_id=other.id)
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert "not one you serve" in str(app.screen.query_one("#client-name").render())
        assert app.screen.detail is None


async def test_question_mark_lists_the_keys_of_the_screen(demo_db: Database) -> None:
    """? opens the full key list, with this screen's keys and every screen of the role."""
    app = desk(demo_db, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        here = app.screen.query_one("#keys-here", DataTable)
        rows = [[str(c) for c in here.get_row_at(i)] for i in range(here.row_count)]
        assert ["n", "New"] in rows and ["/", "Filter"] in rows and ["↓/Enter", "To the list"] in rows
        screens = [str(s.render()) for s in app.screen.query(".help-screen")]
        assert any("Quote:" in s for s in screens) and any("Contracts:" in s for s in screens)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)


async def test_theme_toggles_between_dark_and_light(demo_db: Database) -> None:
    """Ctrl+T switches to the light theme and back."""
    app = desk(demo_db, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        assert not app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark


async def test_palette_offers_screens_actions_and_clients_by_name(demo_db: Database) -> None:
    """Ctrl+P lists "New visit request" and finds a client by part of its name; choosing it opens the client."""
    app = desk(demo_db, "admin")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"request")
        await settle(pilot, delay=0.5)
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("New visit request" in p for p in prompts)
        for _ in "request":
            await pilot.press("backspace")
        await pilot.press(*"まちかど")
        await settle(pilot, delay=0.5)
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any("Open client: 株式会社まちかどベーカリー" in p for p in prompts)
        index = next(i for i, p in enumerate(prompts) if "Open client: 株式会社まちかどベーカリー" in p)
        options.highlighted = index
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert "まちかどベーカリー" in str(app.screen.query_one("#client-name").render())


def test_a_screen_missing_from_the_build_is_reported_not_crashed(demo_db: Database) -> None:
    """A registry entry whose module is not there yet raises NotAvailable (the app turns it into a notice)."""
    ctx = AppContext(demo_db, Role("admin"), clock=lambda: NOW)
    try:
        build("tui.screens.not_written_yet:Nothing", ctx)
    except NotAvailable as exc:
        assert "not in this build yet" in str(exc)
    else:
        raise AssertionError("expected NotAvailable")


async def test_unknown_concierge_role_is_refused_with_a_sentence(demo_db: Database) -> None:
    """--as concierge:K99 names no concierge: run_app stops with a sentence before opening the app."""
    from data.errors import DataError
    from tui.app import run_app

    with demo_db.sessions() as session:
        assert session.scalar(select(Concierge).where(Concierge.code == "K99")) is None
        assert session.scalar(select(Client).limit(1)) is not None
    try:
        run_app(demo_db.url.removeprefix("sqlite:///"), "concierge:K99")
    except DataError as exc:
        assert "--as concierge:K99: concierge 'K99' not found" in str(exc)
    else:
        raise AssertionError("expected DataError")


def test_concierge_role_by_full_name_or_code(demo_db: Database) -> None:
    """--as concierge:NAME (as the issue writes it) and concierge:k01 both mean that concierge's code."""
    from tui.app import resolve_role

    with demo_db.sessions() as session:
        k01 = session.scalars(select(Concierge).where(Concierge.code == "K01")).one()
    assert resolve_role(demo_db, f"concierge:{k01.name}") == Role("concierge", "K01")
    assert resolve_role(demo_db, "concierge:k01") == Role("concierge", "K01")
    assert resolve_role(demo_db, "dispatcher") == Role("dispatcher")


async def test_open_client_asks_for_a_name_first(demo_db: Database) -> None:
    """"Open client…" (palette) asks for part of a name; Enter opens the first match."""
    from textual.widgets import Input

    from tui.screens.client_picker import ClientPickerScreen

    app = desk(demo_db, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open("open-client")
        await settle(pilot)
        assert isinstance(app.screen, ClientPickerScreen)
        app.screen.query_one("#client-search", Input).value = "ベーカリー"
        await settle(pilot)
        assert "1 matching client" in str(app.screen.query_one("#client-count").render())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert "まちかどベーカリー" in str(app.screen.query_one("#client-name").render())
