"""App start-up and client-list responsiveness on a large generated database.

Builds (once, cached in the temp directory) a SQLite database with 10,000 clients, ~25,000 offices and
100,000 seat lines, then measures with the app running headless at 80×24:

* start-up: `make_app(...)` until the client list shows its first page (in-process, imports warm), and
  a cold start in a fresh interpreter (imports included) until the same point;
* filter: from the last key of a search to the filtered rows on screen (the 0.15 s typing pause
  that the list waits for before searching is reported separately, not hidden in the figure);
* scrolling: loading the next page when the cursor nears the end of the loaded rows.

The demo database (40 clients) is measured the same way for comparison. Run: `python bench/tui_startup.py`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from data.db import Database, make_engine, make_session_factory, upgrade  # noqa: E402
from data.demo import generate_demo  # noqa: E402
from data.models import Client, Concierge, Contract, Office, Seat  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "concierge-desk-bench"
CLIENTS = 10_000
SEATS = 100_000
NOW = dt.datetime(2026, 11, 25, 10, 0)
WORDS = ("青葉", "朝日", "光陽", "桜井", "松竹", "白鷺", "竹田", "中央", "東邦", "浪速", "ひかり", "日の出", "富士", "北斗", "丸山", "大和")
KINDS = ("商事", "物流", "建設", "印刷", "食品", "設計事務所", "会計事務所", "歯科クリニック", "デザイン", "不動産")


def build_large(path: Path) -> None:
    """10,000 clients with 1-5 offices each and 100,000 seat lines, written with bulk inserts."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    rng = random.Random(11)
    with engine.begin() as conn:
        conn.execute(sa.insert(Concierge), [
            {"code": f"K{i:02d}", "name": f"コンシェルジュ {i}", "home_address": "東京都千代田区丸の内1丁目",
             "home_lat": 35.68, "home_lon": 139.76, "skills": [], "working_days": [0, 1, 2, 3, 4],
             "shift_start": dt.time(9), "shift_end": dt.time(18), "max_visits": 8, "travel_profile": "tokyo_rail",
             "active": True, "version": 1}
            for i in range(1, 31)
        ])
        conn.execute(sa.insert(Client), [
            {"code": f"C{i:05d}", "name": f"株式会社{rng.choice(WORDS)}{rng.choice(KINDS)}{i}", "name_kana": None,
             "language": "ja", "active": True, "version": 1,
             "dedicated_concierge_id": rng.randint(1, 30) if rng.random() < 0.5 else None}
            for i in range(1, CLIENTS + 1)
        ])
        offices: list[dict[str, object]] = []
        for client_id in range(1, CLIENTS + 1):
            for n in range(rng.choice((1, 1, 2, 3, 5))):
                offices.append({
                    "client_id": client_id, "code": f"O{len(offices) + 1:06d}", "name": "本社" if n == 0 else f"営業所{n}",
                    "address": "東京都新宿区西新宿1丁目1-1", "lat": 35.69 + rng.uniform(-0.1, 0.1),
                    "lon": 139.70 + rng.uniform(-0.1, 0.1), "geocode_precision": "town",
                    "opens": dt.time(9), "closes": dt.time(18), "version": 1,
                })
        conn.execute(sa.insert(Office), offices)
        kinds = ("pc", "pc", "pc", "server", "printer", "network")
        conn.execute(sa.insert(Seat), [
            {"office_id": (i % len(offices)) + 1, "label": f"機器{i}", "kind": kinds[i % len(kinds)],
             "os": "windows" if kinds[i % len(kinds)] in ("pc", "server") else "none",
             "purchase_year": 2018 + i % 8, "count": 1 + i % 9}
            for i in range(SEATS)
        ])
        conn.execute(sa.insert(Contract), [
            {"client_id": i, "plan": "concierge_seats" if i % 4 else "support_incidents",
             "start_month": dt.date(2025, 1 + i % 12, 1), "minimum_months": 3, "notice_months": 1,
             "service_hours": [], "options": {"variant": "per_cluster", "rounding": "half"}, "tariff_ref": "default",
             "dedicated_required": False, "status": "active", "version": 1}
            for i in range(1, CLIENTS + 1)
        ])
    engine.dispose()


