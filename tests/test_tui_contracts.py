"""The contracts screen as an admin uses it: read the earliest end, cancel with confirmation, bad forms, new plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from admin_host import AdminHost, demo_context, settle, until
from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, SelectionList, Static

from data.db import Database
from data.models import Contract
from tui.screens.contract_cancel import CancelContractDialog
from tui.screens.contract_form import ContractFormScreen
from tui.screens.contracts import ContractsScreen
from tui.widgets.form import FormField

SIZE = (110, 40)
BAKERY = 1
"""C0001 株式会社まちかどベーカリー: seat plan since 2026-02 (demo seed 7)."""
WAKABA = 11
"""C0011 若葉設計事務所: seat plan since 2026-11, still inside its 3-month minimum."""


def _host(database: Database, client_id: int | None = None) -> AdminHost:
    ctx = demo_context(database)
    return AdminHost(lambda: ContractsScreen(ctx, client_id=client_id))


async def _settle(app: AdminHost, pilot: Pilot[None]) -> None:
    await settle(pilot)


def _field(screen: Screen[Any], name: str) -> FormField:
    return screen.query_one(f"#field-{name}", FormField)


def _contracts(database: Database, client_id: int) -> list[tuple[str, dt.date, str, dt.date | None]]:
    with database.sessions() as s:
        rows = s.scalars(select(Contract).where(Contract.client_id == client_id).order_by(Contract.start_month))
        return [(c.plan, c.start_month, c.status, c.cancelled_effective) for c in rows]


async def test_cancel_shows_earliest_date_and_asks_first(database: Database) -> None:
    """Notice given on 25 November ends the service on 31 December; Escape keeps it, the button cancels."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert "株式会社まちかどベーカリー" in str(screen.query_one("#title").render())
        assert "Earliest end of service: 2026-12-31" in str(screen.query_one("#detail", Static).render())
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CancelContractDialog)
        assert "Earliest end of service: 2026-12-31" in str(dialog.query_one("#terms", Static).render())
        await pilot.press("escape")
        await _settle(app, pilot)
        assert _contracts(database, BAKERY) == [("concierge_seats", dt.date(2026, 2, 1), "active", None)]
        await pilot.press("c")
        await pilot.pause()
        await pilot.click("#confirm")
        await _settle(app, pilot)
        table = app.screen.query_one("#table", DataTable)
        assert table.get_row_at(0)[4:6] == ["cancelled", "2026-12-31"]
    assert _contracts(database, BAKERY) == [("concierge_seats", dt.date(2026, 2, 1), "cancelled", dt.date(2027, 1, 1))]


async def test_minimum_term_decides_for_a_new_contract(database: Database) -> None:
    """A contract started in November cannot end before January 31 (3-month minimum)."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"若葉")
        await _settle(app, pilot)
        await pilot.press("down")
        table = app.screen.query_one("#table", DataTable)
        assert table.row_count == 1 and table.get_row_at(0)[5] == "2027-01-31"
        assert "minimum term" in str(app.screen.query_one("#detail", Static).render())


async def test_too_early_end_month_is_refused_under_the_field(database: Database) -> None:
    """Typing an end month inside the notice period shows why under the field; nothing is written."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        listing = app.screen
        await pilot.press("c")
        await until(pilot, lambda: app.screen is not listing and bool(app.screen.query("#field-effective")))
        dialog = app.screen
        _field(dialog, "effective").value = "2026-12"
        await until(pilot, lambda: "earliest" in _field(dialog, "effective").error)
        assert "earliest is 2027-01" in _field(dialog, "effective").error
        await pilot.click("#confirm")
        await pilot.pause()
        assert app.screen is dialog
        assert _contracts(database, BAKERY)[0][2] == "active"
        _field(dialog, "effective").value = "2027-04"
        await until(pilot, lambda: "2027-03-31" in str(dialog.query_one("#terms", Static).render()))
        assert "Service ends 2027-03-31" in str(dialog.query_one("#terms", Static).render())
        await pilot.click("#confirm")
        await _settle(app, pilot)
    assert _contracts(database, BAKERY)[0][3] == dt.date(2027, 4, 1)


