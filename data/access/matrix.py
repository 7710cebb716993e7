"""The role matrix: who may do what in Concierge Desk, in one place.

This module is the single source of the access rules. The app reads it to decide which screens and
keys a role gets (`capabilities_of`, used by `tui.context.Role.can`); the PostgreSQL migrations read it
to GRANT each group role exactly the table and column privileges its capabilities need
(`table_privileges`, applied by `data.access.grants.sync`); `docs/access.md` is rendered from it
(`capability_table`, `grant_table`). Tests compare the three with each other, so a change here changes all of them at once.

Vocabulary
- A **group** is a kind of person: `admin`, `dispatcher`, `concierge`. On PostgreSQL each group is a
  NOLOGIN role (`<prefix>_admin`, ...) and each person a LOGIN role that is a member of one group.
- A **capability** is something a person can do in the app or on the command line ("billing", "the
  dispatch board"): the groups that have it and the table privileges it needs (`needs`). A group's
  grants are the union of the needs of its capabilities, nothing more.
- A **row scope** narrows what the concierge group sees in a table to its own rows (`ROW_SCOPES`):
  `own` = rows of the signed-in concierge, `served` = rows of the clients they serve (dedicated to
  them, or a visit of theirs). Admin and dispatcher see every row of the tables they may read.

To let a role do something new, add or extend a capability here, then give it a migration that calls
`data.access.grants.sync` (the test against the live grants fails until the database matches).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Group = Literal["admin", "dispatcher", "concierge"]
GROUPS: tuple[Group, ...] = ("admin", "dispatcher", "concierge")
GROUP_WORDS: dict[Group, tuple[str, str]] = {
    "admin": ("an admin", "admins"),
    "dispatcher": ("a dispatcher", "dispatchers"),
    "concierge": ("a concierge", "concierges"),
}
"""How a sentence names one member and all members of a group."""

Privilege = Literal["SELECT", "INSERT", "UPDATE", "DELETE"]
PRIVILEGES: tuple[Privilege, ...] = ("SELECT", "INSERT", "UPDATE", "DELETE")
RowScope = Literal["own", "served"]


@dataclass(frozen=True)
class TableNeed:
    """Privileges on one table that a capability needs."""

    table: str
    privileges: frozenset[Privilege]
    columns: tuple[str, ...] | None = None
    """Only these columns (for SELECT and UPDATE); None = every column."""


def read(*tables: str) -> tuple[TableNeed, ...]:
    """SELECT on every column of `tables`."""
    return tuple(TableNeed(t, frozenset({"SELECT"})) for t in tables)


def read_columns(table: str, *columns: str) -> TableNeed:
    """SELECT on these columns of `table` only."""
    return TableNeed(table, frozenset({"SELECT"}), columns)


def write(*tables: str, delete: bool = True) -> tuple[TableNeed, ...]:
    """SELECT, INSERT, UPDATE (and DELETE unless `delete=False`) on `tables`."""
    privileges: frozenset[Privilege] = frozenset({"SELECT", "INSERT", "UPDATE"})
    if delete:
        privileges |= {"DELETE"}
    return tuple(TableNeed(t, privileges) for t in tables)


def insert(*tables: str) -> tuple[TableNeed, ...]:
    """SELECT and INSERT (no changes afterwards) on `tables`."""
    return tuple(TableNeed(t, frozenset({"SELECT", "INSERT"})) for t in tables)


def update_columns(table: str, *columns: str) -> TableNeed:
    """UPDATE of these columns only (the row's version counter must be among them)."""
    return TableNeed(table, frozenset({"UPDATE"}), columns)


@dataclass(frozen=True)
class Capability:
    """Something a person may do: open a screen, press an action key, run a command."""

    name: str
    """Stable id used by screens (`role.can("billing")`), commands and navigation."""
    what: str
    """The thing in a sentence: "billing" -> "billing is for admins"."""
    groups: frozenset[Group]
    needs: tuple[TableNeed, ...]
    description: str
    """One line for docs/access.md."""
    plural: bool = False
    """`what` takes "are" ("contracts are for admins")."""

    def rule(self) -> str:
        """"billing is for admins", "the dispatch board is for admins and dispatchers"."""
        names = [GROUP_WORDS[g][1] for g in GROUPS if g in self.groups]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{self.what} {'are' if self.plural else 'is'} for {who}"


ALL: frozenset[Group] = frozenset(GROUPS)
ADMIN: frozenset[Group] = frozenset({"admin"})
OFFICE_STAFF: frozenset[Group] = frozenset({"admin", "dispatcher"})

#: Read by everyone who may open the database at all (the app checks the schema version).
BASE_NEEDS: tuple[TableNeed, ...] = read("alembic_version")

WORK_SLIP_VISIT_COLUMNS = ("actual_start", "actual_end", "work_slip", "status", "version")
"""The columns of a visit a concierge may change: arrival, end and the work slip (作業伝票)."""
INCIDENT_HISTORY_COLUMNS = (
    "id", "client_id", "person", "opened_at", "closed_at", "onsite_visits", "investigation", "urgent", "description",
)
"""What a concierge may read of an incident: what happened and when; no level, limit or fee."""

CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "clients", "the client list", ALL,
        (*read("client", "office", "seat", "concierge", "visit_request", "visit"),),
        "clients, offices and seats, read only (a concierge: only the clients they serve)",
    ),
    Capability(
        "contract_plans", "contract plans", OFFICE_STAFF, read("contract"),
        "which plan a client is on and its terms, read only (the client list, planning priority)", plural=True,
    ),
    Capability(
        "manage_clients", "changing clients, offices and seats", ADMIN,
        (*write("client", "office", delete=False), *write("seat"), *read("contract")),
        "add, edit and archive clients, offices and seats; import them from CSV",
    ),
    Capability(
        "concierges", "the concierge list", OFFICE_STAFF, read("concierge", "client"),
        "concierges' skills, home base, hours and dedicated clients, read only",
    ),
    Capability(
        "manage_concierges", "changing concierges", ADMIN,
        (*write("concierge", delete=False), *write("client", delete=False)),
        "add, edit, deactivate concierges and set their dedicated clients; import them from CSV",
    ),
    Capability(
        "contracts", "contracts", ADMIN, (*write("contract", delete=False), *read("client", "office", "seat")),
        "contracts: plans, start months, service hours, cancellation", plural=True,
    ),
    Capability(
        "quote", "quotes", ADMIN, (*read("client", "office", "seat", "contract"), *insert("quote")),
        "monthly-fee quotes, the fee column of the client list, saved quotes", plural=True,
    ),
    Capability(
        "billing", "billing", ADMIN,
        (
            *read("client", "office", "seat", "contract", "visit_request", "visit", "setting", "closed_month"),
            *write("incident", delete=False), *write("invoice", "invoice_line"), *insert("closed_month"),
        ),
        "close a month into invoices, list, show and export invoices, fee-limit notices",
    ),
    Capability(
        "board", "the dispatch board", OFFICE_STAFF,
        (
            *read("client", "office", "seat", "concierge", "contract", "closed_month"),
            *write("visit", "plan_route"), *write("visit_request", delete=False),
        ),
        "plan and re-plan days, pin and move visits, commit plans",
    ),
    Capability(
        "offers", "slot offers", OFFICE_STAFF,
        read("client", "office", "seat", "concierge", "contract", "visit_request", "visit"),
        "the best slots (concierge, start, what moves) for a request at intake (`concierge offer`)", plural=True,
    ),
    Capability(
        "requests", "visit requests", OFFICE_STAFF,
        (*read("client", "office", "concierge"), *write("visit_request", delete=False)),
        "take a client's request for an on-site visit", plural=True,
    ),
    Capability(
        "day", "concierges' days", ALL,
        read("visit", "plan_route", "visit_request", "client", "office", "seat", "concierge"),
        "a concierge's day: stops, times, addresses, contacts, seats; iCalendar export (a concierge: their own)",
    ),
    Capability(
        "work_slip", "work slips", ALL,
        (
            *read("visit", "visit_request", "closed_month"),
            update_columns("visit", *WORK_SLIP_VISIT_COLUMNS), update_columns("visit_request", "status", "version"),
        ),
        "mark a visit arrived and done with the work slip (a concierge: only their own visits)", plural=True,
    ),
    Capability(
        "incident_history", "incident history", ALL,
        (read_columns("incident", *INCIDENT_HISTORY_COLUMNS),),
        "what happened at a client and when, without levels or fees (a concierge: the clients they serve)",
    ),
    Capability(
        "users", "user accounts", ADMIN, (),
        "add users, change passwords, disable logins (`concierge user ...`)", plural=True,
    ),
    Capability(
        "demo", "demo data", ADMIN,
        (
            *write("client", "office", "seat", "concierge", "contract", "visit_request", "visit", "incident", "setting",
                   delete=False),
        ),
        "fill an empty database with the demo business (`concierge demo`)",
    ),
)

