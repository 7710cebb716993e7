"""Accounts on PostgreSQL: one LOGIN role per person, member of one group (`concierge user ...`).

The work happens in the database, in SECURITY DEFINER functions owned by the schema owner
(`desk_access.add_user`, ...; see data/access/grants.py): an admin needs no CREATEROLE of their own,
and can create, change and disable only the logins of this database's groups — never a superuser,
another desk's users or the owner. The database refuses anyone else (EXECUTE is granted to the admin
group only). Passwords never travel as text: the client turns them into a SCRAM-SHA-256 verifier with
libpq, and the function refuses anything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data.access.grants import ACCESS_SCHEMA, installed
from data.access.matrix import GROUPS, Group
from data.errors import DataError, ValidationError

LOGIN_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{0,62}")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class UserRow:
    """One person's login as `user list` shows it."""

    login: str
    group: str
    concierge_code: str | None
    can_login: bool


def check_login(login: str) -> str:
    """A login name as PostgreSQL will store it: lower-case letters, digits, `_ . -`, from a letter."""
    if not LOGIN_PATTERN.fullmatch(login):
        raise ValidationError(
            f"LOGIN {login!r}: use up to 63 lower-case letters, digits, _ . or -, starting with a letter", field="LOGIN"
        )
    return login


def parse_role(text: str) -> tuple[Group, str | None]:
    """`--role admin|dispatcher|concierge:CODE` -> (group, concierge code)."""
    kind, _, code = text.partition(":")
    if kind in ("admin", "dispatcher") and not code:
        return kind, None  # type: ignore[return-value]
    if kind == "concierge" and code.strip():
        return "concierge", code.strip().upper()
    raise ValidationError(f"--role {text!r}: give admin, dispatcher or concierge:CODE (e.g. concierge:K01)", field="--role")


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"password: at least {MIN_PASSWORD} characters", field="password")
    if "\n" in password or "\r" in password:
        raise ValidationError("password: a single line", field="password")
    return password


NO_ACCOUNTS = "user accounts exist only on PostgreSQL: an SQLite file has no logins, whoever can open it can do everything"


def _require_postgres(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        raise DataError(NO_ACCOUNTS)


def scram_verifier(conn: Connection, login: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of `password` for `login`, computed here by libpq (the text never leaves)."""
    pgconn = conn.connection.driver_connection.pgconn  # type: ignore[union-attr]
    verifier: bytes = pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")
    return verifier.decode()


def add_user(conn: Connection, login: str, group: Group, concierge_code: str | None, password: str) -> None:
    """Create `login` as a member of `group` (a concierge: linked to `concierge_code`)."""
    _require_postgres(conn)
    check_login(login)
    check_password(password)
    if group not in GROUPS:
        raise ValidationError(f"--role {group!r}: admin, dispatcher or concierge:CODE", field="--role")
    conn.execute(
        sa.text(f"SELECT {ACCESS_SCHEMA}.add_user(:login, :kind, :code, :verifier)"),
        {"login": login, "kind": group, "code": concierge_code, "verifier": scram_verifier(conn, login, password)},
    )


def list_users(conn: Connection) -> list[UserRow]:
    """Every login of this database's groups, by name."""
    _require_postgres(conn)
    return [
        UserRow(login, kind, code, bool(can_login))
        for login, kind, code, can_login in conn.execute(
            sa.text(f"SELECT login, kind, concierge_code, can_login FROM {ACCESS_SCHEMA}.users()")
        )
    ]


def set_password(conn: Connection, login: str, password: str) -> None:
    """A new password for `login`: your own, or (as an admin) anyone's in this database."""
    _require_postgres(conn)
    check_login(login)
    check_password(password)
    verifier = scram_verifier(conn, login, password)
    if login == conn.execute(sa.text("SELECT session_user::text")).scalar_one():
        literal = conn.execute(sa.text("SELECT quote_literal(:v)"), {"v": verifier}).scalar_one()
        conn.exec_driver_sql(f"ALTER ROLE CURRENT_USER PASSWORD {literal}")  # a verifier has colons: no text()
        return
    conn.execute(sa.text(f"SELECT {ACCESS_SCHEMA}.set_password(:login, :verifier)"), {"login": login, "verifier": verifier})


def set_login(conn: Connection, login: str, *, enabled: bool) -> None:
    """`enabled=False`: `login` can no longer sign in (NOLOGIN) and its open sessions are ended (the
    database terminates them); its rights and concierge link stay, so `enabled=True` lets it in again.
    Nobody disables their own login."""
    _require_postgres(conn)
    conn.execute(sa.text(f"SELECT {ACCESS_SCHEMA}.set_login(:login, :enabled)"), {"login": check_login(login), "enabled": enabled})


def concierge_logins(conn: Connection, concierge_code: str) -> list[UserRow]:
    """The logins linked to a concierge, as they are now (none on SQLite, which has no logins).

    Deactivating the concierge disables them when the transaction commits (a trigger of migration 0007
    sets them NOLOGIN and ends their sessions); reactivating leaves them as they are.
    """
    if not installed(conn):
        return []
    return [row for row in list_users(conn) if row.concierge_code == concierge_code]


def end_late_sessions(engine: Engine, logins: Sequence[str]) -> None:
    """After the commit that disabled `logins`: end once more any session of theirs that signed in between
    the database ending their sessions and that commit (until it, sign-ins still saw the login enabled).
    Runs `set_login(login, false)` again: idempotent, and for admins only like the first time."""
    if not logins:
        return
    with engine.begin() as conn:
        for login in logins:
            set_login(conn, login, enabled=False)
