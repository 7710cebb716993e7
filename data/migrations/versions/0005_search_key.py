"""search key: clients are found the way Japanese users type (hiragana = katakana, full-width = half-width)

Revision ID: 0005
Revises: 0003 (the lead re-chains it after 0004 at merge time)
Create Date: 2026-12-02

`client.search_key` holds the client's code, name and kana folded by `data.search.fold` (NFKC, katakana →
hiragana, casefold, no spaces). Every search box folds what is typed the same way and matches it with a
plain LIKE, so `まるやま` finds `株式会社マルヤマ` on SQLite and PostgreSQL alike. Existing rows are filled in
here; new and changed rows get theirs from the model (data/models.py) and the CSV import (apply_client).
PostgreSQL: the column is covered by the table grants of 0003 (client is granted whole, not by column).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from data.search import client_search_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.add_column("client", sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    client = sa.table("client", sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
                      sa.column("name_kana", sa.String), sa.column("search_key", sa.Text))
    rows = bind.execute(sa.select(client.c.id, client.c.code, client.c.name, client.c.name_kana)).all()
    update = sa.update(client).where(client.c.id == sa.bindparam("_id")).values(search_key=sa.bindparam("_key"))
    for start in range(0, len(rows), BATCH):
        bind.execute(update, [{"_id": r.id, "_key": client_search_key(r.code, r.name, r.name_kana)}
                              for r in rows[start : start + BATCH]])


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop and re-create `client`, and with foreign
    # keys on that deletes every office and seat through ON DELETE CASCADE
    op.execute("ALTER TABLE client DROP COLUMN search_key")
