"""access: disabling a login ends its open sessions; deactivating a concierge disables their login

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

PostgreSQL only (on SQLite this revision does nothing: a file has no logins).
- `desk_access.end_sessions(login)` terminates every backend of `login` but the caller's own and returns
  how many. Not granted to anyone: the functions below call it as the schema owner.
  `pg_terminate_backend` needs the rights of the role whose backend it ends (or `pg_signal_backend`,
  which only a superuser can grant); the owner is ADMIN of the logins it created but holds no rights
  of them, so the function grants the login to the owner for the moment it terminates, and takes it
  back before it returns (both in the caller's transaction: nobody else ever sees the membership).
- `desk_access.set_login(login, false)` (`concierge user disable`) now ends the login's sessions too:
  NOLOGIN alone refuses only new connections, an open one kept working.
- A deferred constraint trigger on `concierge`: when a transaction that set `active` to false commits
  (the concierge screen, the form, a CSV import, plain SQL), every login linked to that concierge is
  set NOLOGIN and its sessions ended, in that transaction. Deferred, so a change rolled back ends nobody's
  session, and a row switched off and on again in one transaction changes nothing. Reactivating a
  concierge does not enable the login again: an admin does that (`concierge user enable`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from data.access.grants import ACCESS_SCHEMA, data_schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

A = ACCESS_SCHEMA
TRIGGER = "desk_concierge_inactive_disables_login"

END_SESSIONS = r"""
CREATE FUNCTION {a}.end_sessions(p_login text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_lend boolean := NOT pg_has_role(current_user, p_login, 'USAGE');
  v_ended integer;
BEGIN
  IF v_lend THEN
    IF current_setting('server_version_num')::integer >= 160000 THEN
      EXECUTE format('GRANT %I TO %I WITH INHERIT TRUE, SET FALSE', p_login, current_user);
    ELSE
      EXECUTE format('GRANT %I TO %I', p_login, current_user);
    END IF;
  END IF;
  SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid)) INTO v_ended
    FROM pg_stat_activity a WHERE a.usename = p_login AND a.pid <> pg_backend_pid();
  IF v_lend THEN
    EXECUTE format('REVOKE %I FROM %I', p_login, current_user);
  END IF;
  RETURN v_ended;
END $$;
"""

SET_LOGIN = r"""
CREATE OR REPLACE FUNCTION {a}.set_login(p_login text, p_enabled boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM {a}.require_admin();
  PERFORM {a}.check_desk_user(p_login);
  IF p_login = session_user AND NOT p_enabled THEN
    RAISE EXCEPTION 'login %: you cannot disable your own login', p_login USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('ALTER ROLE %I %s', p_login, CASE WHEN p_enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);{end}
END $$;
"""
ENDS = "\n  IF NOT p_enabled THEN\n    PERFORM {a}.end_sessions(p_login);\n  END IF;"

CONCIERGE_TRIGGER = r"""
CREATE FUNCTION {a}.concierge_inactive_disables_login() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_login text;
BEGIN
  -- deferred: runs at commit, so look at the row as the transaction leaves it
  IF (SELECT k.active FROM {d}.concierge k WHERE k.id = NEW.id) IS DISTINCT FROM false THEN
    RETURN NULL;
  END IF;
  FOR v_login IN
    SELECT l.login FROM {a}.concierge_login l JOIN pg_roles r ON r.rolname = l.login
     WHERE l.concierge_id = NEW.id AND r.rolcanlogin
  LOOP
    EXECUTE format('ALTER ROLE %I NOLOGIN', v_login);
    PERFORM {a}.end_sessions(v_login);
  END LOOP;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER {trigger} AFTER UPDATE OF active ON {d}.concierge
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.active AND NOT NEW.active)
  EXECUTE FUNCTION {a}.concierge_inactive_disables_login();
"""


def _quoted_data_schema(conn: sa.Connection) -> str:
    return conn.dialect.identifier_preparer.quote(data_schema(conn))


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(END_SESSIONS.format(a=A))
    op.execute(f"REVOKE ALL ON FUNCTION {A}.end_sessions(text) FROM PUBLIC")
    op.execute(SET_LOGIN.format(a=A, end=ENDS.format(a=A)))
    op.execute(CONCIERGE_TRIGGER.format(a=A, d=_quoted_data_schema(conn), trigger=TRIGGER))
    op.execute(f"REVOKE ALL ON FUNCTION {A}.concierge_inactive_disables_login() FROM PUBLIC")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER {TRIGGER} ON {_quoted_data_schema(conn)}.concierge")
    op.execute(f"DROP FUNCTION {A}.concierge_inactive_disables_login()")
    op.execute(SET_LOGIN.format(a=A, end=""))
    op.execute(f"DROP FUNCTION {A}.end_sessions(text)")
