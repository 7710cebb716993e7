"""The lines of one contract's invoice for a month, by plan.

- seat plans: the monthly base fee priced by `pricing` from the seats on record (clusters, units, surcharges
  for the contract's service hours), spot visits of two-tier contracts (done routine visits), non-routine
  work (done visits of non-routine requests) billed per started half hour;
- incident plans: the monthly fee, or the annual fee in the contract's billing month (its start month and
  every 12 months on), one line per incident closed in the month, カルテ creation lines.

`contract_lines` is what `data.billing.close_month` writes, and what a check recomputes to prove an invoice
still matches the locked records of its month.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.billing_calendar import add_month, next_month
from data.billing_rules import BillingRules, FeeLine, OfficeSeats
from data.errors import ValidationError
from data.incidents import assess_month, contract_terms, month_incidents
from data.locks import month_label, month_start
from data.models import Contract, Office, Setting, Visit, VisitRequest

NONROUTINE_RATE_KEY = "nonroutine_hourly_rate"
DEFAULT_NONROUTINE_RATE = Decimal(8000)
"""Net yen per hour of non-routine work when neither the tariff nor the settings give a rate."""
NONROUTINE_STEP_MINUTES = 30
"""Non-routine work is billed per started half hour of the visit's actual (else planned) duration."""
LEVEL_LABELS = {"feather": "フェザー"}
SEAT_PCS = "pc"
SEAT_SERVER = "server"


# --- what is billed ---------------------------------------------------------------------------------


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
