"""Client, office and seat screens driven as a user would: filter, sort, add, edit, archive, bad forms."""

from __future__ import annotations

from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Label
from tui_desk import demo_db_fixture, demo_template_fixture, desk, fees_priced, settle, wait_until  # noqa: F401  (fixtures)

from data.db import Database
from data.models import Client, Office, Seat
from tui.app import ConciergeApp
from tui.screens.client_detail import ClientDetailScreen
from tui.screens.client_form import ClientFormScreen
from tui.screens.clients import FEE_DELAY, ClientsScreen
from tui.screens.office_form import OfficeFormScreen
from tui.screens.seat_form import SeatFormScreen
from tui.screens.seats import SeatsScreen
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.form import FormField


def names_in_list(app: ConciergeApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, ClientsScreen)
    return [r.name for r in screen.rows]


def field_error(app: ConciergeApp, name: str) -> str:
    return app.screen.query_one(f"#field-{name}", FormField).error


def count(database: Database, model: type[Client] | type[Office] | type[Seat]) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


async def test_typing_part_of_a_name_filters_the_list(demo_db: Database) -> None:
    """/ then "ベーカリー" leaves only the bakery; Escape clears the filter and brings everyone back."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"ベーカリー")
        await settle(pilot, delay=0.3)
        assert names_in_list(app) == ["株式会社まちかどベーカリー"]
        assert "1 client" in str(app.screen.query_one("#clients-status", Label).render())
        await pilot.press("escape")
        await settle(pilot, delay=0.3)
        assert len(names_in_list(app)) == 40


async def test_s_sorts_by_the_next_column(demo_db: Database) -> None:
    """Sorting by PCs puts the client with the most PCs first."""
    app = desk(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        screen.set_sort("pcs")
        await settle(pilot)
        pcs = [r.pcs for r in screen.rows]
        assert pcs == sorted(pcs, reverse=True)
        assert "sorted by pcs" in str(screen.query_one("#clients-status", Label).render())


async def test_seat_plan_clients_show_their_monthly_fee(demo_db: Database) -> None:
    """The Fee/month column shows a yen amount for seat-plan clients (priced after the rows appear)."""
    app = desk(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, delay=FEE_DELAY + 0.1)
        await wait_until(pilot, lambda: fees_priced(app))
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        seat_plan = [r for r in screen.rows if r.plan == "concierge_seats"]
        assert seat_plan and all(r.id in screen.fees and screen.fees[r.id].gross > 0 for r in seat_plan)
        table = screen.query_one("#clients", DataTable)
        cell = table.get_cell(str(seat_plan[0].id), "fee")
        assert str(cell).startswith("¥")


async def test_create_a_client_with_an_office_and_five_pcs(demo_db: Database) -> None:
    """New client → its detail → add an office by address (coordinates found) → 5 PCs, all saved."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "n")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        await pilot.press(*"テスト商事株式会社")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        assert "テスト商事株式会社" in str(app.screen.query_one("#client-name", Label).render())

        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, OfficeFormScreen)
        app.screen.query_one("#input-name", Input).value = "本社"
        app.screen.query_one("#input-address", Input).value = "東京都新宿区西新宿1丁目5-1"
        await settle(pilot, delay=0.5)
        found = str(app.screen.query_one("#geocode-result", Label).render())
        assert "Found: 35.69" in found and "town" in found
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)
        offices = app.screen.query_one("#offices", DataTable)
        assert offices.row_count == 1
        assert "35.69" in str(offices.get_row_at(0)[4])

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SeatsScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SeatFormScreen)
        app.screen.query_one("#input-count", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SeatsScreen)
        assert "5 PCs" in str(app.screen.query_one("#office-totals", Label).render())

    with demo_db.sessions() as session:
        client = session.scalars(select(Client).where(Client.name == "テスト商事株式会社")).one()
        office = client.offices[0]
        assert office.address == "東京都新宿区西新宿1丁目5-1"
        assert office.geocode_precision == "town"
        assert [(s.kind, s.os, s.count) for s in office.seats] == [("pc", "windows", 5)]


async def test_a_bad_form_shows_the_field_error_and_writes_nothing(demo_db: Database) -> None:
    """Saving a client without a name, or with a bad e-mail, marks that field and adds no client."""
    before = count(demo_db, Client)
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "n")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        assert field_error(app, "name") == "Required"
        app.screen.query_one("#input-name", Input).value = "正しい名前"
        app.screen.query_one("#input-email", Input).value = "not-an-address"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        assert field_error(app, "name") == ""
        assert "is not an e-mail address" in field_error(app, "email")
        assert app.screen.focused is app.screen.query_one("#input-email")
    assert count(demo_db, Client) == before


async def test_every_bad_field_of_a_form_is_marked_at_once(demo_db: Database) -> None:
    """No name, a bad e-mail and a bad phone saved together: all three fields are marked in one save, the
    message counts them, nothing is written."""
    before = count(demo_db, Client)
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "n")
        await settle(pilot)
        app.screen.query_one("#input-email", Input).value = "not-an-address"
        app.screen.query_one("#input-phone", Input).value = "03-" + "9" * 60
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        assert field_error(app, "name") == "Required"
        assert "is not an e-mail address" in field_error(app, "email")
        assert "Longer than 40 characters" in field_error(app, "phone")
        assert "3 fields" in str(app.screen.query_one("#form-message", Label).content)
    assert count(demo_db, Client) == before


