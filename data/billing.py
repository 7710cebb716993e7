"""Closing a billing month: one invoice per billed contract, then the month is locked.

`close_month(session, month, today=...)` is the whole `concierge billing close YYYY-MM`:

- every contract billed in the month (started on or before it; not cancelled before it) gets one
  invoice numbered `INV-YYYYMM-<contract id>`, dated the first business day of the next month
  (weekends, Japanese public holidays via jpholiday, and the bank holidays 31 Dec - 3 Jan are not business
  days), due one calendar month after that (the next business day if that one is not);
- seat plans: the monthly base fee priced by `pricing` from the seats on record now (clusters, units,
  surcharges for the contract's service hours), spot visits of two-tier contracts (done routine visits),
  non-routine work (done visits of non-routine requests) billed by the hour;
- incident plans: the monthly fee, or the annual fee in the contract's billing month (its start month
  and every 12 months on), one line per incident closed in the month (feather and absorbed incidents as
  ¥0 lines, capped fees say so), カルテ creation lines;
- totals per tax rate by `pricing` (tax rounded down once per rate per invoice);
- a `ClosedMonth` row locks the month (see data/locks.py).

Dates (business days, issue and due dates) live in data/billing_calendar.py, the invoice lines of each
plan in data/invoice_lines.py.

Closing races nothing: it first takes the month's lock (data/advisory.py), so a work slip or incident of
the month saved by someone else is either committed before the close reads anything (and invoiced) or
waits and is then refused by the database (migration 0002's trigger).

Closing a month that is already closed returns its invoices unchanged (idempotent). A month that has not
ended yet, or bad issuer settings, raise before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.advisory import lock_month_for_close
from data.billing_calendar import invoice_dates
from data.billing_rules import BillingRules, load_rules
from data.clock import business_now
from data.errors import NotFoundError, ValidationError
from data.fields import INT_MAX, shown
from data.invoice_lines import contract_lines
from data.locks import month_label, month_start
from data.models import ClosedMonth, Contract, Invoice, InvoiceLine, Setting

RulesFor = Callable[[Contract], BillingRules]

ISSUER_KEYS = ("issuer_name", "issuer_registration_number", "issuer_address", "bank_account")
REGISTRATION_NUMBER = re.compile(r"^T\d{13}$")


@dataclass(frozen=True)
class InvoiceSummary:
    number: str
    client_code: str
    client_name: str
    plan: str
    net_total: Decimal
    tax: Decimal
    gross_total: Decimal


@dataclass(frozen=True)
class CloseResult:
    month: dt.date
    already_closed: bool
    invoices: tuple[InvoiceSummary, ...]

    def line(self) -> str:
        gross = sum((i.gross_total for i in self.invoices), Decimal(0))
        verb = "was already closed" if self.already_closed else "closed"
        return f"{month_label(self.month)} {verb}: {len(self.invoices)} invoices, ¥{gross:,} in total (tax included)"


# --- months -----------------------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """"YYYY-MM" -> the first day of that month; ValidationError(field="month") otherwise."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < dt.MINYEAR:
        raise ValidationError(f"month: {shown(text)} is not a month (YYYY-MM)", field="month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def invoice_number(contract: Contract, month: dt.date) -> str:
    return f"INV-{month.year:04d}{month.month:02d}-{contract.id:05d}"


# --- settings ---------------------------------------------------------------------------------------


def issuer_settings(session: Session) -> dict[str, str]:
    """Issuer name, registration number (T + 13 digits), address and bank account from the settings."""
    values = {s.key: s.value for s in session.scalars(select(Setting).where(Setting.key.in_(ISSUER_KEYS)))}
    for key in ISSUER_KEYS:
        if not (values.get(key) or "").strip():
            raise ValidationError(f"{key}: setting is missing; an invoice needs it (set it under Settings)", field=key)
    number = values["issuer_registration_number"].strip()
    if not REGISTRATION_NUMBER.match(number):
        raise ValidationError(
            f"issuer_registration_number: {number!r} is not T followed by 13 digits", field="issuer_registration_number"
        )
    return {key: values[key].strip() for key in ISSUER_KEYS}


# --- which contracts --------------------------------------------------------------------------------


def billed_contracts(session: Session, month: dt.date) -> list[Contract]:
    """Contracts billed in `month`: started on or before it (a mid-month start is billed in full) and,
    when a cancellation is recorded, before its effective month; a cancelled contract without one is not."""
    query = select(Contract).where(Contract.start_month <= month).order_by(Contract.id)
    return [
        c for c in session.scalars(query)
        if (c.cancelled_effective is None and c.status == "active")
        or (c.cancelled_effective is not None and month < month_start(c.cancelled_effective))
    ]


# --- closing ----------------------------------------------------------------------------------------


def close_month(
    session: Session,
    month: dt.date | str,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    rules_for: RulesFor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CloseResult:
    """Invoice every billed contract for `month` and lock the month; the caller owns the transaction.

    `progress(done, total)` is called before each contract and once at the end (the app's progress bar);
    an exception it raises (the user cancelled) leaves the transaction to the caller's rollback."""
    month = parse_month(month) if isinstance(month, str) else month_start(month)
    now = now or business_now()
    today = today or now.date()
    if month >= month_start(today):
        raise ValidationError(
            f"month: {month_label(month)} has not ended yet (today is {today.isoformat()}); "
            "a month can be closed from the 1st of the next month",
            field="month",
        )
    lock_month_for_close(session, month)  # slips and incidents of the month wait until this commits
    if session.get(ClosedMonth, month) is not None:
        return CloseResult(month, True, tuple(summarize(i) for i in list_invoices(session, month=month)))
    issuer = issuer_settings(session)
    issue, due = invoice_dates(month)
    cache: dict[str, BillingRules] = {}

    def rules_of(contract: Contract) -> BillingRules:
        if rules_for is not None:
            return rules_for(contract)
        if contract.tariff_ref not in cache:
            cache[contract.tariff_ref] = load_rules(contract.tariff_ref)
        return cache[contract.tariff_ref]

    invoices: list[Invoice] = []
    contracts = billed_contracts(session, month)
    for done, contract in enumerate(contracts):
        if progress is not None:
            progress(done, len(contracts))
        rules = rules_of(contract)
        lines = contract_lines(session, contract, month, rules, now)
        totals = rules.invoice_totals(lines)
        number = invoice_number(contract, month)
        stale = session.scalars(select(Invoice).where(Invoice.contract_id == contract.id, Invoice.month == month)).first()
        if stale is not None:  # left by an earlier, unfinished attempt (should not happen: one transaction)
            session.delete(stale)
            session.flush()
        invoice = Invoice(
            number=number, contract_id=contract.id, client_id=contract.client_id, month=month,
            issue_date=issue, due_date=due, net_total=_whole(totals.net_total), tax=_whole(totals.tax),
            gross_total=_whole(totals.gross_total), issuer={**issuer, "tariff_version": rules.tariff_version},
        )
        invoice.lines = [
            InvoiceLine(position=n, label=line.label, basis=line.basis, quantity=line.quantity,
                        unit_price=_whole(line.unit_price), net=_whole(line.net), tax_rate=line.tax_rate)
            for n, line in enumerate(lines, start=1)
        ]
        session.add(invoice)
        invoices.append(invoice)
    session.flush()
    session.add(ClosedMonth(month=month, closed_at=now))
    session.flush()
    if progress is not None:
        progress(len(contracts), len(contracts))
    return CloseResult(month, False, tuple(summarize(i) for i in invoices))


def _whole(amount: Decimal) -> Decimal:
    """Stored amounts are whole yen (pricing rounds; this only drops a trailing ".0")."""
    return Decimal(amount).quantize(Decimal(1))


# --- reading ----------------------------------------------------------------------------------------


def summarize(invoice: Invoice) -> InvoiceSummary:
    contract = invoice_contract(invoice)
    return InvoiceSummary(
        number=invoice.number, client_code=contract.client.code, client_name=contract.client.name, plan=contract.plan,
        net_total=Decimal(invoice.net_total), tax=Decimal(invoice.tax), gross_total=Decimal(invoice.gross_total),
    )


def invoice_contract(invoice: Invoice) -> Contract:
    session = Session.object_session(invoice)
    assert session is not None
    contract = session.get(Contract, invoice.contract_id)
    assert contract is not None
    return contract


def list_invoices(session: Session, *, month: dt.date | None = None) -> list[Invoice]:
    query = select(Invoice).order_by(Invoice.month, Invoice.number)
    if month is not None:
        query = query.where(Invoice.month == month_start(month))
    return list(session.scalars(query))


def get_invoice(session: Session, ref: str | int) -> Invoice:
    """An invoice by number ("INV-202610-00012") or database id."""
    text = str(ref).strip()
    invoice = session.scalars(select(Invoice).where(Invoice.number == text.upper())).first()
    if invoice is None and text.isdecimal() and len(text) <= 10 and int(text) <= INT_MAX:
        invoice = session.get(Invoice, int(text))
    if invoice is None:
        raise NotFoundError(f"invoice {shown(text)} does not exist (give its number, e.g. INV-202610-00012, or its id)")
    return invoice


def closed_month_list(session: Session) -> Sequence[dt.date]:
    return list(session.scalars(select(ClosedMonth.month).order_by(ClosedMonth.month)))
