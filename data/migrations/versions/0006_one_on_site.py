"""one stop on site at a time: one in-progress visit per concierge and day

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:00:00

A partial unique index, the same on SQLite and PostgreSQL: `uq_visit_one_on_site` over
`visit (concierge_id, date) WHERE status = 'in_progress'`. Two "arrived" saved at once for two stops of
one concierge's day cannot both commit (the second waits for the first's index entry, then fails);
data.work_slip reads first only to name the other stop in its sentence, and data.integrity translates
the index's refusal for the race. Per day, not per concierge: a visit left "on site" on a past day (in a
month that may be closed and so locked) never blocks today.

An index, not a table rebuild: SQLite keeps migration 0002's triggers on `visit`.
(Numbered 0006: the board's 0004 and the admin's 0005 are on other branches; re-chain on merge.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from data.errors import DatabaseError

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "uq_visit_one_on_site"
ON_SITE = sa.text("status = 'in_progress'")


def _check_no_two_on_site() -> None:
    """Refuse to upgrade a database where a concierge already has two visits on site the same day."""
    rows = op.get_bind().execute(sa.text("""
        SELECT k.code, v.date, count(*) FROM visit v JOIN concierge k ON k.id = v.concierge_id
        WHERE v.status = 'in_progress' GROUP BY k.code, v.date HAVING count(*) > 1 ORDER BY k.code, v.date
    """)).all()
    if rows:
        listed = "; ".join(f"{code} on {day}: {n} visits" for code, day, n in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        raise DatabaseError(
            f"cannot upgrade: concierges marked on site at two stops at once ({listed}{more}); "
            "mark all but one done or planned with the previous version, then upgrade"
        )


def upgrade() -> None:
    _check_no_two_on_site()
    op.create_index(INDEX, "visit", ["concierge_id", "date"], unique=True, sqlite_where=ON_SITE, postgresql_where=ON_SITE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="visit")
