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
import os
import random
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from race_workers import (
    CLIENTS,
    CTX,
    MONTHS,
    chaos_worker,
    closer,
    code_taker,
    connect,
    contract_adder,
    fresh,
    inconsistencies,
    own_client_editor,
    run_all,
    seat_bumper,
    seed,
    slipper,
    wrong_invoices,
)
from sqlalchemy import func, select

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
    wrong = slips = locked = retried = busy = close_retries = 0
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
        busy += sum(r["busy"] for r in slip_results)
        latencies += [x for r in slip_results for x in r["latencies"]]
        close_seconds.append(close_result["seconds"])
        close_retries += close_result["retried"]
    p50 = statistics.median(latencies) * 1000 if latencies else 0.0
    p99 = sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0
    report.add(
        f"{backend:10} close ({mode:12}) {trials} trials x {args.procs} slip procs: wrong invoices {wrong} "
        f"(of {trials * CLIENTS}); slips saved {slips}, refused as invoiced {locked}, retried {retried}, busy {busy}; "
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


def scenario_kill(url: str, backend: str, args: argparse.Namespace, report: Report) -> None:
    seed(url)
    rng = random.Random(5)
    bad = kills = 0
    for round_ in range(args.kill_rounds):
        procs = [CTX.Process(target=chaos_worker, args=(url, round_ * 10 + n)) for n in range(args.procs)]
        for p in procs:
            p.start()
        time.sleep(rng.uniform(0.5, 2.5))
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
    from data.models import Client, ClosedMonth, Contract, Invoice, Seat, Visit

    database = connect(url)
    with database.sessions() as s:
        work = (f"{s.scalar(select(func.sum(Seat.count)))} seats, {s.scalar(select(func.count(Visit.id)).where(Visit.status == 'done'))}"
                f" slips, {s.scalar(select(func.count(ClosedMonth.month)))} months closed "
                f"({s.scalar(select(func.count(Invoice.id)))} invoices), {s.scalar(select(func.count(Contract.id)))} contracts "
                f"({s.scalar(select(func.count(Contract.id)).where(Contract.status == 'cancelled'))} cancelled), "
                f"{s.scalar(select(func.count(Client.id)))} clients written")
    database.engine.dispose()
    report.add(f"{backend:10} kill -9            {args.kill_rounds} rounds, {kills} processes killed mid-work ({work}): "
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
