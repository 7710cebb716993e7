"""integrity: seat version counter, one running contract per client, closed months locked by the database

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 17:30:00

- `seat.version`: seats get the optimistic-lock counter every other edited row has (existing rows: 1).
- One running contract per client: PostgreSQL enforces it with an exclusion constraint over
  `daterange(start_month, cancelled_effective)` (btree_gist); SQLite with BEFORE INSERT/UPDATE triggers.
  A contract runs when it is active, or cancelled with a recorded effective month (it runs until then).
- Closed billing months: visits (by `date`) and incidents (by `closed_at`) of a closed month can no longer
  be inserted, changed or deleted. PostgreSQL: one trigger function that first takes the month's shared
  advisory lock (`pg_advisory_xact_lock_shared(17229, YYYYMM)`; `billing close` takes the exclusive one
  before it reads anything, see data/locks.py), then looks at `closed_month`. SQLite: triggers (SQLite
  runs one writer at a time, so the check cannot race).

SQLite: an Alembic batch operation that recreates `visit`, `incident` or `contract` drops their triggers;
a later migration that does so must create them again (tests/test_data_integrity.py checks they exist at
head).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from data.errors import DatabaseError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BILLING_MONTH_LOCK = 17229
"""First key of the month advisory lock (data.locks.BILLING_MONTH_LOCK; keep them equal)."""

CLOSED_MONTH_MESSAGE = "closed_month_locked"
ONE_RUNNING_CONTRACT = "ex_contract_one_running"

# A contract occupies [start_month, cancelled_effective); NULL = open-ended; an end before the start = empty.
_RUNS = "(status = 'active' OR cancelled_effective IS NOT NULL)"

PG_CONTRACT_EXCLUSION = f"""
ALTER TABLE contract ADD CONSTRAINT {ONE_RUNNING_CONTRACT} EXCLUDE USING gist (
    client_id WITH =,
    daterange(start_month, CASE WHEN cancelled_effective IS NULL THEN NULL
                                ELSE GREATEST(cancelled_effective, start_month) END, '[)') WITH &&
) WHERE {_RUNS}
"""

PG_CLOSED_MONTH_FUNCTION = f"""
CREATE FUNCTION concierge_closed_month_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    months date[] := ARRAY[]::date[];
    first_day date;
    row_id integer;
BEGIN
    IF TG_TABLE_NAME = 'visit' THEN
        IF TG_OP <> 'DELETE' THEN months := months || date_trunc('month', NEW.date)::date; END IF;
        IF TG_OP <> 'INSERT' THEN months := months || date_trunc('month', OLD.date)::date; END IF;
    ELSE
        IF TG_OP <> 'DELETE' AND NEW.closed_at IS NOT NULL THEN
            months := months || date_trunc('month', NEW.closed_at)::date;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.closed_at IS NOT NULL THEN
            months := months || date_trunc('month', OLD.closed_at)::date;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN row_id := OLD.id; ELSE row_id := NEW.id; END IF;
    FOR first_day IN SELECT DISTINCT m FROM unnest(months) AS m ORDER BY m LOOP
        -- waits while `billing close` holds the month; a fresh snapshot below then sees its result
        PERFORM pg_advisory_xact_lock_shared({BILLING_MONTH_LOCK},
                                             (extract(year FROM first_day) * 100 + extract(month FROM first_day))::integer);
        IF EXISTS (SELECT 1 FROM closed_month WHERE closed_month.month = first_day) THEN
            RAISE EXCEPTION '% % is in closed billing month %; it was invoiced and can no longer be changed',
                TG_TABLE_NAME, coalesce(row_id::text, '(new)'), to_char(first_day, 'YYYY-MM')
                USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = '{CLOSED_MONTH_MESSAGE}';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$
"""


def _sqlite_contract_trigger(operation: str) -> str:
    other = "c.id <> NEW.id AND " if operation == "UPDATE" else ""
    return f"""
