"""Two users at once, each in a thread with its own connection: force one interleaving instead of hoping.

The test holds user A's transaction open at a chosen point, starts user B in a `Racer`, and waits until B
is blocked by A (`blocked_behind`: PostgreSQL shows B waiting for a lock; SQLite gives B a moment to reach
BEGIN IMMEDIATE) before letting A commit. Every wait is bounded, so a broken lock ends the test with a
failed assertion, never a hang.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from data.db import Database, make_engine, make_session_factory

WAIT_SECONDS = 10.0


class Racer(threading.Thread):
    """Runs `work()` in a thread; keeps its result or the exception it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as exc:  # reported to the test, which asserts on it
            self.error = exc

    def finish(self) -> Racer:
        self.join(WAIT_SECONDS * 2)
        assert not self.is_alive(), "the other user's save never finished"
        return self


def second_user(database: Database) -> Database:
    """The same database through another engine (another person's program)."""
    engine = make_engine(database.url)
    return Database(url=database.url, engine=engine, sessions=make_session_factory(engine))


def blocked_behind(database: Database, racer: Racer) -> bool:
    """Wait until `racer` is blocked by a lock another transaction holds; False if it finished instead."""
    if database.engine.dialect.name != "postgresql":
        racer.join(0.3)  # SQLite: B is queued in BEGIN IMMEDIATE (busy_timeout) or already done
        return racer.is_alive()
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + WAIT_SECONDS
    with database.engine.connect() as conn:
        while time.monotonic() < deadline:
            if not racer.is_alive():
                return False
            if conn.execute(query).scalar_one():
                return True
            conn.rollback()
            time.sleep(0.01)
    return False
