"""PostgreSQL: the group roles' GRANTs and the concierge's row-level security, derived from the matrix.

Migration 0003 creates the access objects (schema `desk_access`: its `config` row with the role prefix,
the login -> concierge mapping, the functions below; the three group roles). `sync(connection)` then
makes the privileges and policies exactly what `data.access.matrix` says: it revokes everything the
groups hold on the data tables and sequences, grants table and column privileges per group, USAGE on
the id sequence of every table a group inserts into, EXECUTE on the access functions, and recreates
the row policies (`desk_*`). It is idempotent; a migration that changes the matrix calls it again.

Group roles are cluster-wide but the schema is per database, so their names carry a prefix stored in
the database (`desk_access.config.role_prefix`, by default the database name): `desk_admin`,
`desk_dispatcher`, `desk_concierge` for a database `desk`, `desk_training_admin`, ... for
`desk_training` on the same server.

Functions in `desk_access` (all SECURITY DEFINER, owned by the schema owner, `search_path` pinned):
- `whoami()` -> (login, kind, concierge_code, is_owner): the signed-in login's group (admin wins over
  dispatcher over concierge; a superuser counts as admin) and, for a concierge, their code. Open to all.
- `my_concierge_id()`, `served_client_ids()`: the concierge of `session_user` and the clients they
  serve (dedicated, or any visit of theirs); the row policies call them. The login is `session_user`,
  so `SET ROLE` does not change whose rows are shown.
- `add_user`, `set_password`, `set_login` (disable/enable), `users()`: account management, for admins
  (and the schema owner, who adds the first admin). Passwords arrive as SCRAM-SHA-256 verifiers
  computed by the client (libpq), never as plain text.
- `end_sessions(login)` (migration 0007): terminates the login's backends; granted to nobody, called by
  `set_login(login, false)` and by the deferred trigger on `concierge` that disables a deactivated
  concierge's logins when the transaction commits.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data.access.matrix import GROUPS, ROW_SCOPES, UPDATE_SCOPES, Group, allows, table_privileges

ACCESS_SCHEMA = "desk_access"
POLICY_PREFIX = "desk_"
SCOPED_GROUP: Group = "concierge"
"""The group whose rows are narrowed by ROW_SCOPES; the other groups see every row they may read."""
PREFIX_MAX = 40
"""Longest role prefix: `<prefix>_dispatcher` must stay within PostgreSQL's 63-byte names."""

USER_FUNCTIONS = (
    "add_user(text, text, text, text)", "set_password(text, text)", "set_login(text, boolean)", "users()",
)
"""Account management: EXECUTE for the groups with the `users` capability."""
ROW_FUNCTIONS = ("my_concierge_id()", "served_client_ids()")
"""Called by the row policies, so the scoped group must be able to execute them."""

_MY_ID = f"(SELECT {ACCESS_SCHEMA}.my_concierge_id())"
_SERVED = f"(SELECT {ACCESS_SCHEMA}.served_client_ids())"
SCOPE_SQL: dict[tuple[str, str], str] = {
    ("visit", "own"): f"concierge_id = {_MY_ID}",
    ("plan_route", "own"): f"concierge_id = {_MY_ID}",
    ("concierge", "own"): f"id = {_MY_ID}",
    ("visit_request", "own"): f"id IN (SELECT v.request_id FROM {{data}}.visit v WHERE v.concierge_id = {_MY_ID})",
    ("visit_request", "served"): f"client_id IN {_SERVED}",
    ("client", "served"): f"id IN {_SERVED}",
    ("office", "served"): f"client_id IN {_SERVED}",
    ("seat", "served"): f"office_id IN (SELECT o.id FROM {{data}}.office o WHERE o.client_id IN {_SERVED})",
    ("incident", "served"): f"client_id IN {_SERVED}",
}
"""Row scopes as SQL conditions on each table (`{data}` = the schema of the data tables)."""
UPDATE_CHECKS: dict[str, str] = {"visit": "status <> 'cancelled'"}
"""Extra conditions on a row the scoped group has changed: a concierge cannot cancel a visit."""


