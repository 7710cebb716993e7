"""Bad input to `concierge plan --problem`: exit 2 and one line naming the field, never an internal error;
odd but valid days (no concierges, windows before midnight) give a clean plan."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dispatch.check import check_plan
from dispatch.jsonio import parse_problem
from dispatch.plan import ReasonCode
from dispatch.solve import SolveParams, solve
from tui.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "dispatch" / "small_day.json"


def doc() -> dict[str, Any]:
    return copy.deepcopy(json.loads(FIXTURE.read_text()))


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Exit code and stderr lines of `concierge plan ...`."""
    with pytest.raises(SystemExit) as info:
        main(["plan", *args])
        raise SystemExit(0)
    return int(info.value.code or 0), capsys.readouterr().err.strip().splitlines()


def write(tmp_path: Path, data: bytes | str) -> Path:
    f = tmp_path / "day.json"
    f.write_bytes(data if isinstance(data, bytes) else data.encode())
    return f


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"schema": "concierge-dispatch/1", "visits": [], "concierges": [], "x": ' + "9" * 5000 + "}", "not usable JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (b'{"schema": "concierge-dispatch/1", "date": "2025-06-02\xff"}', "not UTF-8"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes, named: str) -> None:
    """Huge integer literals, absurd nesting and non-UTF-8 bytes are refused in one line naming the file."""
    code, err = run_cli(["--problem", str(write(tmp_path, text)), "--workers", "1"], capsys)
    assert code == 2 and len(err) == 1 and named in err[0] and "day.json" in err[0]


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d["visits"][1].update(duraton_minutes=30), "visits[1].duraton_minutes: unknown key (did you mean duration_minutes?)"),
        (lambda d: d.update(date="2025-13-01"), "date: '2025-13-01' is not a date"),
        (lambda d: d["visits"][0].update(duration_minutes=2**64), "visits[0].duration_minutes"),
        (lambda d: d["concierges"][0].update(max_visits=2**63), "concierges[0].max_visits"),
        (lambda d: d["visits"][2].update(load=-(2**65)), "visits[2].load"),
        (lambda d: d["travel"]["matrix"]["meters"][0].__setitem__(1, 2**64), "travel.matrix.meters[0][1]"),
    ],
)
def test_bad_fields_exit_2_naming_them(tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any, named: str) -> None:
    """Unknown keys, impossible dates and integers beyond 64 bits name their JSON path."""
    d = doc()
    edit(d)
    code, err = run_cli(["--problem", str(write(tmp_path, json.dumps(d))), "--workers", "1"], capsys)
    assert code == 2 and len(err) == 1 and named in err[0]


@pytest.mark.parametrize("limit", ["inf", "nan", "-1", "0", "1e300"])
def test_time_limit_must_be_a_real_duration(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    """--time-limit inf, nan, negative or absurd is refused naming the option."""
    code, err = run_cli(["--problem", str(FIXTURE), "--time-limit", limit, "--workers", "1"], capsys)
    assert code == 2 and len(err) == 1 and "--time-limit" in err[0]


def test_arc_cost_must_be_seconds_or_meters(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --arc-cost is refused naming the option."""
    code, err = run_cli(["--problem", str(FIXTURE), "--arc-cost", "euros"], capsys)
    assert code == 2 and len(err) == 1 and "--arc-cost" in err[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_zero_concierges_is_a_plan_with_every_visit_unplanned(tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str) -> None:
    """A day with nobody working (with one or two workers) prints a plan whose visits are all unplanned, saying so."""
    d = doc()
    d["concierges"] = []
    for v in d["visits"]:
        v.pop("pinned", None)
        v.pop("dedicated", None)
        v.pop("dedicated_required", None)
    out = tmp_path / "plan.json"
    code, err = run_cli(["--problem", str(write(tmp_path, json.dumps(d))), "--workers", workers, "--time-limit", "2", "--out", str(out)], capsys)
    plan = json.loads(out.read_text())
    assert code == 0 and err == []
    assert plan["routes"] == [] and len(plan["unplanned"]) == len(d["visits"])
    assert all(u["reason"] == "no concierge works that day" for u in plan["unplanned"])


def test_window_before_midnight_is_unreachable_not_a_crash() -> None:
    """A window entirely before midnight leaves that visit unplanned as unreachable; the rest is planned."""
    d = doc()
    d["visits"][1]["windows"] = [{"start": -10, "end": -5}]
    problem = parse_problem(d)
    for params in (SolveParams(time_limit=2, solution_limit=20), SolveParams(time_limit=2, solution_limit=20, engines=("ortools",))):
        plan = solve(problem, params)
        assert check_plan(problem, plan) == []
        u = {x.visit: x.reason for x in plan.unplanned}
        assert u[problem.visits[1].id].code is ReasonCode.WINDOW_UNREACHABLE
        assert plan.planned >= 1


def test_travel_matrix_file_replaces_the_json_matrix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--travel-matrix reads a (2, N, N) .npy file: the plan uses its seconds and metres."""
    d = doc()
    sec = np.array(d["travel"]["matrix"]["seconds"], dtype=np.int64) * 2
    met = np.array(d["travel"]["matrix"]["meters"], dtype=np.int64)
    np.save(tmp_path / "m.npy", np.stack([sec, met]))
    out = tmp_path / "plan.json"
    args = ["--problem", str(FIXTURE), "--travel-matrix", str(tmp_path / "m.npy"), "--workers", "1", "--time-limit", "2", "--out", str(out)]
    code, _ = run_cli(args, capsys)
    plan = json.loads(out.read_text())
    legs = [(s["travel_seconds"], s["travel_meters"]) for r in plan["routes"] for s in r["stops"] if s["travel_meters"]]
    assert code == 0 and legs and all(t % 2 == 0 and t == 2 * m * 6 // 10 for t, m in legs)


def test_travel_matrix_file_runs_on_the_kernels_the_install_compiled(tmp_path: Path) -> None:
    """A .npy matrix reaches the kernels as the same numba type as the warm-up's arrays (writable int64),
    so the first plan on it does not compile every kernel again (~20-40 s; a read-only memory map did)."""
    import numba

    from dispatch.jsonio.problem import load_matrix_file

    np.save(tmp_path / "m.npy", np.zeros((2, 4, 4), dtype=np.int32))
    np.save(tmp_path / "m64.npy", np.zeros((2, 4, 4), dtype=np.int64))
    plain = numba.typeof(np.zeros((4, 4), dtype=np.int64))
    for name in ("m.npy", "m64.npy"):
        matrix = load_matrix_file(tmp_path / name, "--travel-matrix")
        assert numba.typeof(matrix.seconds) == plain and numba.typeof(matrix.meters) == plain


def test_travel_matrix_file_of_the_wrong_shape_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A .npy file that is not (2, N, N) integers is refused naming the option."""
    np.save(tmp_path / "m.npy", np.zeros((3, 3), dtype=np.float64))
    code, err = run_cli(["--problem", str(FIXTURE), "--travel-matrix", str(tmp_path / "m.npy")], capsys)
    assert code == 2 and len(err) == 1 and "--travel-matrix" in err[0]
