"""access: group roles, row-level security and account functions (PostgreSQL only)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

Creates schema `desk_access` (config row with the role prefix, the login -> concierge mapping, the
functions described in data/access/grants.py), the NOLOGIN group roles `<prefix>_admin`,
`<prefix>_dispatcher`, `<prefix>_concierge`, takes CONNECT on the database away from PUBLIC (the groups
get it), and grants what data/access/matrix.py says (`data.access.grants.sync`). The prefix is the
database name unless `concierge db upgrade --role-prefix` gives one. Run by the schema owner: on
PostgreSQL 15 it needs CREATEROLE; on 16 and later CREATEROLE, and it becomes ADMIN of the roles it
creates (the groups, and the logins `add_user` creates), which is all it may change.
On SQLite this revision does nothing: a file has no logins.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from data.access.grants import ACCESS_SCHEMA, check_role_prefix, remove, role_prefix_for, sync
from data.errors import DatabaseError

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

A = ACCESS_SCHEMA

FUNCTIONS = r"""
CREATE FUNCTION {a}.my_concierge_id() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT l.concierge_id FROM {a}.concierge_login l WHERE l.login = session_user
$$;

CREATE FUNCTION {a}.served_client_ids() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.id FROM {d}.client c WHERE c.dedicated_concierge_id = {a}.my_concierge_id()
  UNION
  SELECT r.client_id FROM {d}.visit v JOIN {d}.visit_request r ON r.id = v.request_id
   WHERE v.concierge_id = {a}.my_concierge_id()
$$;