def role_prefix_for(database: str) -> str:
    """The default role prefix: the database name, lower case, letters, digits and `_` only."""
    prefix = re.sub(r"[^a-z0-9_]", "_", database.lower())[:PREFIX_MAX].rstrip("_")
    if not prefix or not prefix[0].isalpha():
        prefix = f"d_{prefix}"[:PREFIX_MAX]
    return prefix


def check_role_prefix(prefix: str) -> str:
    """A role prefix given by the owner (`db upgrade --role-prefix`): same rules as the default."""
    if not re.fullmatch(rf"[a-z][a-z0-9_]{{0,{PREFIX_MAX - 1}}}", prefix):
        raise ValueError(
            f"role prefix {prefix!r}: use up to {PREFIX_MAX} lower-case letters, digits or _, starting with a letter"
        )
    return prefix


def installed(conn: Connection) -> bool:
    """True when this database has the access objects (PostgreSQL at schema 0003 or later)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{ACCESS_SCHEMA}.config"}).scalar())


def group_roles(conn: Connection) -> dict[Group, str]:
    """The PostgreSQL role of each group in this database."""
    prefix = conn.execute(sa.text(f"SELECT role_prefix FROM {ACCESS_SCHEMA}.config")).scalar_one()
    return {g: f"{prefix}_{g}" for g in GROUPS}


def data_schema(conn: Connection) -> str:
    """The schema holding the data tables (recorded when the access objects were created)."""
    return str(conn.execute(sa.text(f"SELECT data_schema FROM {ACCESS_SCHEMA}.config")).scalar_one())


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _columns(conn: Connection, schema: str) -> dict[str, set[str]]:
    rows = conn.execute(
        sa.text(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = :s AND t.table_type = 'BASE TABLE'"
        ),
        {"s": schema},
    )
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _sequences(conn: Connection, schema: str) -> list[str]:
    return list(conn.execute(
        sa.text("SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = :s"), {"s": schema}
    ).scalars())


def sync(conn: Connection) -> None:
    """Make the groups' privileges and the row policies match `data.access.matrix` (idempotent).

    Tables or columns the matrix names that do not exist (yet) are skipped: a later migration that
    creates them calls `sync` again.
    """
    roles = group_roles(conn)
    schema = data_schema(conn)
    s = _q(conn, schema)
    everyone = ", ".join(_q(conn, r) for r in roles.values())
    existing = _columns(conn, schema)

    def run(sql: str) -> None:
        conn.execute(sa.text(sql))

    for table in sorted(existing):
        run(f"REVOKE ALL ON TABLE {s}.{_q(conn, table)} FROM {everyone}")
    for sequence in _sequences(conn, schema):
        run(f"REVOKE ALL ON SEQUENCE {s}.{_q(conn, sequence)} FROM {everyone}")

    for group in GROUPS:
        role = _q(conn, roles[group])
        for table, privileges in sorted(table_privileges(group).items()):
            if table not in existing:
                continue
            target = f"{s}.{_q(conn, table)}"
            whole = [p for p, columns in privileges.items() if columns is None]
            if whole:
                run(f"GRANT {', '.join(sorted(whole))} ON TABLE {target} TO {role}")
            for privilege, columns in sorted(privileges.items()):
                present = sorted((columns or set()) & existing[table])
                if columns is not None and present:
                    run(f"GRANT {privilege} ({', '.join(_q(conn, c) for c in present)}) ON TABLE {target} TO {role}")
            if "INSERT" in privileges and "id" in existing[table]:
                serial = conn.execute(
                    sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{schema}.{table}"}
                ).scalar()
                if serial:
                    run(f"GRANT USAGE ON SEQUENCE {serial} TO {role}")

    a = ACCESS_SCHEMA
    run(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {a} FROM PUBLIC, {everyone}")
    run(f"GRANT USAGE ON SCHEMA {a} TO PUBLIC")
    run(f"GRANT EXECUTE ON FUNCTION {a}.whoami() TO PUBLIC")
    run(f"GRANT EXECUTE ON FUNCTION {', '.join(f'{a}.{f}' for f in ROW_FUNCTIONS)} TO {_q(conn, roles[SCOPED_GROUP])}")
    managers = [_q(conn, roles[g]) for g in GROUPS if allows(g, "users")]
    if managers:
        run(f"GRANT EXECUTE ON FUNCTION {', '.join(f'{a}.{f}' for f in USER_FUNCTIONS)} TO {', '.join(managers)}")
    _sync_policies(conn, roles, schema, existing)


def _sync_policies(conn: Connection, roles: dict[Group, str], schema: str, existing: dict[str, set[str]]) -> None:
    s = _q(conn, schema)
    for table, policy in conn.execute(
        sa.text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = :s AND policyname LIKE :p"),
        {"s": schema, "p": f"{POLICY_PREFIX}%"},
    ).all():
        conn.execute(sa.text(f"DROP POLICY {_q(conn, policy)} ON {s}.{_q(conn, table)}"))
    scoped = table_privileges(SCOPED_GROUP)
    others = ", ".join(_q(conn, roles[g]) for g in GROUPS if g != SCOPED_GROUP)
    concierge = _q(conn, roles[SCOPED_GROUP])
    for table, scope in sorted(ROW_SCOPES.items()):
        if table not in existing:
            continue
        target = f"{s}.{_q(conn, table)}"
        privileges = scoped.get(table, {})
        if "INSERT" in privileges or "DELETE" in privileges:
            raise ValueError(f"{table}: the matrix lets {SCOPED_GROUP}s insert or delete rows, but no row policy covers it")
        conn.execute(sa.text(f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY"))
        conn.execute(sa.text(
            f"CREATE POLICY {POLICY_PREFIX}office_staff ON {target} FOR ALL TO {others} USING (true) WITH CHECK (true)"
        ))
        if "SELECT" in privileges:
            condition = SCOPE_SQL[(table, scope)].format(data=s)
            conn.execute(sa.text(f"CREATE POLICY {POLICY_PREFIX}{SCOPED_GROUP}_read ON {target} FOR SELECT TO {concierge} USING ({condition})"))
        if "UPDATE" in privileges:
            condition = SCOPE_SQL[(table, UPDATE_SCOPES[table])].format(data=s)
            check = f"({condition}) AND ({UPDATE_CHECKS[table]})" if table in UPDATE_CHECKS else condition
            conn.execute(sa.text(
                f"CREATE POLICY {POLICY_PREFIX}{SCOPED_GROUP}_update ON {target} FOR UPDATE TO {concierge} "
                f"USING ({condition}) WITH CHECK ({check})"
            ))


def remove(conn: Connection) -> None:
    """Undo migration 0003: policies, row security, privileges, the access schema and the group roles.

    The people's LOGIN roles stay (they are created by `concierge user add`, not by the migration, and
    may be used elsewhere); without their group they have no rights on this database.
    """
    roles = group_roles(conn)
    schema = data_schema(conn)
    s = _q(conn, schema)
    everyone = ", ".join(_q(conn, r) for r in roles.values())
    revoked_public = bool(conn.execute(sa.text(f"SELECT revoked_public_connect FROM {ACCESS_SCHEMA}.config")).scalar())
    for table, policy in conn.execute(
        sa.text("SELECT tablename, policyname FROM pg_policies WHERE schemaname = :s AND policyname LIKE :p"),
        {"s": schema, "p": f"{POLICY_PREFIX}%"},
    ).all():
        conn.execute(sa.text(f"DROP POLICY {_q(conn, policy)} ON {s}.{_q(conn, table)}"))
    for table in sorted(ROW_SCOPES):
        if conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": f"{schema}.{table}"}).scalar():
            conn.execute(sa.text(f"ALTER TABLE {s}.{_q(conn, table)} DISABLE ROW LEVEL SECURITY"))
    conn.execute(sa.text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {everyone}"))
    conn.execute(sa.text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {everyone}"))
    database = _q(conn, conn.execute(sa.text("SELECT current_database()")).scalar_one())
    conn.execute(sa.text(f"REVOKE ALL ON DATABASE {database} FROM {everyone}"))
    if revoked_public:
        conn.execute(sa.text(f"GRANT CONNECT ON DATABASE {database} TO PUBLIC"))
    conn.execute(sa.text(f"DROP SCHEMA {ACCESS_SCHEMA} CASCADE"))
    for role in roles.values():
        conn.execute(sa.text(f"DROP ROLE {_q(conn, role)}"))
