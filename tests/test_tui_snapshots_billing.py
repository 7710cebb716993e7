"""Snapshots of billing in the app on the seed-7 demo business, clock fixed at Wed 25 Nov 2026 10:00, with
2026-10 closed: the Billing screen at 80×24 and 120×40 (months on the left, October's invoices), one invoice
at 80×24 (lines, T-number, tax per rate, totals) and a client's saved quotes at 80×24."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from admin_host import NOW, AdminHost, demo_context, settle
from sqlalchemy import select
from textual.pilot import Pilot

from data.billing import close_month
from data.db import Database, make_engine, make_session_factory
from data.models import Client, Invoice
from data.quotes import client_quote_inputs, save_quote
from pricing.quote import quote
from pricing.tariff import load_tariff
from tui.context import AppContext
from tui.screens.billing import BillingScreen
from tui.screens.invoice import InvoiceScreen
from tui.screens.saved_quotes import SavedQuotesScreen


@pytest.fixture
def closed_october(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Database, AppContext]]:
    path = tmp_path / "billing.sqlite3"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    database = Database(url=f"sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))
    ctx = demo_context(database)
    with database.transaction() as session:
        close_month(session, "2026-10", now=NOW)
        client = session.scalars(select(Client).where(Client.code == "C0008")).one()
        offices, options = client_quote_inputs(session, client.id, today=NOW.date())
        save_quote(session, quote(offices, options, load_tariff()), client.id, now=NOW.replace(hour=9))
    yield database, ctx
    engine.dispose()


async def focus_invoices(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_billing_screen(snap_compare: Any, closed_october: tuple[Database, AppContext], size: tuple[int, int]) -> None:
    """2026-10 closed with its invoices and total; 2026-09 and older open; the notices tab counted."""
    _, ctx = closed_october
    assert snap_compare(AdminHost(lambda: BillingScreen(ctx)), terminal_size=size, run_before=focus_invoices)


def test_invoice(snap_compare: Any, closed_october: tuple[Database, AppContext]) -> None:
    """中央設計事務所's October invoice: lines with tax rate, the issuer's T-number, 10% net and tax, total."""
    database, ctx = closed_october
    with database.transaction() as session:
        invoice_id = session.scalars(select(Invoice.id).where(Invoice.number == "INV-202610-00008")).one()
    assert snap_compare(AdminHost(lambda: InvoiceScreen(ctx, invoice_id)), terminal_size=(80, 24), run_before=settle)


def test_saved_quotes(snap_compare: Any, closed_october: tuple[Database, AppContext]) -> None:
    """Every saved quote, newest first: number, when, client, monthly fee, plan."""
    _, ctx = closed_october
    assert snap_compare(AdminHost(lambda: SavedQuotesScreen(ctx)), terminal_size=(80, 24), run_before=settle)
