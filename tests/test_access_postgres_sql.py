"""PostgreSQL enforces the role matrix itself: the same checks as the app, made with plain SQL as each
login (what `psql` pointed at the database would get)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from access_pg import PgDesk, pg_desk_fixture  # noqa: F401  (the pg_desk fixture)

from data.access.grants import ACCESS_SCHEMA, POLICY_PREFIX
from data.access.matrix import GROUPS, PRIVILEGES, ROW_SCOPES, Group, table_privileges, tables

PEOPLE: dict[str, Group] = {"admin": "admin", "dispatcher": "dispatcher", "k01": "concierge"}
ALL = frozenset(GROUPS)
OFFICE = frozenset({"admin", "dispatcher"})
ADMIN = frozenset({"admin"})
NOBODY: frozenset[str] = frozenset()

NEW_REQUEST = (
    "INSERT INTO visit_request (client_id, office_id, received_at, category, routine, urgency, estimated_minutes, "
    "required_skills, description, status, version) SELECT o.client_id, o.id, now(), 'trouble', true, 'normal', 60, "
    "'[]', 'probe', 'open', 1 FROM office o LIMIT 1"
)
NEW_CONCIERGE = (
    "INSERT INTO concierge (code, name, home_address, home_lat, home_lon, skills, working_days, shift_start, shift_end, "
    "max_visits, travel_profile, active, version) VALUES ('K99', 'probe', '東京都', 35.6, 139.7, '[]', '[0]', '09:00', "
    "'18:00', 8, 'tokyo_rail', true, 1)"
)

#: (what, SQL, groups allowed). Every probe runs in a transaction that is rolled back.
SQL_PROBES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("read invoices", "SELECT count(*) FROM invoice", ADMIN),
    ("read invoice lines", "SELECT count(*) FROM invoice_line", ADMIN),
    ("read contracts", "SELECT count(*) FROM contract", OFFICE),
    ("read quotes", "SELECT count(*) FROM quote", ADMIN),
    ("read settings", "SELECT count(*) FROM setting", ADMIN),
    ("read incident fees", "SELECT sum(fee) FROM incident", ADMIN),
    ("read incident levels", "SELECT count(level) FROM incident", ADMIN),
    ("read incident history", "SELECT count(description) FROM incident", ALL),
    ("read visits", "SELECT count(*) FROM visit", ALL),
    ("read visit requests", "SELECT count(*) FROM visit_request", ALL),
    ("read committed routes and breaks", "SELECT count(*) FROM plan_route", ALL),
    ("move a committed break", "UPDATE plan_route SET break_start = break_start", OFFICE),
    ("remove a committed route", "DELETE FROM plan_route", OFFICE),
    ("read clients", "SELECT count(*) FROM client", ALL),
    ("read offices", "SELECT count(*) FROM office", ALL),
    ("read seats", "SELECT count(*) FROM seat", ALL),
    ("read concierges", "SELECT count(*) FROM concierge", ALL),
    ("read closed months", "SELECT count(*) FROM closed_month", ALL),
    ("read the schema version", "SELECT version_num FROM alembic_version", ALL),
    ("write the work slip of K01's visit", "UPDATE visit SET work_slip = 'probe', version = version + 1 WHERE id = :own", ALL),
    ("mark K01's request done", "UPDATE visit_request SET status = 'done' WHERE id = :own_request", ALL),
    ("move K01's visit to another time", "UPDATE visit SET planned_start = planned_start WHERE id = :own", OFFICE),
    ("give K01's visit to another concierge", "UPDATE visit SET concierge_id = concierge_id WHERE id = :own", OFFICE),
    ("delete a visit", "DELETE FROM visit WHERE id = :own", OFFICE),
    ("change a request's urgency", "UPDATE visit_request SET urgency = urgency WHERE id = :own_request", OFFICE),
    ("add a visit request", NEW_REQUEST, OFFICE),
    ("change a client", "UPDATE client SET notes = notes WHERE id = :client", ADMIN),
    ("add a seat", "INSERT INTO seat (office_id, label, kind, os, count, version) "
                   "SELECT id, 'probe', 'pc', 'windows', 1, 1 FROM office LIMIT 1", ADMIN),
    ("add a concierge", NEW_CONCIERGE, ADMIN),
    ("change a concierge", "UPDATE concierge SET max_visits = max_visits WHERE id = :k01", ADMIN),
    ("change a contract", "UPDATE contract SET notice_months = notice_months", ADMIN),
    ("close a month", "INSERT INTO closed_month (month, closed_at) VALUES ('2020-01-01', now())", ADMIN),
    ("delete invoices", "DELETE FROM invoice", ADMIN),
    ("change a setting", "UPDATE setting SET value = value", ADMIN),
    ("list the users", f"SELECT count(*) FROM {ACCESS_SCHEMA}.users()", ADMIN),
    ("read the login map", f"SELECT count(*) FROM {ACCESS_SCHEMA}.concierge_login", NOBODY),
    ("create a table", "CREATE TABLE probe (x integer)", NOBODY),
    ("change the schema version", "UPDATE alembic_version SET version_num = version_num", NOBODY),
)


@dataclass(frozen=True)
class Facts:
    """What the superuser sees, to compare with what each login sees."""

    k01: int
    k02: int
    own: int
    """A visit of K01 in an open month."""
    own_request: int
    other: int
    """A visit of K02."""
    client: int
    """A client K01 does not serve."""
    served: frozenset[int]


@pytest.fixture(scope="module")
def facts(pg_desk: PgDesk) -> Facts:
    engine = pg_desk.engine()
    with engine.connect() as conn:
        ids = dict(conn.execute(sa.text("SELECT code, id FROM concierge WHERE code IN ('K01', 'K02')")).all())
        own, own_request = conn.execute(sa.text(
            "SELECT id, request_id FROM visit WHERE concierge_id = :k AND status = 'planned' ORDER BY id LIMIT 1"
        ), {"k": ids["K01"]}).one()
        other = conn.execute(sa.text("SELECT min(id) FROM visit WHERE concierge_id = :k"), {"k": ids["K02"]}).scalar_one()
        served = frozenset(conn.execute(sa.text(
            "SELECT id FROM client WHERE dedicated_concierge_id = :k UNION "
            "SELECT r.client_id FROM visit v JOIN visit_request r ON r.id = v.request_id WHERE v.concierge_id = :k"
        ), {"k": ids["K01"]}).scalars())
        client = conn.execute(sa.text("SELECT min(id) FROM client WHERE NOT id = ANY(:s)"), {"s": list(served)}).scalar_one()
    engine.dispose()
    assert own and other and served and client
    return Facts(ids["K01"], ids["K02"], own, own_request, other, client, served)


@pytest.fixture(scope="module")
def logins(pg_desk: PgDesk) -> Iterator[dict[str, sa.Engine]]:
    """A plain SQLAlchemy engine per person, signed in with their own login (no app code in between)."""
    engines = {person: sa.create_engine(pg_desk.url(person)) for person in ("admin", "dispatcher", "k01", "k02")}
    yield engines
    for engine in engines.values():
        engine.dispose()


def attempt(engine: sa.Engine, sql: str, params: dict[str, int]) -> tuple[bool, int]:
    """Run `sql` and roll back: (allowed, rows affected or returned); refused = permission denied (42501)."""
    with engine.connect() as conn:
        try:
            result = conn.execute(sa.text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
            rows = result.rowcount if result.returns_rows is False else len(result.all())
        except sa.exc.DBAPIError as exc:
            assert getattr(exc.orig, "sqlstate", None) == "42501", exc
            return False, 0
        finally:
            conn.rollback()
    return True, rows


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize(("what", "sql", "allowed"), SQL_PROBES, ids=[p[0] for p in SQL_PROBES])
def test_sql_as_each_login(
    person: str, what: str, sql: str, allowed: frozenset[str], logins: dict[str, sa.Engine], facts: Facts
) -> None:
    """Each login may run exactly the statements its role allows; the rest is 'permission denied'."""
    params = {"own": facts.own, "own_request": facts.own_request, "client": facts.client, "k01": facts.k01}
    ok, rows = attempt(logins[person], sql, params)
    assert ok == (PEOPLE[person] in allowed), f"{person}: {what}"
    if ok and sql.startswith("UPDATE") and ":own" in sql:
        assert rows == 1, f"{person}: {what} changed {rows} rows"


def test_concierge_sees_only_their_own_visits(logins: dict[str, sa.Engine], facts: Facts, pg_desk: PgDesk) -> None:
    """`SELECT ... FROM visit` as k01 returns exactly K01's visits, none of another concierge."""
    with logins["k01"].connect() as conn:
        seen = conn.execute(sa.text("SELECT id, concierge_id FROM visit")).all()
    superuser = pg_desk.engine()
    with superuser.connect() as conn:
        k01_visits = set(conn.execute(sa.text("SELECT id FROM visit WHERE concierge_id = :k"), {"k": facts.k01}).scalars())
    superuser.dispose()
    assert {c for _, c in seen} == {facts.k01}
    assert {v for v, _ in seen} == k01_visits and facts.other not in k01_visits


