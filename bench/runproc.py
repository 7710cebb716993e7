"""Run one command and measure it: wall seconds, peak memory, CPU seconds, machine load before and after.

Memory is measured two ways: `peak_rss_mib` is the largest single process of the tree (`wait4`'s
`ru_maxrss`: the command or its largest waited-for child), `peak_tree_mib` the largest sum of the
resident sets of the command and all its descendants, sampled five times a second from /proc (forked
workers share pages copy-on-write, so the sum over-counts shared pages a little).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20
SAMPLE_SECONDS = 0.2


@dataclass(frozen=True)
class RunResult:
    """What one run cost."""

    returncode: int
    wall: float
    cpu: float
    peak_rss_mib: float
    peak_tree_mib: float
    load_before: float
    load_after: float


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (via /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total * PAGE_MIB


def run(cmd: list[str], stdout: Path, stderr: Path, timeout: float | None = None) -> RunResult:
    """Run `cmd` with stdout/stderr to files; kill its process group after `timeout` seconds."""
    load_before = os.getloadavg()[0]
    peak = [0.0]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], _rss_mib(_tree(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, 9)) if timeout else None
        if killer is not None:
            killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        done.set()
        if killer is not None:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.join()
    return RunResult(
        proc.returncode,
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        max(peak[0], usage.ru_maxrss / 1024),
        load_before,
        os.getloadavg()[0],
    )
