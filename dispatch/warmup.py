"""Compile the evaluator's and the LNS's kernels ahead of the first real solve, and tell whether that is
still to be done.

numba compiles every kernel on first use and caches the machine code on disk, so only the first solve
after an install or upgrade pays for it (bench/numba_coldstart.py: ~40 s of CPU; bench/README.md). Where
the cache lives (numba picks the first that works, per module):
1. `$NUMBA_CACHE_DIR`, when set;
2. `__pycache__` next to the module (`site-packages/dispatch/__pycache__`), when writable;
3. the user's cache folder, `$XDG_CACHE_HOME/numba` or `~/.cache/numba`: a read-only site-packages
   (a system-wide or another user's install) lands here, one compile per user;
if none is writable numba refuses to import the kernels, so `ensure_cache_location` (run when
`dispatch.kernels` is imported) points `NUMBA_CACHE_DIR` at a temporary folder first (then every new
process compiles again, and says so).

`make install` runs `python -m dispatch.warmup`; a solve also calls `warm_up` in the parent before forking
its workers, which then only load the cache; when `kernels_ready()` is false a solve with a progress
callback reports `PREPARING` and runs `warm_up` first. A cached load takes ~1.5 s in a new process.
The app calls `warm_up_in_background()` when it opens, so that after a fresh install the compile runs
(in a low-priority child process) while the dispatcher is still reading the board; a solve that starts
before it is done waits for that child instead of compiling a second time.
Kernel modules call `drop_stale_cache` at their end (see KERNEL_SOURCES).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from dispatch.problem import Break, Concierge, DispatchProblem, Location, Matrix, Pin, Urgency, Visit, Window

#: Every source whose code or constants end up in the compiled kernels. numba checks only a kernel's own
#: file when it loads the kernel from its cache, so after an upgrade that changed a callee (or a column
#: index in instance.py) but not the caller's file it would run the old callee: `drop_stale_cache`.
KERNEL_SOURCES = (
    "kernels.py", "instance.py", "costs.py",
    "engines/lns/state.py", "engines/lns/ruin.py", "engines/lns/recreate.py", "engines/lns/loop.py",
)


def tiny_day() -> DispatchProblem:
    """Three concierges and twelve visits that exercise every kernel (breaks, windows, skills, pins,
    deadlines, emergencies, capacity, max visits)."""
    import numpy as np

    n = 15
    pos = np.arange(n)
    sec = (np.abs(pos[:, None] - pos[None, :]) * 600).astype(np.int64)
    concierges = (
        Concierge("a", Location(index=12), break_=Break(690, 840, 60), skills=frozenset({"mac"}), max_visits=5),
        Concierge("b", Location(index=13), capacity=3),
        Concierge("c", Location(index=14), shift_start=600, shift_end=960),
    )
    visits = tuple(
        Visit(
            f"v{k}", Location(index=k), 30 + 15 * (k % 3),
            windows=(Window(540 + 30 * k, 900),) if k % 2 else (),
            urgency=(Urgency.EMERGENCY, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)[k % 4],
            deadline=720 if k % 4 == 1 else None, requested=-600, skills=frozenset({"mac"}) if k == 3 else frozenset(),
            dedicated="b" if k == 5 else None, load=k % 2, pinned=Pin("a", 600) if k == 7 else None, required=k == 7,
        )
        for k in range(12)
    )
    return DispatchProblem(concierges, visits, profile=None, matrix=Matrix(sec, sec))


def _writable_dir(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def ensure_cache_location(module_file: str) -> str | None:
    """Make sure numba has somewhere to cache the kernels of `module_file` (see the module docstring):
    when neither `$NUMBA_CACHE_DIR`, nor `__pycache__` beside the module, nor the user's cache folder
    works, use a new temporary folder. Returns that folder, else None. Call before any `@njit(cache=True)`."""
    from numba import config
    from numba.misc.appdirs import AppDirs

    if getattr(config, "CACHE_DIR", ""):
        return None
    here = os.path.join(os.path.dirname(os.path.abspath(module_file)), "__pycache__")
    user: str = AppDirs(appname="numba", appauthor=False).user_cache_dir  # type: ignore[no-untyped-call]
    if _writable_dir(here) or _writable_dir(user):
        return None
    folder = tempfile.mkdtemp(prefix="concierge-numba-")
    setattr(config, "CACHE_DIR", folder)  # noqa: B010 - numba.config has no type stubs for it
    print(f"concierge: no writable cache for the optimizer's compiled code; using {folder} (set NUMBA_CACHE_DIR to keep it)", file=sys.stderr)
    return folder


#: The child compiling the kernels for this process (`warm_up_in_background`), if one was started.
_background: subprocess.Popen[bytes] | None = None


def warm_up_in_background() -> None:
    """Start `python -m dispatch.warmup --if-needed` at low priority, once per process, and return at once:
    the child compiles the kernels into numba's cache unless they are there already (it checks, so the
    caller pays nothing). It outlives the app if the app closes first (the compile is then done for the
    next start)."""
    global _background
    if _background is not None:
        return
    try:
        _background = subprocess.Popen(
            [sys.executable, "-m", "dispatch.warmup", "--if-needed"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
    except OSError:  # no process to spare: the first solve compiles, as without this
        _background = None


def _wait_for_background() -> None:
    """Let the background compile (if this process started one) finish, so the kernels load from the cache."""
    if _background is not None and _background.poll() is None:
        _background.wait()


def warm_up() -> float:
    """Compile (or load) every kernel; returns the seconds it took (waiting for a background compile
    included)."""
    t0 = time.monotonic()
    _wait_for_background()
    from dispatch.construct import first_solution, insertion_order
    from dispatch.engines.lns.loop import Lns
    from dispatch.evaluate import Evaluator
    from dispatch.explain import explain_unplanned
    from dispatch.plan import PlanStatus

    problem = tiny_day()
    ev = Evaluator(problem)
    lns = Lns.of(ev.inst)
    routes = first_solution(ev, lns)
    best, _ = lns.improve(routes, time_limit=600, seed=0, iterations=30)
    best = lns.fill(best, insertion_order(ev))
    explain_unplanned(problem, ev.plan(best, PlanStatus.FEASIBLE, 0.0), evaluator=ev)
    return time.monotonic() - t0


def _dispatchers(module: ModuleType) -> list[Any]:
    from numba.core.registry import CPUDispatcher

    return [f for f in vars(module).values() if isinstance(f, CPUDispatcher) and f.py_func.__module__ == module.__name__]


def kernel_fingerprint() -> str:
    """A hash of KERNEL_SOURCES."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in KERNEL_SOURCES:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()[:20]