def test_concierge_sees_only_their_own_committed_routes_and_breaks(logins: dict[str, sa.Engine], facts: Facts) -> None:
    """`SELECT ... FROM plan_route` as k01: K01's committed route and break of the planned day, no one else's."""
    with logins["k01"].connect() as conn:
        seen = conn.execute(sa.text("SELECT concierge_id, break_start FROM plan_route")).all()
    with logins["dispatcher"].connect() as conn:
        everyone = {c for (c,) in conn.execute(sa.text("SELECT concierge_id FROM plan_route"))}
    assert {facts.k01, facts.k02} <= everyone  # the desk's committed day has both
    assert seen and {c for c, _ in seen} == {facts.k01} and all(b is not None for _, b in seen)


def test_concierge_sees_only_the_clients_they_serve(logins: dict[str, sa.Engine], facts: Facts) -> None:
    """Clients, offices, seats, requests and incidents as k01: only those of the clients K01 serves."""
    with logins["k01"].connect() as conn:
        clients = set(conn.execute(sa.text("SELECT id FROM client")).scalars())
        office_clients = set(conn.execute(sa.text("SELECT client_id FROM office")).scalars())
        seat_clients = set(conn.execute(sa.text(
            "SELECT DISTINCT o.client_id FROM seat s JOIN office o ON o.id = s.office_id")).scalars())
        seat_offices = set(conn.execute(sa.text("SELECT DISTINCT office_id FROM seat")).scalars())
        offices = set(conn.execute(sa.text("SELECT id FROM office")).scalars())
        request_clients = set(conn.execute(sa.text("SELECT client_id FROM visit_request")).scalars())
        incident_clients = set(conn.execute(sa.text("SELECT client_id FROM incident")).scalars())
        concierges = conn.execute(sa.text("SELECT code FROM concierge")).scalars().all()
    assert clients == facts.served
    assert office_clients == facts.served and seat_clients <= facts.served and seat_offices <= offices
    assert request_clients <= facts.served and incident_clients <= facts.served
    assert concierges == ["K01"]


