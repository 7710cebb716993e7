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

Closing a month that is already closed returns its invoices unchanged (idempotent). A month that has not
ended yet, or bad issuer settings, raise before anything is written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import jpholiday
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.billing_rules import BillingRules, FeeLine, OfficeSeats, load_rules
from data.errors import NotFoundError, ValidationError
from data.fields import INT_MAX, shown
from data.incidents import assess_month, contract_terms, month_incidents
from data.locks import month_label, month_start
from data.models import (
    ClosedMonth,
    Contract,
    Invoice,
    InvoiceLine,
    Office,
    Setting,
    Visit,
    VisitRequest,
)

RulesFor = Callable[[Contract], BillingRules]

ISSUER_KEYS = ("issuer_name", "issuer_registration_number", "issuer_address", "bank_account")
REGISTRATION_NUMBER = re.compile(r"^T\d{13}$")
NONROUTINE_RATE_KEY = "nonroutine_hourly_rate"
DEFAULT_NONROUTINE_RATE = Decimal(8000)
"""Net yen per hour of non-routine work when neither the tariff nor the settings give a rate."""
NONROUTINE_STEP_MINUTES = 30
"""Non-routine work is billed per started half hour of the visit's actual (else planned) duration."""
BANK_HOLIDAYS = ((12, 31), (1, 2), (1, 3))
"""Days banks are closed besides weekends and public holidays (銀行休業日)."""

LEVEL_LABELS = {"feather": "フェザー"}
SEAT_PCS = "pc"
SEAT_SERVER = "server"


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


# --- dates ------------------------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """"YYYY-MM" -> the first day of that month; ValidationError(field="month") otherwise."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < dt.MINYEAR:
        raise ValidationError(f"month: {shown(text)} is not a month (YYYY-MM)", field="month")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def is_business_day(day: dt.date) -> bool:
    """Weekdays that are neither Japanese public holidays nor bank holidays (31 Dec, 2-3 Jan)."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and (day.month, day.day) not in BANK_HOLIDAYS


def first_business_day(month: dt.date) -> dt.date:
    day = month_start(month)
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def add_month(day: dt.date) -> dt.date:
    """The same day one month later (the last day of a shorter month)."""
    following = next_month(day.replace(day=1))
    last = (next_month(following) - dt.timedelta(days=1)).day
    return following.replace(day=min(day.day, last))


def invoice_dates(month: dt.date) -> tuple[dt.date, dt.date]:
    """(issue date, due date) of the invoice for `month`: due one month after issue, moved to the next
    business day when that is a weekend or (bank) holiday, since payment is by bank transfer."""
    issue = first_business_day(next_month(month))
    due = add_month(issue)
    while not is_business_day(due):
        due += dt.timedelta(days=1)
    return issue, due


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


def nonroutine_rate(session: Session, rules: BillingRules) -> Decimal:
    """Hourly rate of non-routine work: the tariff's, else the setting, else DEFAULT_NONROUTINE_RATE."""
    rate = rules.nonroutine_hourly_rate()
    if rate is not None:
        return rate
    setting = session.get(Setting, NONROUTINE_RATE_KEY)
    if setting is None:
        return DEFAULT_NONROUTINE_RATE
    try:
        value = Decimal(setting.value.replace(",", "").strip())
    except ArithmeticError:
        raise ValidationError(f"{NONROUTINE_RATE_KEY}: {setting.value!r} is not an amount", field=NONROUTINE_RATE_KEY) from None
    if value < 0 or value != value.to_integral_value():
        raise ValidationError(f"{NONROUTINE_RATE_KEY}: {setting.value!r} is not a whole, non-negative yen amount", field=NONROUTINE_RATE_KEY)
    return value


# --- which contracts, which records -----------------------------------------------------------------