CREATE TRIGGER tr_contract_one_running_{operation.lower()} BEFORE {operation} ON contract
WHEN (NEW.status = 'active' OR NEW.cancelled_effective IS NOT NULL)
 AND (NEW.cancelled_effective IS NULL OR NEW.cancelled_effective > NEW.start_month)
 AND EXISTS (
    SELECT 1 FROM contract AS c
    WHERE {other}c.client_id = NEW.client_id
      AND (c.status = 'active' OR c.cancelled_effective IS NOT NULL)
      AND (c.cancelled_effective IS NULL OR c.cancelled_effective > c.start_month)
      AND (NEW.cancelled_effective IS NULL OR c.start_month < NEW.cancelled_effective)
      AND (c.cancelled_effective IS NULL OR NEW.start_month < c.cancelled_effective))
BEGIN SELECT RAISE(ABORT, '{ONE_RUNNING_CONTRACT}'); END
"""


def _sqlite_closed_month_trigger(table: str, column: str, operation: str) -> str:
    rows = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}[operation]
    months = ", ".join(f"date({row}.{column}, 'start of month')" for row in rows)
    return f"""
CREATE TRIGGER tr_{table}_closed_month_{operation.lower()} BEFORE {operation} ON {table}
WHEN EXISTS (SELECT 1 FROM closed_month WHERE month IN ({months}))
BEGIN SELECT RAISE(ABORT, '{CLOSED_MONTH_MESSAGE}'); END
"""


LOCKED_TABLES = (("visit", "date"), ("incident", "closed_at"))
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def _check_no_overlapping_contracts() -> None:
    """Refuse to upgrade a database that already has two running contracts for one client."""
    rows = op.get_bind().execute(sa.text(f"""
        SELECT cl.code, a.id, b.id FROM contract a JOIN contract b ON a.client_id = b.client_id AND a.id < b.id
        JOIN client cl ON cl.id = a.client_id
        WHERE (a.status = 'active' OR a.cancelled_effective IS NOT NULL)
          AND (b.status = 'active' OR b.cancelled_effective IS NOT NULL)
          AND (a.cancelled_effective IS NULL OR a.cancelled_effective > a.start_month)
          AND (b.cancelled_effective IS NULL OR b.cancelled_effective > b.start_month)
          AND (a.cancelled_effective IS NULL OR b.start_month < a.cancelled_effective)
          AND (b.cancelled_effective IS NULL OR a.start_month < b.cancelled_effective)
        ORDER BY cl.code, a.id
    """)).all()
    if rows:
        pairs = "; ".join(f"client {code}: contracts {a} and {b}" for code, a, b in rows[:5])
        more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
        raise DatabaseError(
            f"cannot upgrade: clients with two running contracts at once ({pairs}{more}); "
            "cancel or correct one of each pair with the previous version, then upgrade"
        )


def upgrade() -> None:
    _check_no_overlapping_contracts()
    with op.batch_alter_table("seat") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("seat") as batch_op:
        batch_op.alter_column("version", server_default=None)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(PG_CONTRACT_EXCLUSION)
        op.execute(PG_CLOSED_MONTH_FUNCTION)
        for table, _column in LOCKED_TABLES:
            op.execute(
                f"CREATE TRIGGER tr_{table}_closed_month BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION concierge_closed_month_guard()"
            )
        return
    for operation in ("INSERT", "UPDATE"):
        op.execute(_sqlite_contract_trigger(operation))
    for table, column in LOCKED_TABLES:
        for operation in OPERATIONS:
            op.execute(_sqlite_closed_month_trigger(table, column, operation))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _column in LOCKED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_closed_month ON {table}")
        op.execute("DROP FUNCTION IF EXISTS concierge_closed_month_guard()")
        op.execute(f"ALTER TABLE contract DROP CONSTRAINT IF EXISTS {ONE_RUNNING_CONTRACT}")
        # btree_gist stays: other schemas in the database may use it
    else:
        for table, _column in LOCKED_TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_closed_month_{operation.lower()}")
        for operation in ("INSERT", "UPDATE"):
            op.execute(f"DROP TRIGGER IF EXISTS tr_contract_one_running_{operation.lower()}")
    with op.batch_alter_table("seat") as batch_op:
        batch_op.drop_column("version")
