"""The role matrix (data/access/matrix.py) is consistent with the schema, the app and docs/access.md, and says
what the issue asks: concierges see nothing of contracts, invoices, quotes or settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data.access.identity import SignedIn, check_view, denial, refusal, require
from data.access.matrix import (
    CAPABILITIES,
    GROUPS,
    OPEN_TABLES,
    ROW_SCOPES,
    UPDATE_SCOPES,
    WORK_SLIP_VISIT_COLUMNS,
    capabilities_of,
    capability_table,
    grant_table,
    table_privileges,
    tables,
)
from data.errors import AccessDenied
from data.models import Base
from tui.context import CAPABILITIES as APP_CAPABILITIES
from tui.context import Role
from tui.navigation import DESTINATIONS

ROOT = Path(__file__).resolve().parent.parent
K01 = SignedIn("k01", "concierge", "K01")
ALICE = SignedIn("alice", "admin")
DISPATCH = SignedIn("dan", "dispatcher")


def test_every_table_of_the_schema_is_decided_and_nothing_else_is_named() -> None:
    """A new table must be given to someone in the matrix; a misspelt table name fails here, not in production."""
    assert tables() == set(Base.metadata.tables) | {"alembic_version"}


def test_every_column_the_matrix_names_exists() -> None:
    for capability_ in CAPABILITIES:
        for need in capability_.needs:
            if need.columns is not None:
                assert set(need.columns) <= set(Base.metadata.tables[need.table].columns.keys()), (capability_.name, need)


def test_roles_nest_so_narrowing_is_well_defined() -> None:
    """A concierge can do nothing a dispatcher cannot, a dispatcher nothing an admin cannot; admins can do everything."""
    assert capabilities_of("concierge") < capabilities_of("dispatcher") < capabilities_of("admin")
    assert capabilities_of("admin") == {c.name for c in CAPABILITIES}


@pytest.mark.parametrize("table", ["contract", "invoice", "invoice_line", "quote", "setting"])
def test_concierges_have_no_access_at_all_to_money(table: str) -> None:
    assert table not in table_privileges("concierge")


def test_concierges_read_only_scoped_or_open_tables() -> None:
    """Every table a concierge may read is narrowed to their own rows or holds nothing confidential."""
    assert set(table_privileges("concierge")) <= set(ROW_SCOPES) | OPEN_TABLES
    assert set(ROW_SCOPES) == {"visit", "plan_route", "visit_request", "client", "office", "seat", "incident", "concierge"}


def test_concierges_change_only_the_work_slip_of_their_own_visits() -> None:
    grants = table_privileges("concierge")
    changed = {t: p["UPDATE"] for t, p in grants.items() if "UPDATE" in p}
    assert changed == {"visit": frozenset(WORK_SLIP_VISIT_COLUMNS), "visit_request": frozenset({"status", "version"})}
    assert set(UPDATE_SCOPES) == set(changed) and set(UPDATE_SCOPES.values()) == {"own"}
    assert not any({"INSERT", "DELETE"} & set(p) for p in grants.values())


def test_concierges_never_see_fees_of_incidents() -> None:
    columns = table_privileges("concierge")["incident"]["SELECT"]
    assert columns is not None and not {"fee", "fee_limit", "level", "level_reason"} & columns


def test_a_dispatcher_reads_concierges_but_does_not_change_them() -> None:
    """The fix of issue 15: the dispatcher could add, edit and deactivate concierges from F5."""
    assert Role("dispatcher").can("concierges") and not Role("dispatcher").can("manage_concierges")
    assert set(table_privileges("dispatcher")["concierge"]) == {"SELECT"}


def test_the_app_reads_its_capabilities_from_the_matrix() -> None:
    assert {g: capabilities_of(g) for g in GROUPS} == APP_CAPABILITIES
    for group in GROUPS:
        for c in CAPABILITIES:
            assert Role(group, "K01").can(c.name) == (group in c.groups)


def test_every_capability_the_app_asks_for_is_in_the_matrix() -> None:
    """Navigation and every `role.can("…")` / `refusal("…")` in tui/ name a capability of the matrix."""
    asked = {d.capability for d in DESTINATIONS}
    for path in (ROOT / "tui").rglob("*.py"):
        asked |= set(re.findall(r"""\.(?:can|refusal)\(\s*"(\w+)"\s*\)""", path.read_text(encoding="utf-8")))
    known = {c.name for c in CAPABILITIES}
    assert asked and asked <= known, asked - known


def test_docs_show_the_matrix_as_it_is() -> None:
    """docs/access.md holds the tables rendered from the matrix (`python -m data.access.matrix` prints them)."""
    docs = (ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    assert capability_table() in docs and grant_table() in docs


@pytest.mark.parametrize(
    ("who", "name", "sentence"),
    [
        (K01, "billing", "you are signed in as k01, a concierge: billing is for admins"),
        (K01, "board", "you are signed in as k01, a concierge: the dispatch board is for admins and dispatchers"),
        (DISPATCH, "manage_concierges", "you are signed in as dan, a dispatcher: changing concierges is for admins"),
        (DISPATCH, "contracts", "you are signed in as dan, a dispatcher: contracts are for admins"),
    ],
)
def test_refusals_are_one_sentence(who: SignedIn, name: str, sentence: str) -> None:
    assert refusal(who, name) == sentence
    with pytest.raises(AccessDenied, match=f"^{re.escape(sentence)}$"):
        require(who, name)


def test_sqlite_allows_everything_and_unknown_capabilities_are_errors() -> None:
    require(None, "billing")
    with pytest.raises(KeyError, match="no capability 'bill'"):
        require(None, "bill")


@pytest.mark.parametrize(
    ("who", "kind", "code", "allowed"),
    [
        (ALICE, "admin", None, True),
        (ALICE, "dispatcher", None, True),
        (ALICE, "concierge", "K02", True),
        (DISPATCH, "admin", None, False),
        (DISPATCH, "concierge", "K02", True),
        (K01, "concierge", "K01", True),
        (K01, "concierge", "k01", True),
        (K01, "concierge", "K02", False),
        (K01, "dispatcher", None, False),
        (K01, "admin", None, False),
        (SignedIn("desk_owner", None, owner=True), "admin", None, False),
        (SignedIn("stranger", None), "concierge", "K01", False),
        (None, "admin", None, True),
    ],
)
def test_views_only_narrow(who: SignedIn | None, kind: str, code: str | None, allowed: bool) -> None:
    """`--as` and the picker: an admin may look as anyone, a dispatcher as a concierge, a concierge only as themselves."""
    try:
        check_view(who, kind, code)  # type: ignore[arg-type]
    except AccessDenied as exc:
        assert not allowed, exc
        assert str(exc).startswith(f"you are signed in as {who.login if who else ''}")
    else:
        assert allowed


@pytest.mark.parametrize(
    ("statement", "message", "sentence"),
    [
        ("SELECT invoice.id FROM invoice", "permission denied for table invoice",
         "you are signed in as k01, a concierge: the database does not let you read invoices"),
        ("UPDATE visit SET concierge_id=%(c)s", "permission denied for table visit",
         "you are signed in as k01, a concierge: the database does not let you change visits"),
        ("INSERT INTO seat (office_id) VALUES (1)", "permission denied for sequence seat_id_seq",
         "you are signed in as k01, a concierge: the database does not let you add seats"),
        ("UPDATE visit SET status='cancelled'", 'new row violates row-level security policy for table "visit"',
         "you are signed in as k01, a concierge: the database does not let you change visits"),
        ("SELECT desk_access.users()", "permission denied for function users",
         "you are signed in as k01, a concierge: user accounts are for admins"),
    ],
)
def test_database_refusals_become_sentences(statement: str, message: str, sentence: str) -> None:
    assert denial(K01, "k01", statement, message) == sentence
