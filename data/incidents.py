"""Recording support incidents and pricing them through `pricing` (via `BillingRules`).

`record_incident(session, entry, rules=...)` validates an `IncidentEntry` (contact records, dates, the
contract's scope, a hand-set level, personal-support eligibility), saves it, computes its level with the
reason and its fee, and returns the `Assessment`. Nothing is written when a check fails.

Month context matters for monthly plans: the first `max_incidents` counted incidents of a month are
covered, later ones cost the increased fee. `assess_month` therefore prices all incidents of a
contract closed in one month together (ordered by opening time); billing uses the same function.

Fee limits: the incident's own limit, else the contract's, else the tariff's default (the consulting
fee). A fee over its limit is billed at the limit and gives a `FeeLimitNotice` ("limit reached: stop or
continue?") until the continuation is recorded with `decide_fee_limit(..., proceed=True)`. Notices are
derived from the records (see docs/billing.md), so they disappear once decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.billing_rules import LEVELS, BillingRules, IncidentFacts, Level, days_between, load_rules
from data.clock import business_now
from data.errors import NotFoundError, ValidationError
from data.fields import INT_MAX, YEN_MAX, shown
from data.locks import check_incident_editable, month_label, month_start
from data.models import Client, Contract, Incident

CONSULTING = ("specific", "general")
INCIDENT_BILLING = ("annual", "monthly")
CHART_PAYMENT = ("incident", "annual_price")
"""Monthly plans: a カルテ consumes a level-3 incident ("incident", default) or is paid at the
annual-plan level-3 price without consuming one ("annual_price"); contract option "chart_payment"."""
NO_PERSONAL_SUPPORT = ("", "none", "no")
LIMIT_MESSAGE = "limit reached: stop or continue?"


@dataclass
class IncidentEntry:
    """What the support desk types for one incident (new or edited)."""

    client_id: int
    opened_at: dt.datetime
    contract_id: int | None = None
    """None = the client's active incident-plan contract."""
    closed_at: dt.datetime | None = None
    person: str | None = None
    personal: bool = False
    employment: str | None = None
    """For personal support: the person's status ("regular", "part_time", ...), checked against the contract."""
    approved_by: str | None = None
    """For personal support: who approved it (must match the contract's approver, if any)."""
    mail_round_trips: int = 0
    reply_round_trips: int = 0
    call_minutes: Sequence[int] = ()
    chat_minutes: int = 0
    onsite_visits: int = 0
    investigation: bool = False
    urgent: bool = False
    consulting: str | None = None
    level: str | None = None
    """A level set by hand ("feather" or "1".."10"); None = computed from the contact records."""
    fee_limit: Decimal | None = None
    """This incident's own limit (0 = feather: notify before any fee); None = the contract's."""
    chart_creation: bool | None = None
    """None = automatic (first personal incident of this person under the contract)."""
    absorbed_into: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Assessment:
    """Level and fee of one incident within its month."""

    incident_id: int
    level: str
    reason: str
    fee: Decimal
    """The incident fee before the limit (0 when absorbed)."""
    billed: Decimal
    """What the invoice shows for the incident (capped unless continued)."""
    limit: Decimal
    limit_reached: bool
    """The fee would pass the limit and no continuation is recorded: the client must be asked."""
    counted: bool
    """Consumes one of the month's incidents (not feather)."""
    beyond_maximum: bool
    absorbed: bool
    chart_fee: Decimal = Decimal(0)
    """カルテ creation fee billed on its own line (0 when none or when it consumed an incident)."""
    chart_counted: bool = False
    """The カルテ consumed one of the month's incidents (monthly plan)."""
    chart_beyond_maximum: bool = False
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class FeeLimitNotice:
    """An incident whose fee reached its limit: the client must say stop or continue."""

    incident_id: int
    client_id: int
    client_name: str
    person: str | None
    fee: Decimal
    limit: Decimal
    message: str = LIMIT_MESSAGE


# --- validation ------------------------------------------------------------------------------------


def _nonnegative(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name}: {shown(value)} is not a whole number", field=name)
    if value < 0:
        raise ValidationError(f"{name}: {shown(value)} is negative", field=name)
    if value > INT_MAX:
        raise ValidationError(f"{name}: {shown(value)} is above {INT_MAX}", field=name)
    return value


