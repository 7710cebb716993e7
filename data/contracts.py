"""Contracts: validated saving from form text, and cancellation under the minimum-term and notice rules.

The rules come from the seed FAQ (契約と解約について):

- service starts on the first of a month; a mid-month start is billed as a full month, so the
  contract's `start_month` is always the first day of the month the service starts in;
- no cancellation during the first `minimum_months` (3) months of service;
- notice at least `notice_months` (1) month before a month end, and never mid-month: to end the
  service on 30 November, give notice by 31 October.

`Contract.cancelled_effective` stores the first month *no longer billed* (billing reads it that way).
Callers own the transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import ConflictError, NotFoundError, ValidationError
from data.fields import Values, boolean, choice, integer, money, required_text, shown, text, word_list
from data.models import PLANS, Client, Contract
from data.records import client_by_code

SERVICE_HOURS = ("evening", "saturday", "sunday_holiday")
"""Coverage beyond the standard weekdays 9:00-18:00 (each priced as a surcharge)."""
VARIANTS = ("per_cluster", "two_tier")
VARIANT_WORDS = {"per_cluster": "per office cluster", "two_tier": "two-tier (base + per visit)"}
ROUNDING_WORDS = {"half": "half units", "whole_after": "whole units after 10"}
SCOPE_WORDS = {"normal": "normal", "technical": "technical", "highly_technical": "highly technical"}
ROUNDINGS = ("half", "whole_after")
INCIDENT_BILLING = ("annual", "monthly")
INCIDENT_SCOPES = ("normal", "technical", "highly_technical")

PLAN_LABELS = {"concierge_seats": "Concierge (seats)", "support_incidents": "Support (incidents)"}

_MONTH = re.compile(r"^\s*(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?\s*$")


# --- months ------------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def format_month(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def parse_month(raw: str | None, field: str, *, required: bool = True) -> dt.date | None:
    """"2026-12", "2026/12" or a full date "2026-12-15" → the first of that month.

    A mid-month date is accepted and moved to the first of its month: the seed bills a mid-month start
    as a full month, so the contract is on record from the first.
    """
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise ValidationError(f"{field}: required (YYYY-MM)", field=field)
        return None
    match = _MONTH.match(raw)
    if match is None:
        raise ValidationError(f"{field}: {shown(raw)} is not a month (YYYY-MM)", field=field)
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        return month_start(dt.date(year, month, day))
    except ValueError:
        raise ValidationError(f"{field}: {shown(raw)} is not a real date", field=field) from None


def parse_notice_day(raw: str | None, today: dt.date, field: str = "requested_on") -> dt.date:
    """The day the client's cancellation notice arrived: YYYY-MM-DD (empty: `today`), never after today."""
    raw = (raw or "").strip()
    if not raw:
        return today
    try:
        day = dt.date.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        raise ValidationError(f"{field}: {shown(raw)} is not a date (YYYY-MM-DD)", field=field) from None
    if day > today:
        raise ValidationError(f"{field}: {day.isoformat()} is in the future", field=field)
    return day


# --- cancellation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CancellationTerms:
    """When a cancellation asked for on `requested_on` can take effect at the earliest."""

    requested_on: dt.date
    effective: dt.date
    """First month no longer billed (the first of a month)."""
    minimum_end: dt.date
    """First month that may go unbilled under the minimum term alone."""
    notice_end: dt.date
    """First month that may go unbilled under the notice rule alone."""
    decided_by: str
    """"minimum term" or "notice": the rule that set `effective`."""

    @property
    def last_day(self) -> dt.date:
        """The last day of service (the end of the last billed month)."""
        return self.effective - dt.timedelta(days=1)

    @property
    def last_billed_month(self) -> dt.date:
        return add_months(self.effective, -1)

    def describe(self) -> str:
        """One sentence for the screen: last day of service and why not earlier."""
        why = (
            "the minimum term runs until then" if self.decided_by == "minimum term"
            else f"notice given on {self.requested_on.isoformat()} ends a month later at the earliest"
        )
        return (
            f"Earliest end of service: {self.last_day.isoformat()} (last billed month "
            f"{format_month(self.last_billed_month)}); {why}."
        )


