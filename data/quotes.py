"""Quotes from the database: a client's seats on record → `pricing.quote` inputs; quotes → `Quote` rows.

Seats count as the quote counts them: Windows client PCs and Windows servers are priced; PCs and
servers on another OS are out of scope (flagged by the quote, not priced); printers, network gear and
smartphones are covered by the service but do not drive the unit count. A Windows PC or server is old
when its purchase year is at least the tariff's `old_device_age_years` before `today`'s year. The
client's active seat-plan contract gives the options (service hours, rounding and the other
conditions stored in `Contract.options`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.clock import business_now, business_today
from data.errors import NotFoundError, ValidationError
from data.models import Client, Contract, Office
from data.models import Quote as QuoteRow
from pricing.errors import PricingError
from pricing.quote import OfficeInput, Quote, QuoteOptions
from pricing.tariff import Tariff, load_tariff

PRICED_KINDS = ("pc", "server")
SEAT_PLAN = "concierge_seats"
OPTION_KEYS = ("rounding", "tolerance_pcs", "visits_per_month", "response_hours", "team_size", "visiting", "first_line_support", "low_it_literacy")
"""Keys of `Contract.options` that become quote options (besides `service_hours`, a column)."""


def _office_input(office: Office, *, old_before: int) -> OfficeInput:
    pcs = servers = other = old = 0
    for seat in office.seats:
        if seat.kind not in PRICED_KINDS:
            continue
        if seat.os != "windows":
            other += seat.count
            continue
        if seat.kind == "pc":
            pcs += seat.count
        else:
            servers += seat.count
        if seat.purchase_year is not None and seat.purchase_year <= old_before:
            old += seat.count
    try:
        return OfficeInput(name=office.name, lat=office.lat, lon=office.lon, pcs=pcs, servers=servers, other_seats=other, old_devices=old)
    except PricingError as exc:
        raise ValidationError(f"office {office.code}: {exc}", field=str(exc).split(":", 1)[0]) from None


def _seat_contract(client: Client) -> Contract | None:
    contracts = [c for c in client.contracts if c.plan == SEAT_PLAN and c.status == "active"]
    return max(contracts, key=lambda c: c.start_month) if contracts else None


def _options(contract: Contract | None) -> QuoteOptions:
    if contract is None:
        return QuoteOptions()
    stored: dict[str, Any] = dict(contract.options or {})
    values: dict[str, Any] = {key: stored[key] for key in OPTION_KEYS if key in stored and stored[key] is not None}
    try:
        return QuoteOptions(service_hours=tuple(contract.service_hours or ()), **values)
    except PricingError as exc:
        raise ValidationError(f"contract {contract.id}: {exc}", field=str(exc).split(":", 1)[0]) from None


def client_quote_inputs(
    session: Session, client_id: int, *, tariff: Tariff | None = None, today: dt.date | None = None
) -> tuple[list[OfficeInput], QuoteOptions]:
    """The client's offices with their seats on record, and the quote options of its seat-plan contract."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"client: no client with id {client_id}")
    age = (tariff or load_tariff()).conditions.old_device_age_years
    year = (today or business_today()).year
    offices = [_office_input(office, old_before=year - age) for office in sorted(client.offices, key=lambda o: o.id)]
    if not offices:
        raise ValidationError(f"client: {client.code} ({client.name}) has no offices to quote", field="client")
    return offices, _options(_seat_contract(client))


def save_quote(session: Session, quote: Quote, client_id: int | None, *, now: dt.datetime | None = None) -> QuoteRow:
    """Store `quote` (its JSON body, totals of the recommended plan and tariff version); flushes, never commits."""
    if client_id is not None and session.get(Client, client_id) is None:
        raise NotFoundError(f"client: no client with id {client_id}")
    row = QuoteRow(
        client_id=client_id,
        created_at=now or business_now(),
        tariff_version=quote.tariff_version,
        recommended=quote.recommended,
        net_total=quote.net_total,
        tax=quote.tax,
        gross_total=quote.gross_total,
        body=quote.to_json(),
    )
    session.add(row)
    session.flush()
    return row


def list_quotes(session: Session, client_id: int | None = None) -> list[QuoteRow]:
    """Saved quotes, newest first (one client's when `client_id` is given)."""
    query = select(QuoteRow).order_by(QuoteRow.created_at.desc(), QuoteRow.id.desc())
    if client_id is not None:
        query = query.where(QuoteRow.client_id == client_id)
    return list(session.scalars(query))