def incident_contract(session: Session, client: Client, contract_id: int | None) -> Contract:
    """The incident-plan contract an incident is recorded under."""
    if contract_id is not None:
        contract = session.get(Contract, contract_id)
        if contract is None or contract.client_id != client.id:
            raise NotFoundError(f"contract {contract_id} of client {client.code} does not exist")
    else:
        found = [c for c in client.contracts if c.plan == "support_incidents" and c.status == "active"]
        if not found:
            raise ValidationError(f"contract: client {client.code} has no active incident support contract", field="contract")
        contract = found[-1]
    if contract.plan != "support_incidents":
        raise ValidationError(f"contract: contract {contract.id} is a seat plan, not an incident support plan", field="contract")
    return contract


def contract_terms(contract: Contract, rules: BillingRules) -> tuple[str, str, int]:
    """(billing, scope, max_incidents) of an incident contract, checked."""
    options = contract.options or {}
    billing = str(options.get("billing", "annual"))
    if billing not in INCIDENT_BILLING:
        raise ValidationError(f"billing: contract {contract.id} has unknown billing {billing!r} (annual or monthly)", field="billing")
    scope = str(options.get("scope", "normal"))
    if scope not in rules.scopes:
        raise ValidationError(f"scope: {scope!r} is not one of {', '.join(rules.scopes)} (contract {contract.id})", field="scope")
    maximum = options.get("max_incidents", 0) if billing == "monthly" else 0
    if billing == "monthly" and (not isinstance(maximum, int) or isinstance(maximum, bool) or maximum < 1):
        raise ValidationError(f"max_incidents: contract {contract.id} needs a positive monthly maximum", field="max_incidents")
    return billing, scope, int(maximum)


def check_personal_support(contract: Contract, entry: IncidentEntry) -> None:
    """Refuse a personal incident by someone the contract does not allow, with the reason."""
    options = contract.options or {}
    who = entry.person or "(no name)"
    allowed = options.get("personal_support")
    if allowed is None or (isinstance(allowed, str) and allowed.strip().lower() in NO_PERSONAL_SUPPORT):
        raise ValidationError(f"person: {who} cannot use personal support: contract {contract.id} does not include it", field="person")
    if not entry.person:
        raise ValidationError("person: a personal-support incident needs the person's name", field="person")
    if isinstance(allowed, list):
        if entry.person not in allowed:
            raise ValidationError(
                f"person: {who} cannot use personal support: contract {contract.id} allows only {', '.join(map(str, allowed))}",
                field="person",
            )
    elif "regular" in str(allowed).lower() and (entry.employment or "").strip().lower() != "regular":
        status = entry.employment or "unknown employment"
        raise ValidationError(f"person: {who} ({status}) cannot use personal support: contract allows {allowed}", field="person")
    approver = options.get("approver")
    if approver and (entry.approved_by or "").strip().lower() != str(approver).strip().lower():
        raise ValidationError(
            f"approved_by: personal support for {who} needs approval by the {approver} (contract allows {allowed}, approval by the {approver})",
            field="approved_by",
        )


def validate_entry(entry: IncidentEntry) -> None:
    """Field checks that need no database: counts, minutes, dates, level, consulting, limit."""
    for name in ("mail_round_trips", "reply_round_trips", "chat_minutes", "onsite_visits"):
        _nonnegative(getattr(entry, name), name)
    for minutes in entry.call_minutes:
        _nonnegative(minutes, "call_minutes")
    if entry.closed_at is not None and entry.closed_at < entry.opened_at:
        raise ValidationError(
            f"closed_at: {entry.closed_at:%Y-%m-%d %H:%M} is before the incident was opened ({entry.opened_at:%Y-%m-%d %H:%M})",
            field="closed_at",
        )
    if entry.consulting is not None and entry.consulting not in CONSULTING:
        raise ValidationError(f"consulting: {entry.consulting!r} is not one of {', '.join(CONSULTING)}", field="consulting")
    if entry.level is not None and entry.level not in LEVELS:
        raise ValidationError(f"level: {entry.level!r} is not one of feather, 1..10", field="level")
    if entry.fee_limit is not None and not 0 <= entry.fee_limit <= YEN_MAX:
        what = "negative" if entry.fee_limit < 0 else f"above the ¥{YEN_MAX:,} a money field accepts"
        raise ValidationError(f"fee_limit: {shown(entry.fee_limit)} is {what}", field="fee_limit")


# --- recording ---------------------------------------------------------------------------------------


