"""`concierge incident level`: the desk types the contact records and reads the level, reason and fee."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["incident", "level", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("args", "expected"), [
    ((), {"level": "feather", "reason": "within feather limits (mail/DM ≤ 2 round trips, replies ≤ 5, calls ≤ 5 min, chat ≤ 10 min) → feather",
          "fee": 0}),
    (("--chat-minutes", "35"), {"level": 3, "reason": "chat 35 min > 30 → level 3", "fee": 4000}),
    (("--chat-minutes", "35", "--plan", "monthly"), {"level": 3, "reason": "chat 35 min > 30 → level 3", "fee": 0}),
    (("--call-minutes", "30", "--call-minutes", "20", "--plan", "monthly"),
     {"level": 4, "reason": "calls 30 + 20 = 50 min > 45 → level 4", "fee": 2000}),
    (("--call-minutes", "100", "--call-minutes", "100"),
     {"level": 7, "reason": "calls and chat in 2 sessions, 200 min in total > 180 → level 7", "fee": 40000}),
    (("--investigation", "--mail-round-trips", "4"), {"level": 5, "reason": "troubleshooting needs investigation → level 5", "fee": 10000}),
    (("--consulting", "general"), {"level": 7, "reason": "general consulting → level 7", "fee": 40000}),
    (("--mail-round-trips", "26", "--open-days", "8"),
     {"level": 6, "reason": "mail/DM 26 round trips > 25 and open 8 days ≥ 7 → level 6", "fee": 20000}),
    (("--reply-round-trips", "6", "--plan", "monthly"), {"level": 1, "reason": "public replies 6 round trips > 5 → level 1", "fee": 0}),
    (("--visits", "2", "--scope", "mission_critical"), {"level": 8, "reason": "2 on-site visits ≥ 2 → level 8", "fee": 80000}),
    (("--visits", "1", "--urgent", "--plan", "monthly", "--beyond-maximum"),
     {"level": 8, "reason": "1 on-site visit ≥ 1 → level 7; urgent +1 → level 8", "fee": 47500}),
    (("--call-minutes", "23", "--scope", "technical"),
     {"level": 2, "reason": "call 23 min > 22.5 → level 2 (technical scope: minutes thresholds × 1.5)", "fee": 2000}),
])
def test_level_as_json(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: dict[str, object]) -> None:
    """--json prints the level (feather or 1-10), the reason and the fee in yen."""
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    assert json.loads(out) == expected


def test_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: one line with the level, the reason and the fee."""
    code, out, _ = run(capsys, "--chat-minutes", "35")
    assert code == 0
    assert out == "level 3: chat 35 min > 30 → level 3; fee ¥4,000 (annual plan, normal)\n"


@pytest.mark.parametrize(("args", "flag"), [
    (("--call-minutes", "-5"), "--call-minutes"),
    (("--chat-minutes", "abc"), "--chat-minutes"),
    (("--mail-round-trips", "-1"), "--mail-round-trips"),
    (("--visits", "-2"), "--visits"),
    (("--open-days", "-1"), "--open-days"),
    (("--scope", "gold"), "--scope"),
    (("--consulting", "legal"), "--consulting"),
    (("--plan", "weekly"), "--plan"),
    (("--beyond-maximum",), "--beyond-maximum"),
])
def test_bad_values_exit_2_naming_the_flag(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], flag: str) -> None:
    """A bad value is one line on stderr naming the flag, exit code 2, no traceback."""
    code, out, err = run(capsys, *args, "--json")
    assert code == 2 and out == ""
    assert err.startswith("concierge: ") and flag in err and len(err.strip().splitlines()) == 1


def test_missing_tariff_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A --tariff file that does not exist is one sentence naming it."""
    code, _, err = run(capsys, "--tariff", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err and "cannot read" in err
