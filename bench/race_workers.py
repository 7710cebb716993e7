"""The processes of bench/races.py: each worker opens its own engine after fork and reports through a queue.

Also the business they write to (`seed`), the database of a trial (`fresh`) and the checks that must hold
afterwards (`wrong_invoices`, `inconsistencies`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy import func, select

from data.db import Database, make_engine, make_session_factory, open_database
from data.errors import BusyError, ConflictError, DataError, LockedError

CTX = mp.get_context("fork")
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in range(1, 11)]
TODAY = dt.date(2026, 11, 20)
CLIENTS = 8


# --- databases ---------------------------------------------------------------------------------------


@contextmanager
def fresh(backend: str, pg: str | None) -> Iterator[str]:
    """The URL of a new, migrated, empty database; removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/races.sqlite3"
            open_database(url).engine.dispose()
            yield url
        return
    assert pg is not None
    admin = sa.create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS concierge_races WITH (FORCE)'))
        conn.execute(sa.text("CREATE DATABASE concierge_races"))
    url = sa.make_url(str(admin.url)).set(database="concierge_races").render_as_string(hide_password=False)
    open_database(url).engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS concierge_races WITH (FORCE)'))
        admin.dispose()


def connect(url: str, *, serializable: bool = False) -> Database:
    engine = make_engine(url)
    if serializable:
        engine = engine.execution_options(isolation_level="SERIALIZABLE")
    return Database(url=url, engine=engine, sessions=make_session_factory(engine))