ROW_SCOPES: dict[str, RowScope] = {
    "visit": "own",
    "plan_route": "own",
    "concierge": "own",
    "visit_request": "served",
    "client": "served",
    "office": "served",
    "seat": "served",
    "incident": "served",
}
"""The rows the concierge group sees in each table (row-level security on PostgreSQL)."""

UPDATE_SCOPES: dict[str, RowScope] = {"visit": "own", "visit_request": "own"}
"""The rows the concierge group may change: their own visits and the requests of their own visits."""

OPEN_TABLES = frozenset({"alembic_version", "closed_month"})
"""Tables without confidential rows: whoever may read them reads all of them."""

TABLE_WORDS: dict[str, str] = {
    "client": "clients", "office": "offices", "seat": "seats", "concierge": "concierges",
    "contract": "contracts", "visit_request": "visit requests", "visit": "visits", "plan_route": "planned routes and breaks",
    "incident": "incidents",
    "quote": "quotes", "invoice": "invoices", "invoice_line": "invoice lines", "closed_month": "closed months",
    "setting": "settings", "alembic_version": "the schema version",
}
"""Tables as a person names them, for refusals ("the database does not let you read invoices")."""


def capability(name: str) -> Capability:
    """The capability called `name`; KeyError names it when there is none."""
    for c in CAPABILITIES:
        if c.name == name:
            return c
    raise KeyError(f"no capability {name!r} in data.access.matrix")