def earliest_cancellation(
    start_month: dt.date, requested_on: dt.date, *, minimum_months: int = 3, notice_months: int = 1
) -> CancellationTerms:
    """The earliest effective month of a cancellation requested on `requested_on`.

    Notice rule: notice given during month M ends the service at the end of month M + notice_months at
    the earliest (to end on 30 November, give notice by 31 October), so billing stops from
    M + notice_months + 1. Minimum term: the first `minimum_months` months from `start_month` are
    always billed. The later of the two wins.
    """
    minimum_end = add_months(month_start(start_month), minimum_months)
    notice_end = add_months(month_start(requested_on), notice_months + 1)
    if minimum_end > notice_end:
        return CancellationTerms(requested_on, minimum_end, minimum_end, notice_end, "minimum term")
    return CancellationTerms(requested_on, notice_end, minimum_end, notice_end, "notice")


def choose_effective(terms: CancellationTerms, effective: str | None) -> CancellationTerms:
    """`terms` moved to the month typed in `effective` (YYYY-MM; empty keeps the earliest).

    A month earlier than the rules allow raises ValidationError naming the field `effective`.
    """
    chosen = parse_month(effective, "effective", required=False)
    if chosen is None:
        return terms
    if chosen < terms.effective:
        raise ValidationError(
            f"effective: {format_month(chosen)} is too early; the earliest is {format_month(terms.effective)} "
            f"({terms.decided_by})",
            field="effective",
        )
    return CancellationTerms(terms.requested_on, chosen, terms.minimum_end, terms.notice_end, terms.decided_by)


def contract_terms(contract: Contract, requested_on: dt.date) -> CancellationTerms:
    return earliest_cancellation(
        contract.start_month, requested_on, minimum_months=contract.minimum_months, notice_months=contract.notice_months
    )