async def test_a_bad_office_time_is_refused_at_the_field(demo_db: Database) -> None:
    """An office that closes before it opens is not saved; the message sits under "Closes"."""
    before = count(demo_db, Office)
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        app.screen.query_one("#input-name", Input).value = "倉庫"
        app.screen.query_one("#input-address", Input).value = "東京都江東区豊洲3丁目2-1"
        app.screen.query_one("#input-closes", Input).value = "08:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OfficeFormScreen)
        assert field_error(app, "closes") == "Must be after opens"
    assert count(demo_db, Office) == before


async def test_edit_a_client_and_see_the_new_name_in_the_list(demo_db: Database) -> None:
    """e on the highlighted client opens its form; the saved name shows in the list."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = names_in_list(app)[0]
        await pilot.press("down", "e")
        await settle(pilot)
        assert isinstance(app.screen, ClientFormScreen)
        name = app.screen.query_one("#input-name", Input)
        assert name.value == first
        name.value = first + "（新）"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert first + "（新）" in names_in_list(app)


async def test_someone_elses_change_offers_a_reload(demo_db: Database) -> None:
    """If another user saved the client meanwhile, Save says so and Reload shows their version."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ClientFormScreen)
        with demo_db.transaction() as session:
            client = session.get(Client, form.record_id)
            assert client is not None
            client.contact_person = "別の担当者"
        form.query_one("#input-name", Input).value = "私の変更"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "changed by someone else" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        now_showing: object = app.screen
        assert now_showing is form
        assert form.query_one("#input-contact_person", Input).value == "別の担当者"
        assert form.query_one("#input-name", Input).value != "私の変更"
    with demo_db.sessions() as session:
        assert session.scalar(select(func.count()).where(Client.name == "私の変更")) == 0


async def test_archive_asks_first_and_hides_the_client(demo_db: Database) -> None:
    """Archiving a client without a contract asks, then removes it from the list (H shows it again)."""
    with demo_db.transaction() as session:
        session.add(Client(code="C9999", name="あああ閉店商会", name_kana="アアアヘイテン"))
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert names_in_list(app)[0] == "あああ閉店商会"
        await pilot.press("down", "a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert names_in_list(app)[0] == "あああ閉店商会"
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "あああ閉店商会" not in names_in_list(app)
        await pilot.press("h")
        await settle(pilot)
        assert "あああ閉店商会" in names_in_list(app)
    with demo_db.sessions() as session:
        assert session.scalars(select(Client.active).where(Client.code == "C9999")).one() is False


async def test_a_client_under_contract_is_not_archived(demo_db: Database) -> None:
    """Archiving a client whose contract still runs is refused with a sentence; nothing changes."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = names_in_list(app)[0]
        await pilot.press("down", "a")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert first in names_in_list(app)
        assert any("cancel it before archiving" in n.message for n in app._notifications)


async def test_delete_a_seat_line_after_confirmation(demo_db: Database) -> None:
    """Del on a seat line asks first, then removes it and the totals follow."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SeatsScreen) and screen.office is not None
        lines = len(screen.office.seats)
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert screen.office is not None and len(screen.office.seats) == lines - 1


async def test_typing_on_the_list_starts_the_filter(demo_db: Database) -> None:
    """The list opens with the filter focused: a client code typed at once filters; ↓ goes to the list, Enter opens."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"C0001")
        await settle(pilot, delay=0.3)
        assert app.screen.query_one("#filter", Input).value == "C0001"
        assert names_in_list(app) == ["株式会社まちかどベーカリー"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen)


async def test_editing_an_office_keeps_its_point_unless_the_address_changes(demo_db: Database) -> None:
    """New hours keep the stored coordinates; a new address moves the office to the address's point."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, ClientDetailScreen) and detail.detail is not None
        office = detail.detail.offices[0]
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, OfficeFormScreen)
        app.screen.query_one("#input-closes", Input).value = "19:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        with demo_db.sessions() as session:
            stored = session.get(Office, office.id)
            assert stored is not None
            assert (stored.lat, stored.lon, stored.closes.hour) == (office.lat, office.lon, 19)
        await pilot.press("d")
        await settle(pilot)
        app.screen.query_one("#input-address", Input).value = "大阪府大阪市北区梅田1丁目1-3"
        await settle(pilot, delay=0.5)
        assert "Found: 34.7" in str(app.screen.query_one("#geocode-result", Label).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        with demo_db.sessions() as session:
            moved = session.get(Office, office.id)
            assert moved is not None and 34.6 < moved.lat < 34.8 and moved.geocode_precision in ("town", "municipality")


async def test_someone_elses_seat_change_offers_a_reload(demo_db: Database) -> None:
    """Two admins edit the same seat line: Save says someone else changed it, Reload shows their count,
    and nothing of mine is written (seat counts drive fees: no silent lost update)."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SeatsScreen)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SeatFormScreen) and form.record_id is not None
        with demo_db.transaction() as session:
            seat = session.get(Seat, form.record_id)
            assert seat is not None
            seat.count = 77
        form.query_one("#input-count", Input).value = "5"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "changed by someone else" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        now_showing: object = app.screen
        assert now_showing is form
        assert form.query_one("#input-count", Input).value == "77"
    with demo_db.sessions() as session:
        assert session.get(Seat, form.record_id).count == 77  # type: ignore[union-attr]