def capabilities_of(group: Group) -> frozenset[str]:
    """The names of every capability `group` has."""
    return frozenset(c.name for c in CAPABILITIES if group in c.groups)


def allows(group: Group, name: str) -> bool:
    """True when `group` has the capability `name`."""
    return group in capability(name).groups


def narrower_or_equal(signed_in: Group, wanted: Group) -> bool:
    """May someone of group `signed_in` look at the app as `wanted`? Only a narrower or the same view."""
    return capabilities_of(wanted) <= capabilities_of(signed_in)


ColumnSet = frozenset[str] | None
"""None = every column of the table."""


def table_privileges(group: Group) -> dict[str, dict[Privilege, ColumnSet]]:
    """What `group` is granted: table -> privilege -> columns (None = the whole table).

    The union of the needs of the group's capabilities (and BASE_NEEDS); a whole-table need of one
    capability absorbs a column need of another.
    """
    result: dict[str, dict[Privilege, ColumnSet]] = {}
    needs: list[TableNeed] = list(BASE_NEEDS)
    for c in CAPABILITIES:
        if group in c.groups:
            needs.extend(c.needs)
    for need in needs:
        table = result.setdefault(need.table, {})
        for privilege in need.privileges:
            if need.columns is None or (privilege in ("INSERT", "DELETE")):
                table[privilege] = None
            elif privilege in table and table[privilege] is None:
                continue
            else:
                table[privilege] = frozenset(table.get(privilege) or ()) | frozenset(need.columns)
    return result


def tables() -> frozenset[str]:
    """Every table the matrix mentions."""
    return frozenset(n.table for c in CAPABILITIES for n in c.needs) | frozenset(n.table for n in BASE_NEEDS)


def _cell(privileges: dict[Privilege, ColumnSet] | None, scopes: dict[Privilege, str]) -> str:
    if not privileges:
        return "–"
    letters = {"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d"}
    parts = []
    for privilege in PRIVILEGES:
        if privilege not in privileges:
            continue
        columns = privileges[privilege]
        part = letters[privilege] if columns is None else f"{letters[privilege]}({', '.join(sorted(columns))})"
        parts.append(part + (f" [{scopes[privilege]}]" if privilege in scopes else ""))
    return " ".join(parts)


def capability_table() -> str:
    """docs/access.md's first table: which group has which capability."""
    lines = ["| capability | " + " | ".join(GROUPS) + " | what it is |", "|---|" + "---|" * len(GROUPS) + "---|"]
    for c in CAPABILITIES:
        marks = " | ".join("yes" if g in c.groups else "–" for g in GROUPS)
        lines.append(f"| `{c.name}` | {marks} | {c.description} |")
    return "\n".join(lines) + "\n"


def grant_table() -> str:
    """docs/access.md's second table: each group's privileges per table, with the concierge's row scopes."""
    lines = ["| table | " + " | ".join(GROUPS) + " |", "|---|" + "---|" * len(GROUPS)]
    grants = {g: table_privileges(g) for g in GROUPS}
    for table in sorted(tables()):
        cells = []
        for g in GROUPS:
            scopes: dict[Privilege, str] = {}
            if g == "concierge":
                scopes = {"SELECT": ROW_SCOPES.get(table, ""), "UPDATE": UPDATE_SCOPES.get(table, "")}
                scopes = {p: s for p, s in scopes.items() if s}
            cells.append(_cell(grants[g].get(table), scopes))
        lines.append(f"| `{table}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

if __name__ == "__main__":  # python -m data.access.matrix: the tables of docs/access.md
    print(capability_table())
    print(grant_table(), end="")