def _contract(session: Session, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(f"contract {contract_id} no longer exists")
    return contract


def _check_version(contract: Contract, expected: int | None) -> None:
    if expected is not None and contract.version != expected:
        raise ConflictError(
            f"contract {contract.id} was changed by someone else since you opened it; reload and try again"
        )


def cancellation_terms(session: Session, contract_id: int, requested_on: dt.date) -> CancellationTerms:
    """The earliest effective date for cancelling contract `contract_id` if asked on `requested_on`."""
    return contract_terms(_contract(session, contract_id), requested_on)


def cancel_contract(
    session: Session, contract_id: int, requested_on: dt.date, *, effective: str | None = None,
    expected_version: int | None = None,
) -> CancellationTerms:
    """Record the cancellation of an active contract asked for on `requested_on`.

    `effective` (YYYY-MM, optional) is the first month no longer billed; empty means the earliest the
    rules allow, and an earlier month is refused naming the field `effective`.
    """
    contract = _contract(session, contract_id)
    _check_version(contract, expected_version)
    if contract.status != "active":
        when = f" (billing stops {format_month(contract.cancelled_effective)})" if contract.cancelled_effective else ""
        raise ValidationError(f"contract: already cancelled{when}", field="contract")
    terms = choose_effective(contract_terms(contract, requested_on), effective)
    contract.status = "cancelled"
    contract.cancelled_effective = terms.effective
    return terms


def withdraw_cancellation(session: Session, contract_id: int, *, expected_version: int | None = None) -> Contract:
    """Undo a recorded cancellation (the client changed its mind): the contract runs on."""
    contract = _contract(session, contract_id)
    _check_version(contract, expected_version)
    if contract.status != "cancelled":
        raise ValidationError("contract: is not cancelled", field="contract")
    contract.status = "active"
    contract.cancelled_effective = None
    with session.no_autoflush:
        other = _overlapping(session, contract.client_id, contract, contract.start_month)
    if other is not None:
        raise ValidationError(
            f"contract: the client has had another contract running since {format_month(other.start_month)}; "
            "the cancellation stays (cancel that one first)",
            field="contract",
        )
    return contract


# --- saving from a form ------------------------------------------------------------------------------


def _overlapping(session: Session, client_id: int, contract: Contract, start: dt.date) -> Contract | None:
    end = contract.cancelled_effective
    for other in session.scalars(select(Contract).where(Contract.client_id == client_id).order_by(Contract.start_month)):
        if other is contract:
            continue
        other_end = other.cancelled_effective
        if other.status != "active" and other_end is None:
            continue
        if (end is None or other.start_month < end) and (other_end is None or start < other_end):
            return other
    return None


def save_contract(
    session: Session, values: Values, *, contract_id: int | None = None, client_id: int | None = None,
    expected_version: int | None = None,
) -> Contract:
    """Create or update a contract from form text.

    Fields: plan, start_month (YYYY-MM), minimum_months, notice_months, service_hours (evening saturday
    sunday_holiday), fee_limit (yen), dedicated_required, tariff_ref; seat plans: variant, rounding;
    incident plans: billing, scope, max_incidents (required for monthly billing), personal_support,
    approver. A new contract needs `client_id` or the field `client` (a client code). A client has at most one contract running at a time.
    """
    plan = choice(values, "plan", PLANS)
    start = parse_month(values.get("start_month"), "start_month")
    assert start is not None
    minimum = integer(values, "minimum_months", default=3, minimum=0, maximum=120)
    notice = integer(values, "notice_months", default=1, minimum=0, maximum=24)
    assert minimum is not None and notice is not None
    hours = word_list(values, "service_hours", SERVICE_HOURS)
    fee_limit = money(values, "fee_limit")
    dedicated = boolean(values, "dedicated_required", default=False)
    tariff_ref = text(values, "tariff_ref", max_len=40) or "default"
    options: dict[str, Any] = {}
    if plan == "concierge_seats":
        options["variant"] = choice(values, "variant", VARIANTS, default="per_cluster")
        options["rounding"] = choice(values, "rounding", ROUNDINGS, default="half")
    else:
        billing = choice(values, "billing", INCIDENT_BILLING, default="annual")
        options["billing"] = billing
        options["scope"] = choice(values, "scope", INCIDENT_SCOPES, default="normal")
        maximum = integer(values, "max_incidents", minimum=1, maximum=100)
        if billing == "monthly":
            if maximum is None:
                raise ValidationError("max_incidents: required for monthly billing", field="max_incidents")
            options["max_incidents"] = maximum
        for key in ("personal_support", "approver"):
            value = text(values, key)
            if value:
                options[key] = value

    if contract_id is not None:
        contract = _contract(session, contract_id)
        _check_version(contract, expected_version)
        owner = contract.client_id
    else:
        if client_id is None:
            client = client_by_code(session, required_text(values, "client", max_len=40))
        else:
            found = session.get(Client, client_id)
            if found is None:
                raise ValidationError(f"client: client {client_id} no longer exists", field="client")
            client = found
        client_id = client.id
        contract = Contract(client_id=client_id, plan=plan, start_month=start)
        owner = client_id
    if contract.cancelled_effective is not None and contract.cancelled_effective < add_months(start, minimum):
        raise ValidationError(
            f"start_month: the recorded cancellation ({format_month(contract.cancelled_effective)}) would fall "
            f"inside the {minimum}-month minimum term",
            field="start_month",
        )
    other = _overlapping(session, owner, contract, start)
    if other is not None:
        until = f" until {format_month(add_months(other.cancelled_effective, -1))}" if other.cancelled_effective else ""
        raise ValidationError(
            f"start_month: the client already has a contract running from {format_month(other.start_month)}{until}",
            field="start_month",
        )
    kept = {k: v for k, v in (contract.options or {}).items() if k not in ("variant", "rounding", "billing", "scope",
                                                                          "max_incidents", "personal_support", "approver")}
    if contract.id is None:
        session.add(contract)
    contract.plan = plan
    contract.start_month = start
    contract.minimum_months = minimum
    contract.notice_months = notice
    contract.service_hours = hours
    contract.options = {**kept, **options}
    contract.fee_limit = fee_limit
    contract.dedicated_required = dedicated
    contract.tariff_ref = tariff_ref
    return contract


def contract_form_values(contract: Contract) -> dict[str, str]:
    """The form text of an existing contract (the inverse of `save_contract`)."""
    options = contract.options or {}
    return {
        "plan": contract.plan,
        "start_month": format_month(contract.start_month),
        "minimum_months": str(contract.minimum_months),
        "notice_months": str(contract.notice_months),
        "service_hours": " ".join(contract.service_hours or ()),
        "fee_limit": "" if contract.fee_limit is None else str(int(contract.fee_limit)),
        "dedicated_required": "yes" if contract.dedicated_required else "no",
        "tariff_ref": contract.tariff_ref,
        "variant": str(options.get("variant", "per_cluster")),
        "rounding": str(options.get("rounding", "half")),
        "billing": str(options.get("billing", "annual")),
        "scope": str(options.get("scope", "normal")),
        "max_incidents": str(options.get("max_incidents", "")),
        "personal_support": str(options.get("personal_support", "")),
        "approver": str(options.get("approver", "")),
    }