CREATE FUNCTION {a}.whoami() RETURNS TABLE (login text, kind text, concierge_code text, is_owner boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT session_user::text,
         CASE WHEN pg_has_role(session_user, c.role_prefix || '_admin', 'USAGE') THEN 'admin'
              WHEN pg_has_role(session_user, c.role_prefix || '_dispatcher', 'USAGE') THEN 'dispatcher'
              WHEN pg_has_role(session_user, c.role_prefix || '_concierge', 'USAGE') THEN 'concierge' END,
         (SELECT k.code::text FROM {d}.concierge k JOIN {a}.concierge_login l ON l.concierge_id = k.id
           WHERE l.login = session_user),
         session_user = current_user
    FROM {a}.config c
$$;

CREATE FUNCTION {a}.require_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- current_user is this function's owner (the schema owner), session_user the person signed in
  IF session_user <> current_user
     AND NOT pg_has_role(session_user, (SELECT c.role_prefix FROM {a}.config c) || '_admin', 'USAGE') THEN
    RAISE EXCEPTION 'only an admin may manage users' USING ERRCODE = 'insufficient_privilege';
  END IF;
END $$;

CREATE FUNCTION {a}.check_desk_user(p_login text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_prefix text := (SELECT c.role_prefix FROM {a}.config c);
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_auth_members m
      JOIN pg_roles g ON g.oid = m.roleid
      JOIN pg_roles u ON u.oid = m.member
     WHERE u.rolname = p_login AND NOT u.rolsuper
       AND g.rolname IN (v_prefix || '_admin', v_prefix || '_dispatcher', v_prefix || '_concierge')
  ) THEN
    RAISE EXCEPTION 'login % is not a user of this database', p_login USING ERRCODE = 'undefined_object';
  END IF;
END $$;

CREATE FUNCTION {a}.add_user(p_login text, p_kind text, p_concierge_code text, p_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_prefix text := (SELECT c.role_prefix FROM {a}.config c);
  v_concierge integer;
  v_taken text;
BEGIN
  PERFORM {a}.require_admin();
  IF p_login IS NULL OR p_login !~ '^[a-z][a-z0-9_.-]{{0,62}}$' THEN
    RAISE EXCEPTION 'login %: use lower-case letters, digits, _ . or -, starting with a letter', p_login
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_kind NOT IN ('admin', 'dispatcher', 'concierge') THEN
    RAISE EXCEPTION 'role %: admin, dispatcher or concierge', p_kind USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_verifier IS NULL OR p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
    RAISE EXCEPTION 'password: a SCRAM-SHA-256 verifier is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = p_login) THEN
    RAISE EXCEPTION 'login % already exists on this database server (logins are shared by all its databases)', p_login
      USING ERRCODE = 'duplicate_object';
  END IF;
  IF p_kind = 'concierge' THEN
    SELECT k.id INTO v_concierge FROM {d}.concierge k WHERE k.code = upper(p_concierge_code);
    IF v_concierge IS NULL THEN
      RAISE EXCEPTION 'concierge %: no concierge has this code', p_concierge_code USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT l.login INTO v_taken FROM {a}.concierge_login l WHERE l.concierge_id = v_concierge;
    IF v_taken IS NOT NULL THEN
      RAISE EXCEPTION 'concierge % already signs in as %', upper(p_concierge_code), v_taken
        USING ERRCODE = 'duplicate_object';
    END IF;
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS '
                 'PASSWORD %L IN ROLE %I', p_login, p_verifier, v_prefix || '_' || p_kind);
  EXECUTE format('COMMENT ON ROLE %I IS %L', p_login,
                 'Concierge Desk ' || p_kind || ' of database ' || current_database());
  IF v_concierge IS NOT NULL THEN
    INSERT INTO {a}.concierge_login (login, concierge_id) VALUES (p_login, v_concierge);
  END IF;
END $$;

CREATE FUNCTION {a}.set_password(p_login text, p_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM {a}.require_admin();
  PERFORM {a}.check_desk_user(p_login);
  IF p_verifier IS NULL OR p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
    RAISE EXCEPTION 'password: a SCRAM-SHA-256 verifier is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
END $$;

CREATE FUNCTION {a}.set_login(p_login text, p_enabled boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM {a}.require_admin();
  PERFORM {a}.check_desk_user(p_login);
  IF p_login = session_user AND NOT p_enabled THEN
    RAISE EXCEPTION 'login %: you cannot disable your own login', p_login USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('ALTER ROLE %I %s', p_login, CASE WHEN p_enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
END $$;

CREATE FUNCTION {a}.users() RETURNS TABLE (login text, kind text, concierge_code text, can_login boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_prefix text := (SELECT c.role_prefix FROM {a}.config c);
BEGIN
  PERFORM {a}.require_admin();
  RETURN QUERY
    SELECT u.rolname::text, substr(g.rolname, length(v_prefix) + 2)::text, k.code::text, u.rolcanlogin
      FROM pg_auth_members m
      JOIN pg_roles g ON g.oid = m.roleid
      JOIN pg_roles u ON u.oid = m.member
      LEFT JOIN {a}.concierge_login l ON l.login = u.rolname
      LEFT JOIN {d}.concierge k ON k.id = l.concierge_id
     WHERE g.rolname IN (v_prefix || '_admin', v_prefix || '_dispatcher', v_prefix || '_concierge')
     ORDER BY 1, 2;
END $$;
"""


def _prefix(conn: sa.Connection) -> str:
    given = context.config.attributes.get("role_prefix")
    if given:
        try:
            return check_role_prefix(str(given))
        except ValueError as exc:
            raise DatabaseError(str(exc)) from None
    return role_prefix_for(conn.execute(sa.text("SELECT current_database()")).scalar_one())


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    prefix = _prefix(conn)
    groups = [f"{prefix}_{kind}" for kind in ("admin", "dispatcher", "concierge")]
    existing = set(conn.execute(sa.text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"), {"names": groups}).scalars())
    taken = [g for g in groups if g in existing]  # named in a fixed order: admin, dispatcher, concierge
    if taken:
        raise DatabaseError(
            f"role {taken[0]} already exists on this server (another database uses the role prefix {prefix!r}): "
            "run `concierge db upgrade --role-prefix NAME` with a prefix of its own"
        )
    schema, database = conn.execute(sa.text("SELECT current_schema(), current_database()")).one()
    quote = conn.dialect.identifier_preparer.quote
    public_connect = bool(conn.execute(sa.text("SELECT has_database_privilege('public', current_database(), 'CONNECT')")).scalar())

    op.execute(f"CREATE SCHEMA {A}")
    op.execute(f"REVOKE ALL ON SCHEMA {A} FROM PUBLIC")
    op.execute(
        f"CREATE TABLE {A}.config (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), "
        "role_prefix text NOT NULL, data_schema text NOT NULL, revoked_public_connect boolean NOT NULL)"
    )
    conn.execute(
        sa.text(f"INSERT INTO {A}.config (role_prefix, data_schema, revoked_public_connect) VALUES (:p, :s, :r)"),
        {"p": prefix, "s": schema, "r": public_connect},
    )
    op.execute(
        f"CREATE TABLE {A}.concierge_login (login text PRIMARY KEY, "
        f"concierge_id integer NOT NULL UNIQUE REFERENCES {quote(schema)}.concierge (id) ON DELETE CASCADE)"
    )
    for kind, group in zip(("admins", "dispatchers", "concierges"), groups, strict=True):
        op.execute(f"CREATE ROLE {quote(group)} NOLOGIN")
        op.execute(f"COMMENT ON ROLE {quote(group)} IS 'Concierge Desk {kind} of database {database}'")
    op.execute(FUNCTIONS.format(a=A, d=quote(schema)))
    if public_connect:
        op.execute(f"REVOKE CONNECT ON DATABASE {quote(database)} FROM PUBLIC")
    op.execute(f"GRANT CONNECT ON DATABASE {quote(database)} TO {', '.join(quote(g) for g in groups)}")
    sync(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    remove(conn)
