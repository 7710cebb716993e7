"""Run every benchmark script in bench/ one after another (`make bench`); each prints its own figures."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("quote_bench.py", "matrix_bench.py", "replan_bench.py", "realistic_day.py", "side_by_side.py", "tui_startup.py", "solomon.py")


def main() -> int:
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"== {script.name}: exit {result.returncode} in {time.perf_counter() - started:.1f} s\n", flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