def test_concierge_cannot_write_another_concierges_slip(logins: dict[str, sa.Engine], facts: Facts, pg_desk: PgDesk) -> None:
    """Updating K02's work slip as k01 changes no row (the row is invisible to k01) and the slip stays."""
    superuser = pg_desk.engine()
    with superuser.connect() as conn:
        before = conn.execute(sa.text("SELECT work_slip, version FROM visit WHERE id = :v"), {"v": facts.other}).one()
    with logins["k01"].begin() as conn:
        changed = conn.execute(
            sa.text("UPDATE visit SET work_slip = 'not mine', version = version + 1 WHERE id = :v"), {"v": facts.other}
        ).rowcount
    with superuser.connect() as conn:
        after = conn.execute(sa.text("SELECT work_slip, version FROM visit WHERE id = :v"), {"v": facts.other}).one()
    superuser.dispose()
    assert changed == 0 and after == before


def test_concierge_cannot_cancel_their_own_visit(logins: dict[str, sa.Engine], facts: Facts) -> None:
    """A concierge changes their visit's state to on site or done, never to cancelled (that is the dispatcher's)."""
    ok, _ = attempt(logins["k01"], "UPDATE visit SET status = 'cancelled' WHERE id = :own", {"own": facts.own})
    assert not ok
    ok, rows = attempt(logins["k01"], "UPDATE visit SET status = 'in_progress' WHERE id = :own", {"own": facts.own})
    assert ok and rows == 1


