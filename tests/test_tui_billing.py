"""Billing in the app (F8, admin only) on the seed-7 demo business, clock fixed at Wed 25 Nov 2026 10:00:
close a month (asked first, the safe answer focused, a worker with progress, cancellable, the summary),
the month's invoices, one invoice with its T-number and tax per rate, its export (the same bytes as
`concierge billing export`), the fee-limit answers, and the refusal for other roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from admin_host import settle
from sqlalchemy import select
from textual.widgets import Button, DataTable, Input, Label, OptionList, TabbedContent
from tui_desk import demo_db_fixture, demo_template_fixture, desk  # noqa: F401  (fixtures)

from data.billing import get_invoice
from data.billing_desk import limit_notices
from data.db import Database
from data.incidents import IncidentEntry, record_incident
from data.invoice_export import invoice_csv, invoice_document, invoice_markdown
from data.models import Client, ClosedMonth, Contract, Incident, Invoice
from tui.screens.billing import BillingScreen
from tui.screens.billing_dialogs import AskDialog, CloseProgressDialog, CloseSummaryDialog
from tui.screens.export_dialog import ExportDialog
from tui.screens.invoice import InvoiceScreen
from tui.text import clean

OCTOBER = dt.date(2026, 10, 1)


def closed(database: Database, month: dt.date = OCTOBER) -> bool:
    with database.transaction() as session:
        return session.get(ClosedMonth, month) is not None


def invoices_of(database: Database, month: dt.date = OCTOBER) -> int:
    with database.transaction() as session:
        return len(session.scalars(select(Invoice.id).where(Invoice.month == month)).all())


def text_of(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def open_billing(pilot: Any) -> BillingScreen:
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BillingScreen)
    return screen


async def close_october(pilot: Any) -> None:
    """c on 2026-10 (the newest ended month, highlighted first), Tab to the Close button, Enter."""
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, AskDialog)
    await pilot.press("tab", "enter")
    await settle(pilot)
    for _ in range(200):
        if isinstance(pilot.app.screen, CloseSummaryDialog):
            break
        await pilot.pause(0.05)
    assert isinstance(pilot.app.screen, CloseSummaryDialog)


async def test_close_list_open_export(demo_db: Database, tmp_path: Path) -> None:
    """The whole month end as an admin: close 2026-10, see its invoices, open one, export it (and a bad path is
    refused with one line under the field, writing nothing)."""
    with demo_db.transaction() as session:  # a name that is markup must reach the screens as typed
        session.scalars(select(Client).where(Client.code == "C0001")).one().name = "Tanaka [/inc] [b]商店"
    out = tmp_path / "out"
    out.mkdir()
    app = desk(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_billing(pilot)
        assert screen.query_one("#months", OptionList).has_focus
        assert "2026-10 is not closed yet" in text_of(app, "#month-state")
        await close_october(pilot)
        summary = text_of(app, "#summary-line")
        count = invoices_of(demo_db)
        assert count > 0 and closed(demo_db)
        assert f"2026-10 closed: {count} invoices" in summary
        await pilot.press("enter")  # OK
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)
        assert "2026-10 closed" in text_of(app, "#month-state")
        table = app.screen.query_one("#invoices", DataTable)
        assert table.row_count == count
        assert "Tanaka [/inc] [b]商店" in [str(table.get_row_at(i)[3]) for i in range(table.row_count)]

        await pilot.press("enter")  # from the month to its invoices
        await settle(pilot)
        assert table.has_focus
        await pilot.press("enter")  # the first invoice
        await settle(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        with demo_db.transaction() as session:
            document = invoice_document(session, get_invoice(session, app.screen.invoice_id))
        assert document["client"]["name"] == "Tanaka [/inc] [b]商店"
        assert document["number"] in text_of(app, "#invoice-title")
        assert document["issuer"]["registration_number"] in text_of(app, "#invoice-issuer")
        assert app.screen.query_one("#lines", DataTable).row_count == len(document["lines"])
        totals = text_of(app, "#totals")
        assert f"10%: net ¥{document['per_rate'][0]['net']:,}, tax ¥{document['per_rate'][0]['tax']:,}" in totals
        assert f"¥{document['gross_total']:,}" in totals

        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        path_input = app.screen.query_one("#input-path", Input)
        path_input.value = str(out)  # a folder
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        assert "is a folder; add a file name" in app.screen.query_one("#field-path").error  # type: ignore[attr-defined]
        path_input.value = str(out / "missing" / "x.md")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "does not exist" in app.screen.query_one("#field-path").error  # type: ignore[attr-defined]
        assert not list(out.iterdir())

        target = out / "invoice.md"
        path_input.value = str(target)
        await pilot.press("enter")  # in the File field: writes, as Ctrl+S does
        await settle(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        assert target.read_text(encoding="utf-8") == invoice_markdown(document)

        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#input-format").value = "csv"  # type: ignore[attr-defined]
        await pilot.pause()
        csv_file = out / f"{document['number']}.csv"  # the folder of the last export, the invoice's name
        assert app.screen.query_one("#input-path", Input).value == str(csv_file)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert csv_file.read_bytes() == invoice_csv(document).encode("utf-8-sig")  # as `billing export --csv` writes it


async def test_keys_typed_fast_never_close_a_month(demo_db: Database) -> None:
    """`c` then Enter or `y` at once: the question's focused answer is Cancel and there is no one-key yes."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_billing(pilot)
        await pilot.press("c", "y", "enter")
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#ask-no", Button)
        await pilot.press("escape")
        await settle(pilot)
        assert not closed(demo_db) and invoices_of(demo_db) == 0


