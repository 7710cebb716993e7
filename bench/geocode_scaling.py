"""Geocoder cost against input length: linear folding, and the length bound that stops a pasted page.

    .venv/bin/python bench/geocode_scaling.py

Times `address_keys.key`, `strip_prefix` and `block_part` on runs of 1,000 to 100,000 digits / kanji
numerals (each 10x longer input should take about 10x longer: linear), then `geocode()` on a typical
address and on the longest accepted input (MAX_ADDRESS_CHARS). Issue 14 measured the old code at 17 s for
30,000 digits (quadratic) and a crash past 4,300 digits.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from data.address_keys import block_part, key, strip_prefix
from data.geocode import MAX_ADDRESS_CHARS, gazetteer, geocode


def seconds(run: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    print(f"load {os.getloadavg()[0]:.2f}")
    town = key("道玄坂")
    print(f"{'length':>8} {'key(kanji)':>11} {'strip_prefix':>13} {'block_part':>11}")
    for n in (1_000, 10_000, 100_000):
        digits, kanji = "1" * n, "一" * n
        folding = seconds(lambda kanji=kanji: key(kanji))
        stripping = seconds(lambda digits=digits: strip_prefix("道玄坂" + digits, town))
        blocks = seconds(lambda digits=digits: block_part("2番地の3" + digits))
        print(f"{n:>8} {folding:>10.4f}s {stripping:>12.4f}s {blocks:>10.4f}s")
    gazetteer()
    typical = "東京都渋谷区道玄坂1丁目2-3"
    longest = "東京都渋谷区道玄坂" + "1" * (MAX_ADDRESS_CHARS - 9)
    print(f"geocode typical address: {seconds(lambda: geocode(typical)) * 1000:.2f} ms")
    print(f"geocode {MAX_ADDRESS_CHARS}-character input: {seconds(lambda: geocode(longest)) * 1000:.2f} ms")
    print(f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