def run_all(workers: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
    """Start every worker in its own process, wait for all; each returns its result through a queue."""
    queue: Any = CTX.Queue()

    def wrap(index: int, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
        queue.put((index, target(*args)))

    procs = [CTX.Process(target=wrap, args=(i, t, a)) for i, (t, a) in enumerate(workers)]
    for p in procs:
        p.start()
    results = dict(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return [results[i] for i in range(len(procs))]


# --- the business the trials write to ---------------------------------------------------------------


def seed(url: str, *, visits_per_month: int = 25) -> None:
    """CLIENTS two-tier seat-plan clients with one PC each, and planned visits in every month of MONTHS."""
    from data.demo_tables import DEFAULT_SETTINGS
    from data.models import Client, Concierge, Contract, Office, Seat, Setting, Visit, VisitRequest

    database = connect(url)
    with database.transaction() as s:
        for key, value in DEFAULT_SETTINGS.items():
            s.add(Setting(key=key, value=value))
        concierge = Concierge(code="K01", name="佐々木", home_address="東京都", home_lat=35.64, home_lon=139.67)
        s.add(concierge)
        for n in range(CLIENTS):
            client = Client(code=f"R{n:03d}", name=f"競合商事{n}")
            office = Office(code=f"RO{n:03d}", name="本社", address="東京都", lat=35.6 + n / 100, lon=139.7)
            office.seats.append(Seat(label="PC", kind="pc", os="windows", count=5))
            client.offices.append(office)
            client.contracts.append(Contract(plan="concierge_seats", start_month=dt.date(2024, 1, 1),
                                             options={"variant": "two_tier", "rounding": "half"}))
            s.add(client)
            for month in MONTHS:
                for v in range(visits_per_month):
                    day = month + dt.timedelta(days=v % 28)
                    start = dt.datetime.combine(day, dt.time(10))
                    request = VisitRequest(client=client, office=office, received_at=start, routine=v % 3 != 0,
                                           description="点検", status="planned")
                    request.visits.append(Visit(concierge=concierge, date=day, planned_start=start,
                                                planned_end=start + dt.timedelta(minutes=60 + 15 * v)))
                    s.add(request)
    database.engine.dispose()


def wrong_invoices(database: Database, month: dt.date) -> int:
    """Invoices of `month` whose lines differ from what its records give now (0 when consistent)."""
    from data.billing_rules import load_rules
    from data.invoice_lines import contract_lines
    from data.models import Contract, Invoice

    rules = load_rules("default")
    wrong = 0
    with database.sessions() as s:
        for invoice in s.scalars(select(Invoice).where(Invoice.month == month)):
            contract = s.get(Contract, invoice.contract_id)
            assert contract is not None
            expected = [(x.label, x.net) for x in contract_lines(s, contract, month, rules, dt.datetime(2026, 11, 20))]
            if [(x.label, x.net) for x in invoice.lines] != expected:
                wrong += 1
        s.rollback()
    return wrong


# --- workers (each runs in its own process) ----------------------------------------------------------


def seat_bumper(url: str, saves: int) -> dict[str, int]:
    """Read the seat line as a form does, save count + 1 with the version read; count the outcomes."""
    from data.models import Office, Seat
    from data.records import save_seat

    database = connect(url)
    done = refused = 0
    for _ in range(saves):
        with database.sessions() as s:
            seat = s.scalars(select(Seat).where(Seat.label == "PC").order_by(Seat.id)).first()
            assert seat is not None
            seat_id, office_id, count, version = seat.id, seat.office_id, seat.count, seat.version
        try:
            with database.transaction() as s:
                save_seat(s, {"label": "PC", "kind": "pc", "count": str(count + 1)}, seat_id=seat_id,
                          office=s.get(Office, office_id), expected_version=version)
            done += 1
        except ConflictError:
            refused += 1
    database.engine.dispose()
    return {"done": done, "refused": refused}


def own_client_editor(url: str, code: str, saves: int) -> dict[str, int]:
    from data.models import Client
    from data.queries import client_detail
    from data.records import save_client

    database = connect(url)
    with database.sessions() as s:
        client_id = s.scalars(select(Client.id).where(Client.code == code)).one()
    done = refused = busy = 0
    for n in range(saves):
        with database.sessions() as s:
            detail = client_detail(s, client_id)
        try:
            with database.transaction() as s:
                save_client(s, {**detail.values(), "notes": f"{os.getpid()} {n}"}, client_id=client_id,
                            expected_version=detail.version)
            done += 1
        except ConflictError:
            refused += 1
        except DataError:
            busy += 1
    database.engine.dispose()
    return {"done": done, "refused": refused, "busy": busy}


def slipper(url: str, month: str, closed: Any, seed_: int, serializable: bool) -> dict[str, Any]:
    """Mark random planned visits of `month` done, one slip per transaction, until shortly after the close."""
    from data.locks import install_lock_guard
    from data.models import Visit

    rng = random.Random(seed_)
    database = connect(url, serializable=serializable)
    install_lock_guard(database.sessions)
    first = dt.date.fromisoformat(month)
    saved = locked = retried = busy = 0
    latencies: list[float] = []
    stop_at = float("inf")
    while time.time() < stop_at:
        if closed.is_set() and stop_at == float("inf"):
            stop_at = time.time() + 0.2
        with database.sessions() as s:
            ids = list(s.scalars(select(Visit.id).where(Visit.status == "planned", Visit.date >= first,
                                                        Visit.date < first + dt.timedelta(days=32))))
        if not ids:
            break
        visit_id = rng.choice(ids)
        began = time.perf_counter()
        for _attempt in range(20):
            try:
                with database.transaction() as s:
                    visit = s.get(Visit, visit_id)
                    assert visit is not None
                    changed = visit.status == "planned"
                    if changed:
                        visit.status, visit.actual_start, visit.actual_end = "done", visit.planned_start, visit.planned_end
                        visit.work_slip = "完了"
                saved += changed
                break
            except LockedError:
                locked += 1
                break
            except ConflictError:
                retried += 1
            except BusyError:  # SQLite: waited busy_timeout (5 s) behind another writer
                busy += 1
                break
        latencies.append(time.perf_counter() - began)
        time.sleep(rng.uniform(0.005, 0.03))
    database.engine.dispose()
    return {"saved": saved, "locked": locked, "retried": retried, "busy": busy, "latencies": latencies}


def closer(url: str, month: str, delay: float, serializable: bool, mode: str, closed: Any) -> dict[str, Any]:
    from data import billing
    from data.locks import install_lock_guard

    if mode != "lock":
        billing.lock_month_for_close = lambda _session, _month: None  # type: ignore[assignment]
    database = connect(url, serializable=serializable)
    install_lock_guard(database.sessions)
    time.sleep(delay)
    retried = 0
    began = time.perf_counter()
    while True:
        try:
            with database.transaction() as s:
                billing.close_month(s, dt.date.fromisoformat(month), today=TODAY, now=dt.datetime(2026, 11, 20, 9))
            break
        except ConflictError:
            retried += 1
    seconds = time.perf_counter() - began
    closed.set()
    database.engine.dispose()
    return {"seconds": seconds, "retried": retried}


def contract_adder(url: str, client_code: str, start: str, barrier: Any) -> str:
    from data.contracts import save_contract

    database = connect(url)
    barrier.wait()
    try:
        with database.transaction() as s:
            save_contract(s, {"plan": "support_incidents", "start_month": start, "client": client_code})
        outcome = "saved"
    except DataError as exc:
        outcome = f"refused: {exc}"
    except Exception as exc:  # counted as a raw error
        outcome = f"RAW {type(exc).__name__}: {exc}"
    database.engine.dispose()
    return outcome


def code_taker(url: str, count: int, barrier: Any) -> list[str]:
    from data.records import save_client

    database = connect(url)
    barrier.wait()
    outcomes = []
    for n in range(count):
        try:
            with database.transaction() as s, s.no_autoflush:
                save_client(s, {"name": f"無番号{os.getpid()}-{n}"})
            outcomes.append("saved")
        except DataError as exc:
            outcomes.append(f"refused: {exc}")
        except Exception as exc:
            outcomes.append(f"RAW {type(exc).__name__}: {exc}")
    database.engine.dispose()
    return outcomes


# --- kill -9: the worker and the checks -----------------------------------------------------------------------------------------

def chaos_worker(url: str, seed_: int) -> None:
    """Forever: seat bumps, slips, closes of random months, contract adds, blank-code clients."""
    from data import billing
    from data.contracts import add_months, cancel_contract, save_contract
    from data.locks import install_lock_guard
    from data.models import Client, Office, Seat, Visit
    from data.records import save_client, save_seat

    rng = random.Random(seed_)
    database = connect(url)
    install_lock_guard(database.sessions)
    while True:
        action = rng.random()
        try:
            with database.transaction() as s:
                if action < 0.3:
                    seat = s.scalars(select(Seat).order_by(func.random()).limit(1)).one()
                    save_seat(s, {"label": seat.label, "kind": seat.kind, "count": str(seat.count + 1)}, seat_id=seat.id,
                              office=s.get(Office, seat.office_id), expected_version=seat.version)
                elif action < 0.6:
                    visit = s.scalars(select(Visit).where(Visit.status == "planned").order_by(func.random()).limit(1)).first()
                    if visit is not None:
                        visit.status, visit.actual_start, visit.actual_end = "done", visit.planned_start, visit.planned_end
                elif action < 0.7:
                    billing.close_month(s, rng.choice(MONTHS), today=TODAY, now=dt.datetime(2026, 11, 20, 9))
                elif action < 0.85:  # cancel the running contract, or start the next one near its end
                    client = s.scalars(select(Client).where(Client.code == f"R{rng.randrange(CLIENTS):03d}")).one()
                    running = [c for c in client.contracts if c.status == "active"]
                    if running:
                        cancel_contract(s, running[0].id, dt.date(2026, 11, 20))
                    else:
                        end = max(c.cancelled_effective or c.start_month for c in client.contracts)
                        start = add_months(end, rng.randint(-2, 1))
                        save_contract(s, {"plan": "support_incidents", "start_month": start.isoformat()[:7]}, client_id=client.id)
                else:
                    with s.no_autoflush:
                        save_client(s, {"name": f"新規{seed_}-{rng.random():.6f}"})
        except DataError:
            pass


def inconsistencies(url: str, backend: str) -> list[str]:
    """Everything that must hold after any crash."""
    from data.models import ClosedMonth, Invoice, InvoiceLine

    problems: list[str] = []
    database = connect(url)
    with database.engine.connect() as conn:
        if backend == "sqlite":
            check = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if check != "ok":
                problems.append(f"integrity_check: {check}")
            if conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                problems.append("foreign_key_check found dangling references")
        overlapping = conn.execute(sa.text("""
            SELECT count(*) FROM contract a JOIN contract b ON a.client_id = b.client_id AND a.id < b.id
            WHERE (a.status = 'active' OR a.cancelled_effective IS NOT NULL)
              AND (b.status = 'active' OR b.cancelled_effective IS NOT NULL)
              AND (a.cancelled_effective IS NULL OR b.start_month < a.cancelled_effective)
              AND (b.cancelled_effective IS NULL OR a.start_month < b.cancelled_effective)""")).scalar()
        if overlapping:
            problems.append(f"{overlapping} pairs of overlapping running contracts")
    with database.sessions() as s:
        closed = list(s.scalars(select(ClosedMonth.month)))
        for month in closed:
            if not s.scalar(select(func.count(Invoice.id)).where(Invoice.month == month)):
                problems.append(f"closed month {month} without invoices")
        for invoice in s.scalars(select(Invoice)):
            net = s.scalar(select(func.coalesce(func.sum(InvoiceLine.net), 0)).where(InvoiceLine.invoice_id == invoice.id))
            if net != invoice.net_total:
                problems.append(f"{invoice.number}: lines {net} != total {invoice.net_total}")
        invoiced = {m for m in s.scalars(select(Invoice.month).distinct())}
        if invoiced - set(closed):
            problems.append(f"invoices of months not closed: {sorted(invoiced - set(closed))}")
    for month in closed:
        if (count := wrong_invoices(database, month)) != 0:
            problems.append(f"{count} invoices of {month} differ from the locked records")
    database.engine.dispose()
    return problems
