"""PostgreSQL: a session the database ended, and a login it no longer lets in, as one sentence.

An admin who disables a login (`concierge user disable`, or deactivating the concierge it belongs to)
also ends its open sessions: the database terminates their connections (`desk_access.end_sessions`,
migration 0007). The person's app learns it on its next action, as a driver error on the dead
connection or, after the pool's reconnect, as a refused sign-in. `explain_ended_sessions(engine)`
turns both into `SessionEnded`, a DataError the screens and the command line already show as one line
("your session was ended by the database ...; sign in again"), instead of a traceback.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from data.errors import SessionEnded

TERMINATED = "57P01"
"""admin_shutdown: pg_terminate_backend, or the server shutting down ("terminating connection due to
administrator command")."""
REFUSED_LOGIN = "is not permitted to log in"
"""The server's words for a NOLOGIN role (libpq gives no SQLSTATE for a failed connection)."""


def ended_message(login: str) -> str:
    who = f" ({login})" if login else ""
    return (f"your session{who} was ended by the database: an admin disabled your login, or the server restarted; "
            "sign in again")


def refused_message(login: str) -> str:
    return (f"your login {login} is disabled (the database says it {REFUSED_LOGIN}); "
            f"an admin can enable it: `concierge user enable {login}`")


def explain_ended_sessions(engine: Engine) -> None:
    """Raise SessionEnded for a connection the server terminated or a sign-in it refuses (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return
    login = engine.url.username or ""

    def on_error(context: sa.engine.ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool checks a connection before use and reconnects on its own
            return
        original = context.original_exception
        if getattr(original, "sqlstate", None) == TERMINATED:
            raise SessionEnded(ended_message(login)) from context.sqlalchemy_exception
        if REFUSED_LOGIN in str(original):
            raise SessionEnded(refused_message(login)) from context.sqlalchemy_exception

    event.listen(engine, "handle_error", on_error)
