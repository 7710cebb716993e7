"""Schema migrations: every revision upgrades and downgrades on SQLite and PostgreSQL, keeping the data."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from access_pg import drop_database

from data.db import SCHEMA_HEAD, current_revision, make_engine, upgrade
from data.errors import DatabaseError
from tests.conftest import PG_ENV


def _downgrade(engine: sa.Engine, revision: str) -> None:
    from alembic import command

    from data.db import alembic_config

    command.downgrade(alembic_config(engine), revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> Iterator[sa.Engine]:
    """An engine on an empty database of its own (a fresh PostgreSQL database, not the shared test one)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrate.sqlite3'}")
        yield engine
        engine.dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests but {PG_ENV} is not set")
        pytest.skip(f"PostgreSQL not configured: run `make test` (starts a throw-away cluster) or set {PG_ENV}")
    name = f"concierge_migrate_{worker_id}".replace("-", "_")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        drop_database(conn, name)  # and the group roles migration 0003 made for it (roles outlive databases)
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(sa.make_url(base).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        drop_database(conn, name)
    admin.dispose()


def _seed_0001(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO client (id, code, name, language, active, version) VALUES (1, 'C1', '青葉', 'ja', true, 1)"))
        conn.execute(sa.text(
            "INSERT INTO office (id, client_id, code, name, address, lat, lon, opens, closes, version) "
            "VALUES (1, 1, 'O1', '本社', '東京都千代田区丸の内1丁目', 35.68, 139.76, '09:00:00', '18:00:00', 1)"
        ))
        conn.execute(sa.text("INSERT INTO seat (office_id, label, kind, os, count) VALUES (1, 'PC', 'pc', 'windows', 12)"))
        conn.execute(sa.text(
            "INSERT INTO contract (client_id, plan, start_month, minimum_months, notice_months, service_hours, options, "
            "tariff_ref, dedicated_required, status, version) "
            "VALUES (1, 'concierge_seats', :start, 3, 1, '[]', '{}', 'default', false, 'active', 1)"
        ), {"start": dt.date(2026, 1, 1)})


def test_upgrade_and_downgrade_keep_the_data(empty_engine: sa.Engine) -> None:
    """0001 → head → 0001 → head works on both databases; seats keep their counts and get version 1."""
    upgrade(empty_engine, "0001")
    _seed_0001(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == SCHEMA_HEAD
    with empty_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count, version FROM seat")).one() == (12, 1)
    _downgrade(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    with empty_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count FROM seat")).scalar_one() == 12
        assert "version" not in {c["name"] for c in sa.inspect(conn).get_columns("seat")}
    upgrade(empty_engine)
    assert current_revision(empty_engine) == SCHEMA_HEAD


def test_upgrade_refuses_two_running_contracts_already_stored(empty_engine: sa.Engine) -> None:
    """A database where the old race left two running contracts for one client is not upgraded half-way:
    the message names the client and both contracts."""
    upgrade(empty_engine, "0001")
    _seed_0001(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO contract (client_id, plan, start_month, minimum_months, notice_months, service_hours, options, "
            "tariff_ref, dedicated_required, status, version) "
            "VALUES (1, 'support_incidents', :start, 3, 1, '[]', '{}', 'default', false, 'active', 1)"
        ), {"start": dt.date(2026, 6, 1)})
    with pytest.raises(DatabaseError, match=r"client C1: contracts 1 and 2"):
        upgrade(empty_engine)
    assert current_revision(empty_engine) == "0001"


def test_0004_adds_the_committed_route_with_its_break_and_takes_it_back(empty_engine: sa.Engine) -> None:
    """0003 → 0004: a committed day keeps each concierge's break (one row per concierge and date, a break
    whole or absent); 0004 → 0003 drops only that table, the visits stay."""
    upgrade(empty_engine, "0003")
    with empty_engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO concierge (id, code, name, home_address, home_lat, home_lon, skills, working_days, shift_start, "
            "shift_end, max_visits, travel_profile, active, version) VALUES (1, 'K01', '佐々木', '東京都', 35.6, 139.7, '[]', "
            "'[0]', '09:00:00', '18:00:00', 8, 'tokyo_rail', true, 1)"
        ))
    upgrade(empty_engine, "0004")
    assert current_revision(empty_engine) == "0004"
    insert = (
        "INSERT INTO plan_route (concierge_id, date, departs_at, returns_at, return_travel_seconds, return_travel_meters, "
        "break_start, break_end, version) VALUES (1, :day, :leave, :back, 600, 4000, :b0, :b1, 1)"
    )
    day = dt.date(2026, 11, 26)
    at = {"day": day, "leave": dt.datetime(2026, 11, 26, 9, 0), "back": dt.datetime(2026, 11, 26, 17, 30)}
    with empty_engine.begin() as conn:
        conn.execute(sa.text(insert), {**at, "b0": dt.datetime(2026, 11, 26, 12, 0), "b1": dt.datetime(2026, 11, 26, 13, 0)})
    with empty_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM plan_route WHERE break_end > break_start")).scalar_one() == 1
    with pytest.raises(sa.exc.IntegrityError), empty_engine.begin() as conn:  # one route per concierge and date
        conn.execute(sa.text(insert), {**at, "b0": None, "b1": None})
    with pytest.raises(sa.exc.IntegrityError), empty_engine.begin() as conn:  # a break has a start and an end
        conn.execute(sa.text(insert), {**at, "day": day + dt.timedelta(days=1), "b0": dt.datetime(2026, 11, 27, 12), "b1": None})
    _downgrade(empty_engine, "0003")
    assert current_revision(empty_engine) == "0003"
    with empty_engine.connect() as conn:
        assert "plan_route" not in sa.inspect(conn).get_table_names()
        assert conn.execute(sa.text("SELECT count(*) FROM concierge")).scalar_one() == 1


def test_upgrade_refuses_two_stops_on_site_already_stored(empty_engine: sa.Engine) -> None:
    """Before 0006 nothing stopped two of K01's stops being "on site" the same day: such a database is not
    upgraded half-way, and the message names the concierge and the day."""
    from board_scenario import build

    from data.db import Database, make_session_factory

    upgrade(empty_engine, "0005")
    ids = build(Database(url="", engine=empty_engine, sessions=make_session_factory(empty_engine)))
    with empty_engine.begin() as conn:
        conn.execute(sa.text("UPDATE visit SET status = 'in_progress' WHERE id IN (:a, :b)"), {"a": ids["v_lan"], "b": ids["v_pc"]})
    with pytest.raises(DatabaseError, match=r"K01 on 2026-11-26: 2 visits"):
        upgrade(empty_engine)
    assert current_revision(empty_engine) == "0005"
    with empty_engine.begin() as conn:
        conn.execute(sa.text("UPDATE visit SET status = 'planned' WHERE id = :b"), {"b": ids["v_pc"]})
    upgrade(empty_engine)
    assert current_revision(empty_engine) == SCHEMA_HEAD
