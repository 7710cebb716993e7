"""Race trials: many processes writing at once, on SQLite and PostgreSQL. Not part of the test suite.

    .venv/bin/python bench/races.py [--pg URL] [--only sqlite|postgresql] [SCENARIO ...]

Scenarios (all by default) and what must hold:

- `saves`      N processes x M read-modify-write saves of ONE seat line (count + 1 with the version the form
               read): lost updates = successes - (final count - initial count) must be 0; and N processes
               each editing their OWN client: refusals must be 0 (only real conflicts may be refused).
- `close`      close-vs-slip trials: slip writers mark visits of a month done while `billing close` runs;
               invoices that differ from what the month's locked records give afterwards must be 0.
               `--close-mode` none (no lock, the old code's behaviour), lock (the chosen design: month
               advisory lock, see data/advisory.py) or serializable (SERIALIZABLE + retry, no lock).
- `contracts`  N processes add a contract for the same client at the same instant: clients with two running
               contracts must be 0; every refusal a sentence.
- `codes`      N processes save clients without a code at once: raw database errors must be 0.
- `kill`       workers doing all of the above are killed with SIGKILL at random moments; after each round the
               database is checked (overlapping contracts, invoices vs locked data, invoice totals, SQLite
               integrity_check): inconsistent states must be 0.

PostgreSQL: `--pg` (or $CONCIERGE_TEST_POSTGRES_URL) names a server where a superuser may create the
database `concierge_races`. Exit status 1 when any count that must be 0 is not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy import func, select

from data.db import Database, make_engine, make_session_factory, open_database
from data.errors import ConflictError, DataError, LockedError

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
    from data.demo import DEFAULT_SETTINGS
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
    from data.billing import contract_lines
    from data.billing_rules import load_rules
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
    saved = locked = retried = 0
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
        latencies.append(time.perf_counter() - began)
        time.sleep(rng.uniform(0.005, 0.03))
    database.engine.dispose()
    return {"saved": saved, "locked": locked, "retried": retried, "latencies": latencies}


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


# --- scenarios ---------------------------------------------------------------------------------------


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: int = 0

    def add(self, text: str, *, must_be_zero: int = 0) -> None:
        self.lines.append(text + ("" if must_be_zero == 0 else "   <-- MUST BE 0"))
        print(self.lines[-1], flush=True)
        self.failures += must_be_zero != 0


def scenario_saves(url: str, backend: str, args: argparse.Namespace, report: Report) -> None:
    seed(url, visits_per_month=0)
    from data.models import Seat

    database = connect(url)
    with database.sessions() as s:
        before = s.scalars(select(Seat.count).order_by(Seat.id)).first() or 0
    began = time.perf_counter()
    results = run_all([(seat_bumper, (url, args.saves)) for _ in range(args.procs)])
    seconds = time.perf_counter() - began
    with database.sessions() as s:
        after = s.scalars(select(Seat.count).order_by(Seat.id)).first() or 0
    done = sum(r["done"] for r in results)
    lost = done - (after - before)
    report.add(f"{backend:10} saves/one seat     {args.procs} procs x {args.saves}: {done} saved, "
               f"{sum(r['refused'] for r in results)} refused as conflicts, lost updates {lost} ({seconds:.1f} s)",
               must_be_zero=lost)
    began = time.perf_counter()
    results = run_all([(own_client_editor, (url, f"R{n:03d}", args.saves)) for n in range(min(args.procs, CLIENTS))])
    seconds = time.perf_counter() - began
    refused = sum(r["refused"] + r["busy"] for r in results)
    report.add(f"{backend:10} saves/own client   {min(args.procs, CLIENTS)} procs x {args.saves}: "
               f"{sum(r['done'] for r in results)} saved, refused {refused} ({seconds:.1f} s)", must_be_zero=refused)
    database.engine.dispose()


def scenario_close(url: str, backend: str, args: argparse.Namespace, report: Report) -> None:
    seed(url)
    mode = args.close_mode
    serializable = mode == "serializable"
    if serializable and backend == "sqlite":
        report.add(f"{backend:10} close: SERIALIZABLE is PostgreSQL's; SQLite is serial already (skipped)")
        return
    database = connect(url)
    wrong = slips = locked = retried = close_retries = 0
    latencies: list[float] = []
    close_seconds: list[float] = []
    trials = min(args.trials, len(MONTHS))
    for trial, month in enumerate(MONTHS[:trials]):
        closed = CTX.Event()
        workers: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (slipper, (url, month.isoformat(), closed, trial * 100 + n, serializable)) for n in range(args.procs)
        ]
        workers.append((closer, (url, month.isoformat(), random.uniform(0.05, 0.3), serializable, mode, closed)))
        *slip_results, close_result = run_all(workers)
        wrong += wrong_invoices(database, month)
        slips += sum(r["saved"] for r in slip_results)
        locked += sum(r["locked"] for r in slip_results)
        retried += sum(r["retried"] for r in slip_results)
        latencies += [x for r in slip_results for x in r["latencies"]]
        close_seconds.append(close_result["seconds"])
        close_retries += close_result["retried"]
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0
    report.add(
        f"{backend:10} close ({mode:12}) {trials} trials x {args.procs} slip procs: wrong invoices {wrong} "
        f"(of {trials * CLIENTS}); slips saved {slips}, refused as invoiced {locked}, retried {retried}; "
        f"slip p50 {p50:.1f} ms p99 {p99:.1f} ms; close median {statistics.median(close_seconds):.2f} s, "
        f"close retries {close_retries}",
        must_be_zero=wrong if mode != "none" else 0,
    )
    database.engine.dispose()


def scenario_contracts(url: str, backend: str, args: argparse.Namespace, report: Report) -> None:
    from data.models import Client, Contract

    database = connect(url)
    with database.transaction() as s:
        for n in range(args.trials):
            s.add(Client(code=f"K{n:04d}", name=f"契約先{n}"))
    raw = 0
    refusals: set[str] = set()
    for n in range(args.trials):
        barrier = CTX.Barrier(args.procs)
        outcomes = run_all([(contract_adder, (url, f"K{n:04d}", f"2026-{(p % 9) + 1:02d}", barrier)) for p in range(args.procs)])
        raw += sum(o.startswith("RAW") for o in outcomes)
        refusals |= {o.split(": ", 1)[1].split(" from ")[0] for o in outcomes if o.startswith("refused")}
    with database.sessions() as s:
        counts = list(s.scalars(select(func.count(Contract.id)).group_by(Contract.client_id)))
    duplicates = sum(c - 1 for c in counts)
    report.add(f"{backend:10} contracts          {args.trials} races x {args.procs} procs: clients billed twice "
               f"{duplicates}, raw errors {raw}", must_be_zero=duplicates + raw)
    for text in sorted(refusals):
        print(f"{'':10}   refusal seen: {text}")
    database.engine.dispose()


def scenario_codes(url: str, backend: str, args: argparse.Namespace, report: Report) -> None:
    from data.models import Client

    barrier = CTX.Barrier(args.procs)
    outcomes = [o for r in run_all([(code_taker, (url, args.saves // 4 or 1, barrier)) for _ in range(args.procs)]) for o in r]
    raw = [o for o in outcomes if not o.startswith("saved")]
    database = connect(url)
    with database.sessions() as s:
        codes = list(s.scalars(select(Client.code)))
    report.add(f"{backend:10} blank codes        {args.procs} procs x {args.saves // 4 or 1}: {len(codes)} clients, "
               f"{len(set(codes))} distinct codes, errors {len(raw)}", must_be_zero=len(raw))
    for text in raw[:3]:
        print(f"{'':10}   {text}")
    database.engine.dispose()


# --- kill -9 -----------------------------------------------------------------------------------------


def chaos_worker(url: str, seed_: int) -> None:
    """Forever: seat bumps, slips, closes of random months, contract adds, blank-code clients."""
    from data import billing
    from data.contracts import save_contract
    from data.locks import install_lock_guard
    from data.models import Office, Seat, Visit
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
                elif action < 0.85:
                    save_contract(s, {"plan": "support_incidents", "start_month": f"2026-{rng.randint(1, 12):02d}",
                                      "client": f"R{rng.randrange(CLIENTS):03d}"})
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


def scenario_kill(url: str, backend: str, args: argparse.Namespace, report: Report) -> None:
    seed(url)
    rng = random.Random(5)
    bad = kills = 0
    for round_ in range(args.kill_rounds):
        procs = [CTX.Process(target=chaos_worker, args=(url, round_ * 10 + n)) for n in range(args.procs)]
        for p in procs:
            p.start()
        time.sleep(rng.uniform(0.3, 1.2))
        for p in procs:
            time.sleep(rng.uniform(0, 0.05))
            assert p.pid is not None
            os.kill(p.pid, signal.SIGKILL)
            kills += 1
        for p in procs:
            p.join()
        problems = inconsistencies(url, backend)
        if problems:
            bad += 1
            print(f"{'':10}   round {round_}: {'; '.join(problems[:3])}")
    report.add(f"{backend:10} kill -9            {args.kill_rounds} rounds, {kills} processes killed mid-work: "
               f"inconsistent states {bad}", must_be_zero=bad)


SCENARIOS = {"saves": scenario_saves, "close": scenario_close, "contracts": scenario_contracts,
             "codes": scenario_codes, "kill": scenario_kill}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--pg", default=os.environ.get("CONCIERGE_TEST_POSTGRES_URL"), help="PostgreSQL admin URL")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--saves", type=int, default=100, help="saves per process")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--kill-rounds", type=int, default=40)
    parser.add_argument("--close-mode", choices=["none", "lock", "serializable"], default="lock")
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {sorted(unknown)[0]!r}: choose from {', '.join(SCENARIOS)}")
    args.scenarios = args.scenarios or list(SCENARIOS)
    backends = [b for b in ("sqlite", "postgresql") if args.only in (None, b)]
    if "postgresql" in backends and not args.pg:
        print("races: no PostgreSQL (--pg or $CONCIERGE_TEST_POSTGRES_URL): SQLite only")
        backends.remove("postgresql")
    print(f"races: load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    report = Report()
    for backend in backends:
        for name in args.scenarios:
            with fresh(backend, args.pg) as url:
                SCENARIOS[name](url, backend, args, report)
    print(f"races: load average {os.getloadavg()[0]:.2f}; {'FAILED' if report.failures else 'all counts that must be 0 are 0'}")
    raise SystemExit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
