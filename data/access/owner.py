"""PostgreSQL: only the schema owner changes the schema.

The owner role owns the database, every table, the access functions and the group roles (it created
them). `concierge db upgrade` refuses to run as anyone else, the server's superuser included: objects
made by another role would be owned by it, and a person's login lacks the rights to finish anyway.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data.errors import AccessDenied


def schema_owner(engine: Engine) -> str | None:
    """PostgreSQL: the role that owns the schema (the owner of its tables, else of the database)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        owner: str | None = conn.execute(sa.text(
            "SELECT coalesce("
            "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('alembic_version')), "
            "(SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()))"
        )).scalar()
        return owner


def check_may_upgrade(engine: Engine) -> None:
    """Refuse to change the schema unless signed in as its owner (PostgreSQL; SQLite has no logins).

    The owner creates and owns every table, function and group role; anyone else running the
    migrations would own half of them, or lack the rights to finish.
    """
    owner = schema_owner(engine)
    if owner is None:
        return
    with engine.connect() as conn:
        login = conn.execute(sa.text("SELECT session_user::text")).scalar_one()
    if login != owner:
        raise AccessDenied(
            f"you are signed in as {login}: `concierge db upgrade` runs only as the schema owner {owner} "
            f"(--db postgresql+psycopg://{owner}@{engine.url.host or 'localhost'}/{engine.url.database})"
        )
