"""The optimizer's first run after an install: numba's cache location and the "preparing" progress."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dispatch_street import street, visit

import dispatch.solve as solve_module
from dispatch.params import NO_SOLUTION_YET, PREPARING, Progress, SolveParams
from dispatch.problem import DispatchProblem
from dispatch.warmup import warm_up

ROOT = Path(__file__).resolve().parents[1]


def _read_only_copy(tmp_path: Path) -> Path:
    """dispatch/ copied where numba cannot write a __pycache__ (a file of that name blocks the folder,
    which stands for a read-only site-packages even for root)."""
    shutil.copytree(ROOT / "dispatch", tmp_path / "dispatch", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [tmp_path / "dispatch", *(p for p in (tmp_path / "dispatch").rglob("*") if p.is_dir())]:
        (folder / "__pycache__").write_text("")
    return tmp_path


def _python(cwd: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env = {**base, "PYTHONDONTWRITEBYTECODE": "1", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_read_only_install_caches_in_the_users_folder(tmp_path: Path) -> None:
    """Site-packages not writable: the kernels cache under the user's cache folder, and nothing is cached yet."""
    src = _read_only_copy(tmp_path / "src")
    out = _python(src, "import dispatch.kernels as k, dispatch.warmup as w; print(k.win_start._cache._cache_path); print(w.kernels_ready())",
                  XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert out.returncode == 0, out.stderr
    path, ready = out.stdout.split()
    assert path.startswith(str(tmp_path / "cache" / "numba"))
    assert ready == "False"


def test_nowhere_writable_still_imports_and_says_where(tmp_path: Path) -> None:
    """Neither site-packages nor the user's cache folder writable: a temporary folder, named on stderr
    (numba alone refuses to import the kernels)."""
    src = _read_only_copy(tmp_path / "src")
    (tmp_path / "file").write_text("")
    out = _python(src, "import dispatch.kernels as k; print(k.win_start._cache._cache_path)", XDG_CACHE_HOME=str(tmp_path / "file" / "cache"))
    assert out.returncode == 0, out.stderr
    assert "NUMBA_CACHE_DIR" in out.stderr
    folder = Path(out.stdout.strip()).parent  # numba caches in a subfolder per source folder
    shutil.rmtree(folder, ignore_errors=True)
    assert folder.name.startswith("concierge-numba-") and str(folder) in out.stderr


def _day() -> DispatchProblem:
    return street([{"id": "a"}, {"id": "b"}], [visit(f"v{k}", k) for k in range(1, 7)])


def test_first_run_says_it_is_preparing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kernels not compiled yet: the first progress names the step, before any cost; costs still fall."""
    warm_up()
    monkeypatch.setattr(solve_module, "kernels_ready", lambda: False)
    seen: list[Progress] = []
    solve_module.solve(_day(), SolveParams(time_limit=5, solution_limit=3), on_progress=seen.append)
    assert seen[0].stage == PREPARING and seen[0].best_cost == NO_SOLUTION_YET and seen[0].planned == 0
    assert all(not p.stage for p in seen[1:]) and len(seen) > 1
    assert all(b.best_cost < a.best_cost for a, b in itertools.pairwise(seen))


def test_later_runs_do_not() -> None:
    warm_up()
    seen: list[Progress] = []
    solve_module.solve(_day(), SolveParams(time_limit=5, solution_limit=3), on_progress=seen.append)
    assert seen and not any(p.stage for p in seen)


def test_cache_of_other_kernel_sources_is_dropped(tmp_path: Path) -> None:
    """numba checks only a kernel's own file: cached code built from other kernel sources (say an upgrade
    changed instance.py's columns) is deleted on import; code built from today's sources is kept."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "dispatch", src / "dispatch", ignore=shutil.ignore_patterns("__pycache__"))
    code = "import dispatch.kernels as k; print(k.win_start._cache._cache_path)"
    cache = Path(_python(src, code, NUMBA_CACHE_DIR=str(tmp_path / "cache")).stdout.strip())
    kept = cache / "kernels.step-1.py311.nbi"
    kept.write_text("compiled from today's sources")
    assert _python(src, code, NUMBA_CACHE_DIR=str(tmp_path / "cache")).returncode == 0
    assert kept.exists()
    (src / "dispatch" / "instance.py").write_text((src / "dispatch" / "instance.py").read_text() + "\n# changed\n")
    assert _python(src, code, NUMBA_CACHE_DIR=str(tmp_path / "cache")).returncode == 0
    assert not kept.exists()


def test_a_solve_waits_for_the_background_compile_instead_of_compiling_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app started a background compile (`warm_up_in_background`); a plan asked before it finishes
    waits for that child, then loads what it cached (here the child is a stand-in that takes a moment)."""
    import dispatch.warmup as warmup

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    monkeypatch.setattr(warmup, "_background", child)
    warm_up()
    assert child.poll() == 0


def test_background_compile_is_started_once_and_does_nothing_when_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening the app twice in one process starts one child; with the kernels cached it exits at once."""
    import dispatch.warmup as warmup

    monkeypatch.setattr(warmup, "_background", None)
    warmup.warm_up_in_background()
    first = warmup._background
    warmup.warm_up_in_background()
    assert first is not None and warmup._background is first
    assert first.wait(timeout=60) == 0
