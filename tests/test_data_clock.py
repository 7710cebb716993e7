"""The business runs on Japan's clock, whatever time zone the machine is set to."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest

import data.clock
from data.clock import business_now, business_today, localize
from tui.commands.common import parse_day

MACHINE_ZONES = ("UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Asia/Tokyo")


@pytest.fixture(params=MACHINE_ZONES)
def machine_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The machine's own zone (TZ) set to each of several values for the test."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def _stand_at(monkeypatch: pytest.MonkeyPatch, utc: str) -> None:
    instant = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    monkeypatch.setattr(data.clock, "_wall_clock", lambda: instant)


@pytest.mark.parametrize(("utc", "tokyo"), [
    ("2026-11-30T15:20:00", "2026-12-01T00:20:00"),  # a UTC server still says 30 Nov
    ("2026-11-30T11:00:00", "2026-11-30T20:00:00"),  # Kiritimati already says 1 Dec
])
def test_today_and_now_are_japans_whatever_the_machine_zone(
    machine_zone: str, monkeypatch: pytest.MonkeyPatch, utc: str, tokyo: str
) -> None:
    """`--date today`, "now" and "today" follow Tokyo, not the machine's TZ."""
    monkeypatch.delenv("CONCIERGE_TIMEZONE", raising=False)
    _stand_at(monkeypatch, utc)
    expected = dt.datetime.fromisoformat(tokyo)
    assert business_now() == expected
    assert business_today() == expected.date()
    assert parse_day("today") == expected.date()
    assert parse_day("tomorrow") == expected.date() + dt.timedelta(days=1)


def test_another_business_zone_can_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """CONCIERGE_TIMEZONE moves the business's clock; a bad zone is named."""
    _stand_at(monkeypatch, "2026-11-30T15:20:00")
    monkeypatch.setenv("CONCIERGE_TIMEZONE", "Europe/London")
    assert business_now() == dt.datetime(2026, 11, 30, 15, 20)
    monkeypatch.setenv("CONCIERGE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(Exception, match="CONCIERGE_TIMEZONE"):
        business_now()


def test_stored_times_are_labelled_with_the_business_zone(machine_zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored 09:30 is 09:30 in Tokyo (00:30 UTC), on any machine."""
    monkeypatch.delenv("CONCIERGE_TIMEZONE", raising=False)
    aware = localize(dt.datetime(2026, 12, 1, 9, 30))
    assert aware.astimezone(dt.UTC) == dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC)