async def test_cancelled_close_writes_nothing(demo_db: Database) -> None:
    """Escape while closing: the transaction is rolled back, no invoice, the month still open."""
    app = desk(demo_db)
    outcome: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await open_billing(pilot)
        dialog = CloseProgressDialog(app.ctx, OCTOBER)
        dialog.stop.set()  # as if Escape came before the first contract
        app.push_screen(dialog, outcome.append)
        await settle(pilot)
        assert outcome == [None]
    assert not closed(demo_db) and invoices_of(demo_db) == 0


async def test_the_progress_dialog_reports_each_contract(demo_db: Database) -> None:
    """The worker posts one progress step per contract and the bar ends full."""
    app = desk(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_billing(pilot)
        steps: list[tuple[int, int]] = []

        class Recording(CloseProgressDialog):
            def on_close_progress_dialog_progress(self, message: CloseProgressDialog.Progress) -> None:
                steps.append((message.done, message.total))

        app.push_screen(Recording(app.ctx, OCTOBER))
        await settle(pilot)
        for _ in range(200):  # the last steps and the dismissal land after the worker ends
            if isinstance(app.screen, BillingScreen):
                break
            await pilot.pause(0.05)
    total = invoices_of(demo_db)
    assert total > 0 and steps and steps[-1] == (total, total)


@pytest.mark.parametrize("role", ["dispatcher", "concierge:K01"])
async def test_other_roles_cannot_open_billing(role: str, demo_db: Database) -> None:
    """F8 as a dispatcher or concierge: no Billing screen, one line saying why; built anyway, it shows nothing."""
    app = desk(demo_db, role)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert not isinstance(app.screen, BillingScreen)
        messages = [n.message for n in app._notifications]
        assert any("billing is for admins" in m for m in messages), messages
        app.push_screen(BillingScreen(app.ctx))
        await settle(pilot)
        assert "billing is for admins" in text_of(app, "#billing-title")
        assert not app.screen.query_one("#billing-tabs", TabbedContent).display
        await pilot.press("c")
        await settle(pilot)
        assert not closed(demo_db)


async def test_fee_limit_answer_is_recorded_and_a_stale_one_refused(demo_db: Database) -> None:
    """Enter on a notice, then Continue: the continuation is stored; a notice changed meanwhile is refused."""
    with demo_db.transaction() as session:  # an open incident of level 5 whose own limit is 0: the client must answer
        contract = session.scalars(select(Contract).where(Contract.plan == "support_incidents", Contract.status == "active")
                                   .order_by(Contract.id)).first()
        assert contract is not None
        entry = IncidentEntry(client_id=contract.client_id, opened_at=dt.datetime(2026, 11, 20, 9, 0), level="5",
                              fee_limit=Decimal(0), person="Tanaka [/b]", description="サーバー停止 [red]")
        incident_id = record_incident(session, entry, now=dt.datetime(2026, 11, 25, 10, 0)).incident_id
        notices = limit_notices(session, dt.datetime(2026, 11, 25, 10, 0))
    first = next(n for n in notices if n.incident_id == incident_id)
    app = desk(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_billing(pilot)
        tabs = screen.query_one("#billing-tabs", TabbedContent)
        assert str(tabs.get_tab("tab-notices").label) == f"Fee-limit notices ({len(notices)})"
        tabs.active = "tab-notices"
        await pilot.pause()
        screen.query_one("#notices", DataTable).focus()
        with demo_db.transaction() as session:  # someone else touches the incident after the list was read
            incident = session.get(Incident, first.incident_id)
            assert incident is not None
            incident.description = clean(incident.description) + " (edited)"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("tab", "tab", "enter")  # Not yet → Stop → Continue
        await settle(pilot)
        with demo_db.transaction() as session:
            assert not session.get(Incident, first.incident_id).continuation_approved  # type: ignore[union-attr]
        assert any("changed by someone else" in n.message for n in app._notifications)

        await pilot.press("enter")  # the list was reloaded with the new version
        await pilot.pause()
        await pilot.press("tab", "tab", "enter")
        await settle(pilot)
        with demo_db.transaction() as session:
            assert session.get(Incident, first.incident_id).continuation_approved  # type: ignore[union-attr]