def record_incident(
    session: Session,
    entry: IncidentEntry,
    *,
    incident_id: int | None = None,
    rules: BillingRules | None = None,
    now: dt.datetime | None = None,
) -> Assessment:
    """Validate, save (create or update) and price one incident; the caller owns the transaction."""
    now = now or business_now()
    validate_entry(entry)
    client = session.get(Client, entry.client_id)
    if client is None:
        raise NotFoundError(f"client {entry.client_id} does not exist")
    contract = incident_contract(session, client, entry.contract_id)
    rules = rules or load_rules(contract.tariff_ref)
    contract_terms(contract, rules)
    if entry.personal:
        check_personal_support(contract, entry)
    if incident_id is not None:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"incident {incident_id} does not exist")
        check_incident_editable(session, incident)
    else:
        incident = Incident(client_id=client.id, opened_at=entry.opened_at)
    chart = entry.chart_creation
    if chart is None:
        chart = entry.personal and _first_personal_use(session, contract, entry.person, incident_id)
    _apply(incident, entry, contract, chart)
    if incident_id is None:
        session.add(incident)
    check_incident_editable(session, incident)
    session.flush()
    month = month_start(incident.closed_at or now)
    for assessment in assess_month(session, contract, month, rules=rules, now=now, store=True, extra=incident):
        if assessment.incident_id == incident.id:
            return assessment
    raise AssertionError("the recorded incident was not assessed")  # pragma: no cover


def _first_personal_use(session: Session, contract: Contract, person: str | None, incident_id: int | None) -> bool:
    query = select(Incident.id).where(
        Incident.contract_id == contract.id, Incident.personal.is_(True), Incident.person == person
    )
    if incident_id is not None:
        query = query.where(Incident.id != incident_id)
    return session.scalars(query.limit(1)).first() is None


def _apply(incident: Incident, entry: IncidentEntry, contract: Contract, chart: bool) -> None:
    incident.contract_id = contract.id
    incident.opened_at = entry.opened_at
    incident.closed_at = entry.closed_at
    incident.person = entry.person
    incident.personal = entry.personal
    incident.mail_round_trips = entry.mail_round_trips
    incident.reply_round_trips = entry.reply_round_trips
    incident.call_minutes = list(entry.call_minutes)
    incident.chat_minutes = entry.chat_minutes
    incident.onsite_visits = entry.onsite_visits
    incident.investigation = entry.investigation
    incident.urgent = entry.urgent
    incident.consulting = entry.consulting
    incident.chart_creation = chart
    incident.fee_limit = entry.fee_limit
    incident.absorbed_into = entry.absorbed_into
    incident.description = entry.description
    incident.level = entry.level  # a hand-set level; replaced by the computed one when None


def incident_facts(incident: Incident, now: dt.datetime) -> IncidentFacts:
    """The contact records of a row as the level table's input."""
    return IncidentFacts(
        mail_round_trips=incident.mail_round_trips,
        reply_round_trips=incident.reply_round_trips,
        call_minutes=tuple(incident.call_minutes or ()),
        chat_minutes=incident.chat_minutes,
        onsite_visits=incident.onsite_visits,
        investigation=incident.investigation,
        urgent=incident.urgent,
        consulting=incident.consulting,
        open_days=days_between(incident.opened_at, incident.closed_at or now),
    )


def _level(rules: BillingRules, incident: Incident, scope: str, now: dt.datetime, manual: set[int]) -> Level:
    if incident.id in manual and incident.level in LEVELS:
        return Level(incident.level, incident.level_reason or f"level {incident.level} set by hand")
    return rules.incident_level(incident_facts(incident, now), scope=scope)


