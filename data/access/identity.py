"""Who is signed in, and the one-line refusals when their role may not do something.

On PostgreSQL the login decides the role: `signed_in(connection)` asks the database (`desk_access.whoami()`)
which group the login belongs to and, for a concierge, which concierge it is. On SQLite there is no
login (`None`): the file's permissions are the only wall.

Every refusal is one sentence naming the person and who may: "you are signed in as k01, a concierge:
billing is for admins". `denial(...)` turns a permission error of the database itself into the same
kind of sentence ("...: the database does not let you read invoices").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from data.access.grants import ACCESS_SCHEMA, installed
from data.access.matrix import GROUP_WORDS, TABLE_WORDS, Group, allows, capability, narrower_or_equal
from data.errors import AccessDenied, DataError


@dataclass(frozen=True)
class SignedIn:
    """The PostgreSQL login using the database and what it is in this database."""

    login: str
    group: Group | None
    """admin, dispatcher or concierge; None for a login that is no user of this database (or its owner)."""
    concierge_code: str | None = None
    """The concierge this login is (group "concierge" only)."""
    owner: bool = False
    """The schema owner (runs `concierge db upgrade`, adds the first admin)."""

    def describe(self) -> str:
        """"k01, a concierge", "alice, an admin", "desk_owner, the schema owner"."""
        if self.group is not None:
            return f"{self.login}, {GROUP_WORDS[self.group][0]}"
        if self.owner:
            return f"{self.login}, the schema owner"
        return f"{self.login}, who is not a user of this database"


def signed_in(conn: Connection) -> SignedIn | None:
    """Who `conn` is signed in as (None on SQLite, where there are no logins)."""
    if conn.dialect.name != "postgresql":
        return None
    if not installed(conn):  # an older schema: only a superuser is known to be allowed everything
        login, superuser = conn.execute(
            sa.text("SELECT session_user::text, rolsuper FROM pg_roles WHERE rolname = session_user")
        ).one()
        return SignedIn(login, "admin" if superuser else None)
    login, kind, code, owner = conn.execute(
        sa.text(f"SELECT login, kind, concierge_code, is_owner FROM {ACCESS_SCHEMA}.whoami()")
    ).one()
    return SignedIn(login, kind, code if kind == "concierge" else None, bool(owner))


def refusal(who: SignedIn, name: str) -> str:
    """"you are signed in as k01, a concierge: billing is for admins"."""
    return f"you are signed in as {who.describe()}: {capability(name).rule()}"


def not_a_user(who: SignedIn) -> str:
    """Why a login that belongs to no group cannot use the app or the data commands."""
    if who.owner:
        return (
            f"you are signed in as {who.describe()}: it is only for `concierge db upgrade` and for adding the first "
            "admin (`concierge user add`); sign in with your own login"
        )
    return (
        f"you are signed in as {who.describe()}: an admin can add you with "
        f"`concierge user add {who.login} --role admin|dispatcher|concierge:CODE`"
    )


def require(who: SignedIn | None, name: str) -> None:
    """Raise AccessDenied unless the signed-in person may use capability `name` (always allowed on SQLite)."""
    capability(name)  # an unknown name is a programming error, on SQLite too
    if who is None:
        return
    if who.group is None:
        raise AccessDenied(not_a_user(who))
    if who.group == "concierge" and who.concierge_code is None:
        raise AccessDenied(f"you are signed in as {who.describe()}, but no concierge is linked to this login")
    if not allows(who.group, name):
        raise AccessDenied(refusal(who, name))


def check_view(who: SignedIn | None, kind: Group, concierge_code: str | None) -> None:
    """May `who` use the app as `kind` (`--as`, the role picker)? Only narrower or the same, never wider.

    An admin may look as a dispatcher or any concierge, a dispatcher as any concierge, a concierge only
    as themselves.
    """
    if who is None:
        return
    if who.group is None:
        raise AccessDenied(not_a_user(who))
    wanted = kind if kind != "concierge" else f"concierge:{concierge_code}"
    if not narrower_or_equal(who.group, kind):
        raise AccessDenied(f"you are signed in as {who.describe()}: --as {wanted} would widen your rights; "
                           f"the {kind} view is for {_holders(kind)}")
    if who.group == "concierge" and kind == "concierge" and (concierge_code or "").upper() != who.concierge_code:
        raise AccessDenied(
            f"you are signed in as {who.describe()}: you can only look as yourself (concierge:{who.concierge_code})"
        )


def own_day_only(who: SignedIn | None, concierge_code: str | None) -> None:
    """A concierge login may read only their own day (the database shows them no other anyway)."""
    if who is not None and who.group == "concierge" and concierge_code != who.concierge_code:
        raise AccessDenied(f"you are signed in as {who.describe()}: you can see only your own day ({who.concierge_code})")


def _holders(kind: Group) -> str:
    wider = [GROUP_WORDS[g][1] for g in GROUP_WORDS if narrower_or_equal(g, kind)]
    return wider[0] if len(wider) == 1 else ", ".join(wider[:-1]) + " and " + wider[-1]


_DENIED = re.compile(r"permission denied for (table|sequence|function|schema|view|relation) ([\w.\"]+)")
_POLICY = re.compile(r'row-level security policy for table "?(\w+)"?')
_VERBS = {"SELECT": "read", "WITH": "read", "INSERT": "add", "UPDATE": "change", "DELETE": "delete"}
_USER_FUNCTIONS = ("add_user", "set_password", "set_login", "users", "require_admin")


def denial(who: SignedIn | None, login: str, statement: str, message: str) -> str:
    """A permission error of the database as one sentence: who is signed in and what was refused."""
    person = f"you are signed in as {who.describe()}" if who is not None else (
        f"you are signed in as {login}" if login else "refused")
    if any(f"{ACCESS_SCHEMA}.{f}" in statement for f in _USER_FUNCTIONS):
        return f"{person}: {capability('users').rule()}"
    verb = _VERBS.get(statement.lstrip().split(" ", 1)[0].upper(), "use")
    found = _DENIED.search(message) or _POLICY.search(message)
    if found is None:
        return f"{person}: the database refused this ({message.strip().splitlines()[0]})"
    thing = found.group(found.lastindex or 1).strip('"').rsplit(".", 1)[-1]
    kind = found.group(1) if found.re is _DENIED else "table"
    if kind == "sequence":
        return f"{person}: the database does not let you add {TABLE_WORDS.get(thing.removesuffix('_id_seq'), thing)}"
    if kind in ("table", "relation", "view"):
        return f"{person}: the database does not let you {verb} {TABLE_WORDS.get(thing, thing)}"
    return f"{person}: the database does not let you use {kind} {thing}"


_REFUSED = "42501"  # insufficient_privilege: GRANTs, row policies, our functions' admin check
_OWN_ERRORS = ("22023", "42710", "42704")  # the account functions' bad input, existing and unknown logins


def explain_refusals(engine: Engine, who: SignedIn | None) -> None:
    """Turn the database's permission errors into one sentence naming the person (AccessDenied)."""
    login = engine.url.username or ""

    def on_error(context: sa.engine.ExceptionContext) -> None:
        code = getattr(context.original_exception, "sqlstate", None)
        statement = context.statement or ""
        if code == _REFUSED:
            raise AccessDenied(denial(who, login, statement, str(context.original_exception))) from context.sqlalchemy_exception
        if code in _OWN_ERRORS and "desk_access." in statement:
            diag = getattr(context.original_exception, "diag", None)
            message = getattr(diag, "message_primary", None) or str(context.original_exception).splitlines()[0]
            raise DataError(message) from context.sqlalchemy_exception

    event.listen(engine, "handle_error", on_error)