def build_demo(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    database = Database(url=f"sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))
    with database.transaction() as session:
        generate_demo(session, seed=7, today=NOW.date())
    engine.dispose()


def database_file(name: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / name
    if not path.exists():
        started = time.perf_counter()
        (build_large if name.startswith("large") else build_demo)(path)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path


async def measure(path: Path, *, filters: tuple[str, ...]) -> dict[str, float]:
    """Start-up to the first page, filter responses, next-page load; seconds."""
    from textual.widgets import DataTable, Input

    from tui.app import make_app
    from tui.context import AppContext, Role
    from tui.screens.clients import FILTER_DELAY, ClientsScreen

    engine = make_engine(f"sqlite:///{path}")
    database = Database(url=f"sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))
    started = time.perf_counter()
    app = make_app(AppContext(database, Role("admin"), clock=lambda: NOW))
    figures: dict[str, float] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        while not (isinstance(app.screen, ClientsScreen) and app.screen.rows_generation >= 1):
            await asyncio.sleep(0.002)
        figures["startup"] = time.perf_counter() - started
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        figures["total"] = float(screen.total)
        filter_times = []
        for text in filters:
            before = screen.generation
            screen.query_one("#filter", Input).value = text
            typed = time.perf_counter()
            while screen.rows_generation <= before:
                await asyncio.sleep(0.002)
            filter_times.append(time.perf_counter() - typed - FILTER_DELAY)
        figures["filter_median"] = statistics.median(filter_times)
        figures["filter_max"] = max(filter_times)
        before = screen.generation
        screen.query_one("#filter", Input).value = ""
        while screen.rows_generation <= before:
            await asyncio.sleep(0.002)
        table = screen.query_one("#clients", DataTable)
        loaded = len(screen.rows)
        if loaded < screen.total:
            started = time.perf_counter()
            table.move_cursor(row=loaded - 1)
            while len(screen.rows) == loaded:
                await asyncio.sleep(0.002)
            figures["next_page"] = time.perf_counter() - started
        await pilot.pause()
    engine.dispose()
    return figures


COLD = """
import time, sys, asyncio
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from data.db import Database, make_engine, make_session_factory
from tui.app import make_app
from tui.context import AppContext, Role
from tui.screens.clients import ClientsScreen
engine = make_engine("sqlite:///{path}")
db = Database(url="sqlite:///{path}", engine=engine, sessions=make_session_factory(engine))
async def main():
    app = make_app(AppContext(db, Role("admin")))
    async with app.run_test(size=(80, 24)):
        while not (isinstance(app.screen, ClientsScreen) and app.screen.rows_generation >= 1):
            await asyncio.sleep(0.002)
        print(time.perf_counter() - t0)
asyncio.run(main())
"""


def cold_start(path: Path) -> float:
    """Seconds from a fresh interpreter (after Python itself is up) to the first page on screen."""
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), path=str(path))],
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    demo = database_file("demo-seed7.sqlite3")
    large = database_file("large-10k-clients.sqlite3")
    with make_engine(f"sqlite:///{large}").connect() as conn:
        clients = conn.execute(sa.text("select count(*) from client")).scalar()
        seats = conn.execute(sa.text("select count(*) from seat")).scalar()
    print(f"large database: {clients:,} clients, {seats:,} seat lines ({large.stat().st_size / 1e6:.0f} MB)")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (figures grow with the load)")
    asyncio.run(measure(demo, filters=("光陽",)))  # warm-up: first CSS parse and query compilation
    for label, path, filters in (
        ("demo (40 clients)", demo, ("ベーカリー", "光陽", "C00", "事務所", "zzz")),
        ("large (10,000 clients)", large, ("光陽", "株式会社", "印刷12", "C0999", "建設", "zzz", "富士 商事")),
    ):
        figures = asyncio.run(measure(path, filters=filters))
        cold = statistics.median(cold_start(path) for _ in range(3))
        print(f"{label}: start-up to first page {figures['startup'] * 1000:.0f} ms (warm, in-process), "
              f"{cold * 1000:.0f} ms cold (new interpreter, imports included)")
        print(f"{label}: filter → rows on screen median {figures['filter_median'] * 1000:.0f} ms, "
              f"worst {figures['filter_max'] * 1000:.0f} ms (after the 150 ms typing pause)"
              + (f"; next page of 200 rows {figures['next_page'] * 1000:.0f} ms" if "next_page" in figures else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