def drop_stale_cache(module_name: str) -> None:
    """Delete numba's cached machine code of the module's kernels when it was compiled from other kernel
    sources than today's (a stamp file per module beside the cache records which). Call at the end of
    every kernel module (`drop_stale_cache(__name__)`); a cache folder that cannot be written is left alone."""
    module = sys.modules[module_name]
    dispatchers = _dispatchers(module)
    if not dispatchers or not module.__file__:
        return
    try:
        folder = Path(dispatchers[0]._cache._cache_path)
        stem = Path(module.__file__).stem  # numba's files: <stem>.<function>-<line>.pyXY[.N].nbi / .nbc
        stamp = folder / f"{stem}.concierge-stamp"
        want = kernel_fingerprint()
        if stamp.is_file() and stamp.read_text() == want:
            return
        for stale in [*folder.glob(f"{stem}.*.nbi"), *folder.glob(f"{stem}.*.nbc")]:
            stale.unlink(missing_ok=True)
        stamp.write_text(want)
    except (OSError, AttributeError):
        return


def kernels_ready() -> bool:
    """True when every kernel is compiled in this process or has machine code in numba's cache (its
    index exists and matches the source), i.e. a solve starts without compiling. A guess on purpose
    (numba's cache internals; the CPU the cache was built for is not checked): when unsure, True."""
    from dispatch import kernels
    from dispatch.engines.lns import loop, recreate, ruin, state

    try:
        for module in (kernels, state, ruin, recreate, loop):
            for f in _dispatchers(module):
                if not f.overloads and not f._cache._cache_file._load_index():
                    return False
    except Exception:  # a numba without these internals, an unreadable index: assume cached, say nothing
        return True
    return True


def main(argv: list[str]) -> int:
    """`python -m dispatch.warmup [--if-needed]`: compile the kernels (`--if-needed`: at low priority and
    only when `kernels_ready()` is false, silently; what `warm_up_in_background` runs)."""
    if "--if-needed" in argv:
        if hasattr(os, "nice"):
            os.nice(10)
        if not kernels_ready():
            warm_up()
        return 0
    print(f"dispatch kernels ready in {warm_up():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
