"""`concierge user add|list|password|disable|enable`: one PostgreSQL login per person.

Run by an admin (the database refuses anyone else); the schema owner may add the first admin. Passwords
are typed twice at a prompt, or read from one line of stdin with `--password-stdin`; never given on
the command line, where `ps` and the shell history would keep them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from data.access.identity import SignedIn, require
from data.access.users import (
    NO_ACCOUNTS,
    add_user,
    check_login,
    end_late_sessions,
    list_users,
    parse_role,
    set_login,
    set_password,
)
from data.db import Database
from data.errors import DataError, ValidationError
from tui.commands.common import DbOption, open_db, print_json

LoginArg = Annotated[str, typer.Argument(help="The person's login (lower-case letters, digits, _ . -).", show_default=False)]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin instead of a prompt.")
]


def read_password(login: str, from_stdin: bool) -> str:
    """The new password: one line of stdin, or typed twice at a prompt that does not echo it."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise ValidationError("--password-stdin: stdin gave no password", field="--password-stdin")
        return password
    if not sys.stdin.isatty():
        raise ValidationError("no terminal to type the password on: use --password-stdin", field="--password-stdin")
    import getpass

    first = getpass.getpass(f"New password for {login}: ")
    if getpass.getpass("Type it again: ") != first:
        raise ValidationError("the two passwords differ; nothing was changed", field="password")
    return first


def _manager(database: Database) -> SignedIn | None:
    """The signed-in admin (or the schema owner, who adds the first admin); AccessDenied for anyone else."""
    if database.engine.dialect.name != "postgresql":
        raise DataError(NO_ACCOUNTS)
    who = database.signed_in
    if who is not None and not who.owner:
        require(who, "users")
    return who


def register(app: typer.Typer) -> None:
    user_app = typer.Typer(help="PostgreSQL logins: add, list, change password, disable, enable.", no_args_is_help=True)

    @user_app.command("add")
    def add_cmd(
        login: LoginArg,
        role: Annotated[str, typer.Option("--role", help="admin, dispatcher or concierge:CODE.", show_default=False)],
        db: DbOption = None,
        password_stdin: PasswordStdin = False,
    ) -> None:
        """Add a person: a login with its own password, member of the admin, dispatcher or concierge group."""
        check_login(login)
        group, code = parse_role(role)
        database = open_db(db)
        _manager(database)
        password = read_password(login, password_stdin)
        with database.engine.begin() as conn:
            add_user(conn, login, group, code, password)
        typer.echo(f"added {login} as {group}{f' {code}' if code else ''} to {database.describe()}")

    @user_app.command("list")
    def list_cmd(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
        """Every person who can use this database: login, role, concierge, whether the login is enabled."""
        database = open_db(db)
        _manager(database)
        with database.engine.connect() as conn:
            rows = list_users(conn)
        if as_json:
            print_json([{"login": r.login, "role": r.group, "concierge": r.concierge_code, "enabled": r.can_login} for r in rows])
            return
        for r in rows:
            typer.echo(f"{r.login:<20} {r.group:<10} {r.concierge_code or '':<6} {'' if r.can_login else 'disabled'}".rstrip())
        typer.echo(f"{len(rows)} users")

    @user_app.command("password")
    def password_cmd(login: LoginArg, db: DbOption = None, password_stdin: PasswordStdin = False) -> None:
        """Set a new password: your own, or (as an admin) anyone's in this database."""
        check_login(login)
        database = open_db(db)
        if database.engine.dialect.name != "postgresql" or database.signed_in is None or database.signed_in.login != login:
            _manager(database)
        password = read_password(login, password_stdin)
        with database.engine.begin() as conn:
            set_password(conn, login, password)
        typer.echo(f"new password set for {login}")

    def switch(login: str, db: str | None, enabled: bool) -> None:
        check_login(login)
        database = open_db(db)
        _manager(database)
        with database.engine.begin() as conn:
            set_login(conn, login, enabled=enabled)
        if not enabled:
            end_late_sessions(database.engine, [login])

    @user_app.command("disable")
    def disable_cmd(login: LoginArg, db: DbOption = None) -> None:
        """The person can no longer sign in and their open sessions end (role and concierge link stay; `user enable` undoes it)."""
        switch(login, db, False)
        typer.echo(f"{login} can no longer sign in; their open sessions were ended")

    @user_app.command("enable")
    def enable_cmd(login: LoginArg, db: DbOption = None) -> None:
        """The person may sign in again."""
        switch(login, db, True)
        typer.echo(f"{login} can sign in again")

    app.add_typer(user_app, name="user")
