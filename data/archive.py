"""Archiving: a client that no longer buys service leaves the lists but keeps its history.

Archived clients are `active = False`; nothing is deleted (invoices, visits and incidents stay).
The caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.errors import ConflictError, NotFoundError, ValidationError
from data.models import Client, Contract, Seat


def set_client_active(session: Session, client_id: int, active: bool, *, expected_version: int | None = None) -> Client:
    """Archive (active=False) or restore a client; refuses while it has an active contract."""
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"client {client_id} no longer exists")
    if expected_version is not None and client.version != expected_version:
        raise ConflictError(f"client {client.code} was changed by someone else since you opened it; reload and try again")
    if not active:
        running = session.scalars(
            select(Contract).where(Contract.client_id == client_id, Contract.status == "active")
        ).first()
        if running is not None and running.cancelled_effective is None:
            raise ValidationError(
                f"{client.name} still has an active {running.plan} contract; cancel it before archiving",
                field="contract",
            )
    client.active = active
    return client


def delete_seat(session: Session, seat_id: int, *, expected_version: int | None = None) -> None:
    """Remove a seat line from an office's inventory (refused when someone changed it since it was shown)."""
    seat = session.get(Seat, seat_id)
    if seat is None:
        raise NotFoundError(f"seat {seat_id} no longer exists")
    if expected_version is not None and seat.version != expected_version:
        raise ConflictError(
            f"the seat line {seat.label!r} was changed by someone else since you opened it; reload and try again"
        )
    session.delete(seat)
