"""Transaction-level advisory locks: they serialise what no row or constraint can guard on PostgreSQL.

PostgreSQL runs writers side by side under READ COMMITTED, so "read, decide, write" is only safe when the
deciders queue. Two rules need that:

- **closing a month** against work slips and incidents of that month: `billing close` takes the month's
  lock exclusively before it reads anything (`lock_month_for_close`); every insert, change or delete of a
  visit or incident takes it shared, in the database trigger of migration 0002 (`BILLING_MONTH_LOCK`
  there), before it looks at `closed_month`. A slip saved first is on the invoice; a slip saved during or
  after the close waits, then is refused. Slips never wait for each other (shared).
- **the next free code** (C0042) of a client, office or concierge saved without one
  (`lock_code_allocation`): the second person waits until the first commits and then sees that code taken.

The locks end with the transaction (`pg_advisory_xact_lock`), so a crash or kill -9 never leaves one held.
On SQLite these are no-ops: `Database.transaction` starts every unit of work with BEGIN IMMEDIATE, so
writers run one at a time and each reads what the previous one committed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

BILLING_MONTH_LOCK = 17229
"""First key of a month's lock; the second is YYYYMM. Migration 0002's trigger uses the same number."""
CODE_ALLOCATION_LOCK = 17230
"""First key of the code-allocation lock; the second names the table (CODE_TABLES)."""
CODE_TABLES = {"client": 1, "office": 2, "concierge": 3}


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def month_key(month: dt.date) -> int:
    return month.year * 100 + month.month


def lock_month_for_close(session: Session, month: dt.date) -> None:
    """Wait until no one else is writing visits or incidents of `month`, and keep them out until commit."""
    if _postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key, :month)"),
                        {"key": BILLING_MONTH_LOCK, "month": month_key(month)})


def lock_code_allocation(session: Session, table: str) -> None:
    """Queue behind anyone else picking the next free code for `table` until their transaction ends."""
    if _postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key, :table)"),
                        {"key": CODE_ALLOCATION_LOCK, "table": CODE_TABLES[table]})
