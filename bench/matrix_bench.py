"""Travel matrix for 500, 1,000 and 2,000 locations (target: 2,000 in a few seconds at most).

Points are spread over Greater Tokyo (seeded), 5% of them repeated (offices sharing a building), so the
deduplication is exercised. Also reports the gazetteer's first geocode (load + lookup) and a warm lookup.

    .venv/bin/python bench/matrix_bench.py [--sizes 500 1000 2000] [--profile tokyo_rail] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.travel import build_matrix, load_profiles


def points(n: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    pts = [(round(rng.uniform(35.45, 35.85), 6), round(rng.uniform(139.45, 139.95), 6)) for _ in range(n - n // 20)]
    pts += [rng.choice(pts) for _ in range(n // 20)]
    return pts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    ap.add_argument("--profile", default="tokyo_rail")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size; the best is reported")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    profile = load_profiles()[args.profile]
    for n in args.sizes:
        pts = points(n, args.seed)
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            m = build_matrix(pts, profile)
            best = min(best, time.perf_counter() - started)
        assert m.seconds.shape == (n, n)
        print(f"matrix {n:>5} locations ({n * n:>9,} pairs, profile {args.profile}): {best:.2f} s")
    from data.geocode import geocode

    started = time.perf_counter()
    geocode("東京都渋谷区道玄坂1丁目2-3")
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        geocode("大阪府大阪市北区梅田1丁目1-3")
    warm = (time.perf_counter() - started) / 100
    print(f"geocode: first lookup (loads the gazetteer) {first:.2f} s, then {warm * 1000:.1f} ms per address")


if __name__ == "__main__":
    main()
