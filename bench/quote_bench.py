"""Quote benchmark: a client with 500 offices must be quoted well under a second.

    .venv/bin/python bench/quote_bench.py [--offices 500] [--repeat 7]

Three layouts of `--offices` offices, each quoted `--repeat` times with the default tariff
(clustering + both plans + JSON): nationwide (almost every office its own cluster), one city (one
big cluster, every pair within reach) and 25 cities (mixed). Prints the median and worst seconds per
layout, and the end-to-end `concierge quote --offices FILE --json` time for the nationwide file.
Exits 1 when a median exceeds the 0.5 s target.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pricing.quote import OfficeInput, QuoteOptions, quote
from pricing.tariff import load_tariff

TARGET_SECONDS = 0.5


def _near(city: tuple[float, float], rng: random.Random) -> tuple[float, float]:
    return city[0] + rng.uniform(-0.05, 0.05), city[1] + rng.uniform(-0.05, 0.05)


def layouts(count: int, rng: random.Random) -> dict[str, list[OfficeInput]]:
    def office(i: int, lat: float, lon: float) -> OfficeInput:
        return OfficeInput(f"Office {i}", lat, lon, rng.randint(1, 30), rng.randint(0, 2), other_seats=rng.choice([0, 0, 0, 1]))

    cities = [(rng.uniform(31.5, 43.0), rng.uniform(130.5, 145.0)) for _ in range(25)]
    return {
        "nationwide": [office(i, rng.uniform(31.5, 43.0), rng.uniform(130.5, 145.0)) for i in range(count)],
        "one city": [office(i, 35.68 + rng.uniform(-0.02, 0.02), 139.76 + rng.uniform(-0.02, 0.02)) for i in range(count)],
        "25 cities": [
            office(i, city[0] + rng.uniform(-0.05, 0.05), city[1] + rng.uniform(-0.05, 0.05))
            for i, city in ((i, rng.choice(cities)) for i in range(count))
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offices", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    tariff = load_tariff()
    rng = random.Random(500)
    slow = False
    print(f"quote of {args.offices} offices, median/worst of {args.repeat} runs (target: median < {TARGET_SECONDS} s)")
    for name, offices in layouts(args.offices, rng).items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = quote(offices, QuoteOptions(), tariff)
            result.to_json()
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        slow |= median > TARGET_SECONDS
        print(
            f"  {name:<11} {median:7.3f} s median  {max(times):7.3f} s worst  "
            f"{len(result.clusters):4d} clusters  recommended {result.recommended:<11} ¥{int(result.gross_total):,}"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "offices.json"
        offices = layouts(args.offices, random.Random(7))["nationwide"]
        path.write_text(json.dumps({"offices": [o.to_json() for o in offices]}), encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "tui.cli", "quote", "--offices", str(path), "--json"], capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        status = "ok" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip()}"
        print(f"  CLI end-to-end (process start, imports, file, quote, JSON): {elapsed:.2f} s ({status})")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