def test_live_grants_are_the_matrix(pg_desk: PgDesk) -> None:
    """Every group role holds exactly the table and column privileges data/access/matrix.py derives, nothing more."""
    engine = pg_desk.engine()
    mismatches = []
    with engine.connect() as conn:
        columns = {
            t: set(conn.execute(sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :t"
            ), {"t": t}).scalars())
            for t in tables()
        }
        for group in GROUPS:
            role = pg_desk.group_role(group)
            expected = table_privileges(group)
            for table in sorted(tables()):
                for privilege in PRIVILEGES:
                    want = expected.get(table, {}).get(privilege, "none")
                    whole = conn.execute(sa.text("SELECT has_table_privilege(:r, :t, :p)"),
                                         {"r": role, "t": f"public.{table}", "p": privilege}).scalar()
                    if privilege in ("INSERT", "DELETE") or want is None or want == "none":
                        if whole != (want is None):
                            mismatches.append((group, table, privilege, whole))
                        continue
                    held = {c for c in columns[table] if conn.execute(
                        sa.text("SELECT has_column_privilege(:r, :t, :c, :p)"),
                        {"r": role, "t": f"public.{table}", "c": c, "p": privilege}).scalar()}
                    if whole or held != set(want):
                        mismatches.append((group, table, privilege, sorted(held)))
    engine.dispose()
    assert mismatches == []


def test_row_security_guards_exactly_the_scoped_tables(pg_desk: PgDesk) -> None:
    """Row-level security is on for the tables the matrix scopes (visits, requests, clients, offices, seats,
    incidents, concierges), with the office staff's and the concierge's policies, and off elsewhere."""
    engine = pg_desk.engine()
    with engine.connect() as conn:
        on = set(conn.execute(sa.text(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relnamespace = 'public'::regnamespace")).scalars())
        policies = set(conn.execute(sa.text(
            "SELECT tablename || ':' || policyname FROM pg_policies WHERE policyname LIKE :p"), {"p": f"{POLICY_PREFIX}%"}).scalars())
    engine.dispose()
    assert on == set(ROW_SCOPES)
    assert {f"{t}:desk_office_staff" for t in ROW_SCOPES} | {f"{t}:desk_concierge_read" for t in ROW_SCOPES} <= policies
    assert {p for p in policies if p.endswith("_update")} == {"visit:desk_concierge_update", "visit_request:desk_concierge_update"}


def test_only_admins_manage_users_in_the_database(logins: dict[str, sa.Engine], pg_desk: PgDesk) -> None:
    """The account functions refuse a dispatcher and a concierge, even called directly; everyone may set their
    own password (PostgreSQL's own rule), nobody else's without being admin."""
    verifier = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"
    for person in ("dispatcher", "k01"):
        for sql in (
            f"SELECT {ACCESS_SCHEMA}.add_user('x_probe', 'admin', NULL, '{verifier}')",
            f"SELECT {ACCESS_SCHEMA}.set_password('{pg_desk.logins['k02']}', '{verifier}')",
            f"SELECT {ACCESS_SCHEMA}.set_login('{pg_desk.logins['admin']}', false)",
            f"ALTER ROLE {pg_desk.logins['k02']} PASSWORD '{verifier}'",
            f"GRANT {pg_desk.group_role('admin')} TO {pg_desk.logins[person]}",
        ):
            assert attempt(logins[person], sql, {}) == (False, 0), f"{person}: {sql}"
    ok, _ = attempt(logins["k01"], f"ALTER ROLE CURRENT_USER PASSWORD '{verifier}'", {})
    assert ok


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("postgres", "is not a user of this database"),
        ("owner", "is not a user of this database"),
    ],
)
def test_admin_cannot_touch_logins_outside_this_desk(logins: dict[str, sa.Engine], pg_desk: PgDesk, target: str, message: str) -> None:
    """An admin changes only this desk's people: not the superuser, not the schema owner."""
    login = pg_desk.owner if target == "owner" else target
    verifier = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"
    for sql in (f"SELECT {ACCESS_SCHEMA}.set_password('{login}', '{verifier}')", f"SELECT {ACCESS_SCHEMA}.set_login('{login}', false)"):
        with logins["admin"].connect() as conn, pytest.raises(sa.exc.DBAPIError, match=message):
            conn.execute(sa.text(sql))