def billed_contracts(session: Session, month: dt.date) -> list[Contract]:
    """Contracts billed in `month`: started on or before it (a mid-month start is billed in full) and,
    when a cancellation is recorded, before its effective month; a cancelled contract without one is not."""
    query = select(Contract).where(Contract.start_month <= month).order_by(Contract.id)
    return [
        c for c in session.scalars(query)
        if (c.cancelled_effective is None and c.status == "active")
        or (c.cancelled_effective is not None and month < month_start(c.cancelled_effective))
    ]


def office_seats(office: Office) -> OfficeSeats:
    """An office's seats on record as the quote's input: Windows PCs and servers; others flagged."""
    pcs = servers = other = 0
    for seat in office.seats:
        if seat.kind not in (SEAT_PCS, SEAT_SERVER):
            continue
        if seat.os != "windows":
            other += seat.count
        elif seat.kind == SEAT_PCS:
            pcs += seat.count
        else:
            servers += seat.count
    return OfficeSeats(name=office.name, lat=office.lat, lon=office.lon, pcs=pcs, servers=servers, other_seats=other)


def done_visits(session: Session, client_id: int, month: dt.date) -> list[Visit]:
    """Done visits of a client dated in `month`, in date order."""
    query = (
        select(Visit)
        .join(VisitRequest, Visit.request_id == VisitRequest.id)
        .where(
            VisitRequest.client_id == client_id,
            Visit.status == "done",
            Visit.date >= month,
            Visit.date < next_month(month),
        )
        .order_by(Visit.date, Visit.planned_start, Visit.id)
    )
    return list(session.scalars(query))


