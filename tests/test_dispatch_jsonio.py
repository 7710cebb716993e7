"""The concierge-dispatch/1 and concierge-plan/1 JSON formats, and `concierge plan` on the command line."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from dispatch.check import check_plan
from dispatch.errors import DispatchError
from dispatch.jsonio import dump_plan, dump_problem, load_problem, parse_plan, parse_problem
from dispatch.solve import SolveParams, solve
from tui.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "dispatch" / "small_day.json"


def doc() -> dict[str, Any]:
    """A fresh copy of the small day problem document."""
    return copy.deepcopy(json.loads(FIXTURE.read_text()))


def test_problem_round_trip() -> None:
    """A problem written back to JSON and read again is the same problem."""
    problem = load_problem(FIXTURE)
    assert parse_problem(dump_problem(problem)) == problem
    assert dump_problem(problem)["visits"][0]["windows"] == [{"start": "09:00", "end": "12:00"}]


def test_plan_round_trip_and_checker() -> None:
    """A solved plan survives JSON round-trip unchanged and passes the checker."""
    problem = load_problem(FIXTURE)
    plan = solve(problem, SolveParams(time_limit=30, solution_limit=100))
    assert check_plan(problem, plan) == []
    again = parse_plan(dump_plan(plan, problem))
    assert dataclasses.replace(again, solve_seconds=plan.solve_seconds) == plan


def test_integer_minutes_are_written_back_as_minutes() -> None:
    """A problem given in integer minutes gets a plan in integer minutes."""
    d = doc()
    for c in d["concierges"]:
        c.pop("break", None)
        c["shift"] = {"start": 540, "end": 1080}
    for v in d["visits"]:
        v.pop("windows", None)
        v.pop("deadline", None)
        v.pop("pinned", None)
    problem = parse_problem(d)
    out = dump_plan(solve(problem, SolveParams(time_limit=30, solution_limit=50)), problem)
    assert all(isinstance(s["start"], int | float) for r in out["routes"] for s in r["stops"])


def _set(d: dict[str, Any], path: list[Any], value: Any) -> None:
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (["visits", 4, "pinned", "concierge"], "zoe", r"visits\[4\]\.pinned\.concierge"),
        (["visits", 0, "windows", 0, "end"], "08:00", r"visits\[0\]\.windows\[0\]"),
        (["visits", 1, "duration_minutes"], -5, r"visits\[1\]\.duration_minutes"),
        (["travel", "matrix", "seconds", 2], [0, 1], r"travel\.matrix\.seconds\[2\]"),
        (["visits", 1, "skills"], [3], r"visits\[1\]\.skills\[0\]"),
        (["concierges", 0, "skills"], [""], r"concierges\[0\]\.skills\[0\]"),
        (["visits", 1, "duraton_minutes"], 30, r"visits\[1\]\.duraton_minutes: unknown key \(did you mean duration_minutes\?\)"),
        (["concierges", 0, "shift", "finish"], "18:00", r"concierges\[0\]\.shift\.finish: unknown key"),
        (["date"], "2025-02-30", r"date: '2025-02-30' is not a date"),
        (["visits", 1, "duration_minutes"], 2**70, r"visits\[1\]\.duration_minutes: must be between 0 and"),
        (["visits", 1, "priority"], 10**30, r"visits\[1\]\.priority"),
        (["visits", 0, "windows", 0, "start"], -(10**20), r"visits\[0\]\.windows\[0\]\.start"),
        (["travel", "matrix", "seconds", 1, 2], 2**64, r"travel\.matrix\.seconds\[1\]\[2\]"),
        (["visits", 2, "urgency"], "asap", r"visits\[2\]\.urgency"),
        (["visits", 3, "location"], {"index": 99}, r"visits\[3\]\.location\.index"),
        (["concierges", 1, "shift", "start"], "9am", r"concierges\[1\]\.shift\.start"),
        (["visits", 0, "id"], "v2", r"visits\[1\]\.id|visits\[0\]\.id"),
        (["schema"], "concierge-dispatch/2", "schema"),
    ],
)
def test_invalid_problem_names_the_path(path: list[Any], value: Any, named: str) -> None:
    """Each kind of bad input is rejected with a message naming its place in the JSON."""
    d = doc()
    _set(d, path, value)
    with pytest.raises(DispatchError, match=named):
        parse_problem(d)


def test_matrix_of_wrong_size_is_rejected() -> None:
    """A matrix smaller than the indices used is reported at the first index outside it."""
    d = doc()
    d["travel"]["matrix"] = {"seconds": [[0, 1], [1, 0]], "meters": [[0, 1], [1, 0]]}
    with pytest.raises(DispatchError, match=r"outside the 2-row matrix"):
        parse_problem(d)


def test_cli_plan_writes_plan_and_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`concierge plan --problem ... --out ... --json` writes the plan file and prints the same JSON."""
    out = tmp_path / "plan.json"
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", "--problem", str(FIXTURE), "--time-limit", "1", "--out", str(out), "--json", "--workers", "1"])
        raise SystemExit(0)
    assert exit_info.value.code in (0, None)
    printed = json.loads(capsys.readouterr().out)
    assert printed["schema"] == "concierge-plan/1" and json.loads(out.read_text())["routes"] == printed["routes"]
    plan = parse_plan(printed)
    assert check_plan(load_problem(FIXTURE), plan) == []


def test_cli_bad_problem_exits_2_naming_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad problem file gives exit code 2 and one stderr line naming the JSON path, no traceback."""
    d = doc()
    d["visits"][0]["windows"][0]["end"] = "08:00"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", "--problem", str(bad), "--workers", "1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "visits[0].windows[0]" in err[0]
