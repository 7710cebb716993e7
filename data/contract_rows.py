"""Contracts as the contracts screen lists them: one row per contract with its earliest end of service.

No ORM object leaves the session: `contract_rows` returns frozen `ContractRow`s, filtered by client or by
words of the client's code, name or kana, at most `limit` of them (`count_contracts` says how many match).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from data.contracts import PLAN_LABELS, ROUNDING_WORDS, SCOPE_WORDS, VARIANT_WORDS, CancellationTerms, contract_terms, earliest_cancellation
from data.models import Client, Contract
from data.search import matches_all


@dataclass(frozen=True)
class ContractRow:
    """One contract as the contracts screen lists it (no ORM object leaves the session)."""

    id: int
    version: int
    client_id: int
    client_code: str
    client_name: str
    plan: str
    start_month: dt.date
    minimum_months: int
    notice_months: int
    service_hours: tuple[str, ...]
    fee_limit: Decimal | None
    status: str
    cancelled_effective: dt.date | None
    earliest_end: dt.date
    """Last day of service if cancellation were asked today."""
    summary: str
    """Plan details in a few words (variant/rounding or billing/scope/limit)."""

    def terms(self, requested_on: dt.date) -> CancellationTerms:
        """The earliest cancellation if asked on `requested_on`."""
        return earliest_cancellation(
            self.start_month, requested_on, minimum_months=self.minimum_months, notice_months=self.notice_months
        )

    @property
    def plan_label(self) -> str:
        return PLAN_LABELS.get(self.plan, self.plan)

    @property
    def status_text(self) -> str:
        if self.status == "cancelled" and self.cancelled_effective is not None:
            return f"ends {self.cancelled_effective - dt.timedelta(days=1):%Y-%m-%d}"
        return self.status


def _summary(contract: Contract) -> str:
    options = contract.options or {}
    if contract.plan == "concierge_seats":
        variant, rounding = str(options.get("variant", "per_cluster")), str(options.get("rounding", "half"))
        return f"{VARIANT_WORDS.get(variant, variant)}, {ROUNDING_WORDS.get(rounding, rounding)}"
    scope = str(options.get("scope", "normal"))
    parts = [f"{options.get('billing', 'annual')} billing", f"{SCOPE_WORDS.get(scope, scope)} scope"]
    if options.get("max_incidents"):
        parts.append(f"max {options['max_incidents']}/month")
    return ", ".join(parts)


def _contract_filter(client_id: int | None, search: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if client_id is not None:
        where.append(Contract.client_id == client_id)
    if search.strip():
        where.append(matches_all(Client.search_key, search))
    return where


def count_contracts(session: Session, *, client_id: int | None = None, search: str = "") -> int:
    """How many contracts `contract_rows` would list without its limit."""
    query = select(func.count(Contract.id)).join(Client, Contract.client_id == Client.id).where(*_contract_filter(client_id, search))
    return session.scalar(query) or 0


def contract_rows(
    session: Session, today: dt.date, *, client_id: int | None = None, search: str = "", limit: int = 500
) -> list[ContractRow]:
    """Contracts (of one client, or all; clients matching every word of `search` in code, name or kana)
    with the earliest end of service if cancelled `today`; at most `limit` rows."""
    where = _contract_filter(client_id, search)
    query = (
        select(Contract, Client).join(Client, Contract.client_id == Client.id).where(*where)
        .order_by(Client.code, Contract.start_month).limit(limit)
    )
    rows: list[ContractRow] = []
    for contract, client in session.execute(query).all():
        rows.append(ContractRow(
            id=contract.id, version=contract.version, client_id=client.id, client_code=client.code,
            client_name=client.name, plan=contract.plan, start_month=contract.start_month,
            minimum_months=contract.minimum_months, notice_months=contract.notice_months,
            service_hours=tuple(contract.service_hours or ()), fee_limit=contract.fee_limit,
            status=contract.status, cancelled_effective=contract.cancelled_effective,
            earliest_end=contract_terms(contract, today).last_day, summary=_summary(contract),
        ))
    return rows