def worked_minutes(visit: Visit) -> int:
    if visit.actual_start is not None and visit.actual_end is not None and visit.actual_end > visit.actual_start:
        return int((visit.actual_end - visit.actual_start).total_seconds() // 60)
    return max(0, int((visit.planned_end - visit.planned_start).total_seconds() // 60))


# --- lines ------------------------------------------------------------------------------------------


def seat_plan_lines(session: Session, contract: Contract, month: dt.date, rules: BillingRules) -> list[FeeLine]:
    options = contract.options or {}
    variant = str(options.get("variant", "per_cluster"))
    if variant not in ("per_cluster", "two_tier"):
        raise ValidationError(f"variant: contract {contract.id} has unknown seat-plan variant {variant!r}", field="variant")
    offices = [office_seats(o) for o in contract.client.offices]
    if not offices:
        raise ValidationError(f"offices: client {contract.client.code} has no office to bill", field="offices")
    lines = list(rules.seat_plan_lines(
        offices, variant=variant, rounding=str(options.get("rounding", "half")), service_hours=list(contract.service_hours or ()),
    ))
    visits = done_visits(session, contract.client_id, month)
    routine = [v for v in visits if v.request.routine]
    if variant == "two_tier" and routine:
        fee = rules.spot_fee()
        days = ", ".join(sorted({f"{v.date:%m/%d}" for v in routine}))
        lines.append(FeeLine(
            label="スポット訪問料 (spot visits)", basis=f"{len(routine)} done visits: {days}",
            quantity=Decimal(len(routine)), unit_price=fee, net=fee * len(routine),
        ))
    rate: Decimal | None = None
    for visit in visits:
        if visit.request.routine:
            continue
        rate = rate if rate is not None else nonroutine_rate(session, rules)
        minutes = worked_minutes(visit)
        hours = Decimal(max(1, math.ceil(minutes / NONROUTINE_STEP_MINUTES)) * NONROUTINE_STEP_MINUTES) / 60
        lines.append(FeeLine(
            label=f"非日常業務 (non-routine work) {visit.date:%m/%d}",
            basis=f"{visit.request.description or 'visit'}: {minutes} min, billed per started {NONROUTINE_STEP_MINUTES} min",
            quantity=hours.normalize() if hours == hours.to_integral_value() else hours,
            unit_price=rate, net=(rate * hours).quantize(Decimal(1), rounding=ROUND_DOWN),
        ))
    return lines


def _months_since(start: dt.date, month: dt.date) -> int:
    return (month.year - start.year) * 12 + month.month - start.month


def incident_plan_lines(
    session: Session, contract: Contract, month: dt.date, rules: BillingRules, now: dt.datetime
) -> list[FeeLine]:
    billing, scope, maximum = contract_terms(contract, rules)
    lines: list[FeeLine] = []
    one = Decimal(1)
    if billing == "monthly":
        fee = rules.monthly_base_fee(scope, maximum)
        lines.append(FeeLine(label=f"月額サポート料 (monthly plan, {scope}, up to {maximum} incidents)",
                             basis=f"{month_label(month)}", quantity=one, unit_price=fee, net=fee))
    elif _months_since(month_start(contract.start_month), month) % 12 == 0:
        fee = rules.annual_base_fee(scope)
        until = add_month(month.replace(day=1))
        for _ in range(10):
            until = add_month(until)
        lines.append(FeeLine(label=f"年額サポート基本料 (annual plan, {scope})",
                             basis=f"{month_label(month)} to {month_label(until)}", quantity=one, unit_price=fee, net=fee))
    persons = {i.id: i.person for i in month_incidents(session, contract, month)}
    for a in assess_month(session, contract, month, rules=rules, now=now, store=True):
        level = LEVEL_LABELS.get(a.level, f"レベル{a.level}")
        notes = [a.reason]
        if a.beyond_maximum:
            notes.append(f"beyond the monthly maximum of {maximum}")
        notes.extend(a.notes)
        if a.billed < a.fee:
            notes.append(f"fee {a.fee} capped at the limit {a.limit}")
        elif a.fee > a.limit:
            notes.append(f"continued beyond the limit {a.limit}")
        lines.append(FeeLine(label=f"インシデント #{a.incident_id} {level}", basis="; ".join(notes),
                             quantity=one, unit_price=a.billed, net=a.billed))
        if a.chart_fee or a.chart_counted:
            how = "consumed one monthly incident" if a.chart_counted else "paid at the annual-plan level-3 price"
            if a.chart_beyond_maximum:
                how += f", beyond the monthly maximum of {maximum}"
            who = persons.get(a.incident_id) or "employee"
            lines.append(FeeLine(label=f"カルテ作成 (chart) {who}", basis=f"first personal use, incident #{a.incident_id}; {how}",
                                 quantity=one, unit_price=a.chart_fee, net=a.chart_fee))
    return lines


def contract_lines(
    session: Session, contract: Contract, month: dt.date, rules: BillingRules, now: dt.datetime
) -> list[FeeLine]:
    """Every line of the contract's invoice for `month`."""
    if contract.plan == "concierge_seats":
        return seat_plan_lines(session, contract, month, rules)
    return incident_plan_lines(session, contract, month, rules, now)


# --- closing ----------------------------------------------------------------------------------------


def close_month(
    session: Session,
    month: dt.date | str,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    rules_for: RulesFor | None = None,
) -> CloseResult:
    """Invoice every billed contract for `month` and lock the month; the caller owns the transaction."""
    month = parse_month(month) if isinstance(month, str) else month_start(month)
    now = now or dt.datetime.now()
    today = today or now.date()
    if month >= month_start(today):
        raise ValidationError(
            f"month: {month_label(month)} has not ended yet (today is {today.isoformat()}); "
            "a month can be closed from the 1st of the next month",
            field="month",
        )
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
    for contract in billed_contracts(session, month):
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
    if invoice is None and text.isdigit() and len(text) <= 10 and int(text) <= INT_MAX:
        invoice = session.get(Invoice, int(text))
    if invoice is None:
        raise NotFoundError(f"invoice {shown(text)} does not exist (give its number, e.g. INV-202610-00012, or its id)")
    return invoice


def closed_month_list(session: Session) -> Sequence[dt.date]:
    return list(session.scalars(select(ClosedMonth.month).order_by(ClosedMonth.month)))