async def test_bad_start_month_shows_field_error_and_writes_nothing(database: Database) -> None:
    """A start month "2027-13" is named under Start month and no contract is added."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        _field(form, "start_month").value = "2027-13"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "not a real date" in _field(form, "start_month").error
        _field(form, "start_month").value = "2026-12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "already has a contract running from 2026-02" in _field(form, "start_month").error
    with database.sessions() as s:
        assert s.scalar(select(func.count(Contract.id))) == 40


async def test_follow_up_incident_contract_after_cancellation(database: Database) -> None:
    """After cancelling, a monthly incident plan from January is saved with its incident limit."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.click("#confirm")
        await _settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert "まちかどベーカリー" in str(form.query_one("#client-name").render())
        assert _field(form, "max_incidents").display is False
        _field(form, "plan").value = "support_incidents"
        await pilot.pause()
        assert _field(form, "max_incidents").display is True and _field(form, "rounding").display is False
        _field(form, "start_month").value = "2027-01"
        _field(form, "billing").value = "monthly"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Required for monthly billing" in _field(form, "max_incidents").error
        _field(form, "max_incidents").value = "2"
        form.query_one("#service-hours", SelectionList).select("saturday")
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.screen.query_one("#table", DataTable).row_count == 2
    assert _contracts(database, BAKERY)[1] == ("support_incidents", dt.date(2027, 1, 1), "active", None)
    with database.sessions() as s:
        new = s.scalars(select(Contract).where(Contract.client_id == BAKERY).order_by(Contract.id.desc())).first()
        assert new is not None and new.service_hours == ["saturday"] and new.options["max_incidents"] == 2


async def test_edit_conflict_offers_reload(database: Database) -> None:
    """Someone else edited the contract meanwhile: the save is refused with a Reload button."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        assert _field(form, "start_month").value == "2026-02"
        with database.transaction() as s:
            contract = s.get(Contract, BAKERY)
            assert contract is not None
            contract.service_hours = ["saturday"]
        form.query_one("#service-hours", SelectionList).select("evening")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "changed by someone else" in str(form.query_one("#conflict-text", Static).render())
        await pilot.click("#reload")
        await pilot.pause()
        assert form.query_one("#service-hours", SelectionList).selected == ["saturday"]


async def test_withdraw_a_cancellation_after_confirming(database: Database) -> None:
    """w on a cancelled contract asks first; "y" makes it run on with no end date."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.click("#confirm")
        await _settle(app, pilot)
        assert "w: withdraw" in str(app.screen.query_one("#detail", Static).render())
        await pilot.press("w", "n")
        await _settle(app, pilot)
        assert _contracts(database, BAKERY)[0][2] == "cancelled"
        await pilot.press("w", "y")
        await _settle(app, pilot)
        assert app.screen.query_one("#table", DataTable).get_row_at(0)[4] == "active"
    assert _contracts(database, BAKERY) == [("concierge_seats", dt.date(2026, 2, 1), "active", None)]


async def test_new_contract_from_the_full_list_names_the_client_by_code(database: Database) -> None:
    """From the list of all contracts, a new contract asks for the client code and checks it."""
    app = _host(database)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("down", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        _field(form, "client").value = "C9999"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Unknown client 'C9999'" in _field(form, "client").error
    with database.sessions() as s:
        assert s.scalar(select(func.count(Contract.id))) == 40


async def test_cancel_after_someone_else_edited_is_refused(database: Database) -> None:
    """The contract changed while the dialog was open: nothing is cancelled and the list shows their version."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        with database.transaction() as s:
            contract = s.get(Contract, BAKERY)
            assert contract is not None
            contract.service_hours = ["evening"]
        await pilot.click("#confirm")
        await _settle(app, pilot)
        assert isinstance(app.screen, ContractsScreen)
        assert app.screen.query_one("#table", DataTable).get_row_at(0)[3] == "eve"
        assert any("Someone else changed this contract" in str(n.message) for n in app._notifications)
    assert _contracts(database, BAKERY)[0][2] == "active"


async def test_notice_received_earlier_counts_from_its_day(database: Database) -> None:
    """A letter that arrived on 31 October ends the service on 30 November; a future day is refused."""
    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        _field(dialog, "requested_on").value = "2026-12-01"
        await pilot.pause()
        assert "in the future" in _field(dialog, "requested_on").error
        _field(dialog, "requested_on").value = "2026-10-31"
        await pilot.pause()
        assert "Earliest end of service: 2026-11-30" in str(dialog.query_one("#terms", Static).render())
        await pilot.click("#confirm")
        await _settle(app, pilot)
    assert _contracts(database, BAKERY)[0][3] == dt.date(2026, 12, 1)


async def test_contract_saved_by_someone_else_meanwhile_is_refused_under_start_month(
    database: Database, monkeypatch: Any
) -> None:
    """Another admin's contract for the same client committed after this form's check ran (the race
    window, simulated by skipping the check): the database refuses and the reason is under Start month."""
    import data.contracts

    app = _host(database, BAKERY)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContractFormScreen)
        monkeypatch.setattr(data.contracts, "_overlapping", lambda *_args: None)
        _field(form, "start_month").value = "2026-12"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "already has a contract running in this period" in _field(form, "start_month").error
    with database.sessions() as s:
        assert s.scalar(select(func.count(Contract.id))) == 40