def month_incidents(session: Session, contract: Contract, month: dt.date) -> list[Incident]:
    """Incidents of a contract billed in `month` (closed in it), oldest first."""
    start = dt.datetime.combine(month_start(month), dt.time())
    end = dt.datetime.combine(_next_month(month_start(month)), dt.time())
    query = (
        select(Incident)
        .where(Incident.contract_id == contract.id, Incident.closed_at >= start, Incident.closed_at < end)
        .order_by(Incident.opened_at, Incident.id)
    )
    return list(session.scalars(query))


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def assess_month(
    session: Session,
    contract: Contract,
    month: dt.date,
    *,
    rules: BillingRules | None = None,
    now: dt.datetime | None = None,
    store: bool = False,
    extra: Incident | None = None,
) -> list[Assessment]:
    """Level and fee of every incident of `contract` billed in `month` (plus `extra`, e.g. one still open).

    With `store`, the computed level, reason and billed fee are written on the rows.
    """
    now = now or business_now()
    rules = rules or load_rules(contract.tariff_ref)
    billing, scope, maximum = contract_terms(contract, rules)
    incidents = month_incidents(session, contract, month)
    if extra is not None and all(i.id != extra.id for i in incidents):
        incidents = sorted([*incidents, extra], key=lambda i: (i.opened_at, i.id))
    manual = {i.id for i in incidents if i.level in LEVELS and (i.level_reason or "").endswith("set by hand")}
    if extra is not None and extra.level in LEVELS:
        manual.add(extra.id)
        extra.level_reason = f"level {extra.level} set by hand"
    used = 0
    results: list[Assessment] = []
    for incident in incidents:
        level = _level(rules, incident, scope, now, manual)
        counted = level.level != "feather"
        beyond = False
        if counted:
            used += 1
            beyond = billing == "monthly" and used > maximum
        fee = Decimal(0) if not counted else rules.incident_fee(level.level, billing=billing, scope=scope, beyond_maximum=beyond)
        notes: list[str] = []
        absorbed = bool(incident.absorbed_into)
        if absorbed:
            notes.append(f"fee {fee} absorbed into {incident.absorbed_into}")
            fee = Decimal(0)
        limit = _limit(incident, contract, rules, scope)
        billed, reached = rules.cap_fee(fee, limit=limit, continuation_approved=incident.continuation_approved)
        chart_fee, chart_counted, chart_beyond = Decimal(0), False, False
        if incident.chart_creation:
            pays = billing == "annual" or (contract.options or {}).get("chart_payment", "incident") == "annual_price"
            if pays:
                chart_fee = rules.chart_fee(scope=scope)
            else:
                used += 1
                chart_counted = True
                chart_beyond = used > maximum
                chart_fee = rules.incident_fee("3", billing=billing, scope=scope, beyond_maximum=chart_beyond)
        results.append(Assessment(
            incident_id=incident.id, level=level.level, reason=level.reason, fee=fee, billed=billed, limit=limit,
            limit_reached=reached, counted=counted, beyond_maximum=beyond, absorbed=absorbed, chart_fee=chart_fee,
            chart_counted=chart_counted, chart_beyond_maximum=chart_beyond, notes=tuple(notes),
        ))
        if store:
            incident.level = level.level
            incident.level_reason = level.reason
            incident.fee = billed
    if store:
        session.flush()
    return results


def _limit(incident: Incident, contract: Contract, rules: BillingRules, scope: str) -> Decimal:
    if incident.fee_limit is not None:
        return Decimal(incident.fee_limit)
    if contract.fee_limit is not None:
        return Decimal(contract.fee_limit)
    return rules.default_fee_limit(scope=scope)


def decide_fee_limit(
    session: Session, incident_id: int, *, proceed: bool, now: dt.datetime | None = None, rules: BillingRules | None = None
) -> Assessment:
    """Record the client's answer to "limit reached: stop or continue?".

    proceed=True records the continuation (billing beyond the limit); False stops the work at the limit:
    the incident is closed now (if still open) and stays billed at its limit.
    """
    now = now or business_now()
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFoundError(f"incident {incident_id} does not exist")
    check_incident_editable(session, incident)
    if proceed:
        incident.continuation_approved = True
    elif incident.closed_at is None:
        incident.closed_at = max(now, incident.opened_at)
    check_incident_editable(session, incident)
    contract = session.get(Contract, incident.contract_id) if incident.contract_id else None
    if contract is None:
        raise NotFoundError(f"incident {incident_id} has no contract")
    month = month_start(incident.closed_at or now)
    found = [a for a in assess_month(session, contract, month, rules=rules, now=now, store=True, extra=incident) if a.incident_id == incident.id]
    return found[0]


def fee_limit_notices(
    session: Session, *, month: dt.date | None = None, now: dt.datetime | None = None, rules_for: Any = None
) -> list[FeeLimitNotice]:
    """Incidents (closed in `month`, default this month, or still open) whose fee reached the limit undecided."""
    now = now or business_now()
    month = month_start(month or now)
    notices: list[FeeLimitNotice] = []
    contracts = session.scalars(select(Contract).where(Contract.plan == "support_incidents").order_by(Contract.id))
    for contract in contracts:
        rules = rules_for(contract) if rules_for else load_rules(contract.tariff_ref)
        open_ones = session.scalars(
            select(Incident).where(Incident.contract_id == contract.id, Incident.closed_at.is_(None)).order_by(Incident.id)
        ).all()
        seen: dict[int, Assessment] = {}
        for extra in [None, *open_ones]:
            for a in assess_month(session, contract, month, rules=rules, now=now, extra=extra):
                seen.setdefault(a.incident_id, a)
        for a in seen.values():
            if a.limit_reached:
                incident = session.get(Incident, a.incident_id)
                assert incident is not None
                notices.append(FeeLimitNotice(
                    incident_id=a.incident_id, client_id=contract.client_id, client_name=contract.client.name,
                    person=incident.person, fee=a.fee, limit=a.limit,
                ))
    return notices


def describe_month(month: dt.date) -> str:
    return month_label(month_start(month))
