"""plan breaks: the committed route of each concierge and date, with its break

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00

A committed plan used to be only its visit rows: the lunch break the optimizer gave each concierge, the
departure and the way home were dropped, so the committed day no longer read as proposed (a stop could
then overlap the lunch the plan had). Table `plan_route` keeps them: one row per concierge and date,
written by the same commit as the visits.

PostgreSQL: the groups get what data/access/matrix.py says (`data.access.grants.sync`): admins and
dispatchers read and write it, a concierge reads only their own rows (row-level security).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _sync_grants() -> None:
    from data.access.grants import installed, sync

    bind = op.get_bind()
    if installed(bind):
        sync(bind)


def upgrade() -> None:
    op.create_table(
        "plan_route",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concierge_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("departs_at", sa.DateTime(), nullable=False),
        sa.Column("returns_at", sa.DateTime(), nullable=False),
        sa.Column("return_travel_seconds", sa.Integer(), nullable=False),
        sa.Column("return_travel_meters", sa.Integer(), nullable=False),
        sa.Column("break_start", sa.DateTime(), nullable=True),
        sa.Column("break_end", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("returns_at >= departs_at", name=op.f("ck_plan_route_returns_after_departure")),
        sa.CheckConstraint("(break_start IS NULL) = (break_end IS NULL)", name=op.f("ck_plan_route_break_whole")),
        sa.CheckConstraint("break_end >= break_start", name=op.f("ck_plan_route_break_ordered")),
        sa.ForeignKeyConstraint(["concierge_id"], ["concierge.id"], name=op.f("fk_plan_route_concierge_id_concierge")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_route")),
        sa.UniqueConstraint("concierge_id", "date", name="uq_plan_route_concierge_date"),
    )
    op.create_index(op.f("ix_plan_route_concierge_id"), "plan_route", ["concierge_id"], unique=False)
    op.create_index(op.f("ix_plan_route_date"), "plan_route", ["date"], unique=False)
    _sync_grants()


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_route_date"), table_name="plan_route")
    op.drop_index(op.f("ix_plan_route_concierge_id"), table_name="plan_route")
    op.drop_table("plan_route")
    _sync_grants()
