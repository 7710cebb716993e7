"""The `[incident_plans]` tariff section: the shipped file loads; every mistake names its key."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pricing.errors import TariffError
from pricing.incident_tariff import incident_tariff, load_incident_tariff

DEFAULT = Path(__file__).resolve().parents[1] / "pricing" / "tariffs" / "default.toml"


def _raw() -> dict[str, Any]:
    with DEFAULT.open("rb") as handle:
        return tomllib.load(handle)


def test_default_tariff_has_the_incident_plans() -> None:
    """The shipped tariff carries the incident plans and its version."""
    tariff = load_incident_tariff(DEFAULT)
    assert tariff.version == _raw()["version"]
    assert tariff.scopes == ("normal", "technical", "highly_technical", "mission_critical")
    assert tariff.included_levels == 3 and tariff.chart_level == 3


def test_a_tariff_object_with_raw_is_accepted() -> None:
    """`incident_tariff` reads `.raw` and `.version` of a loaded tariff."""

    class Loaded:
        raw = _raw()
        version = "test-7"

    assert incident_tariff(Loaded()).version == "test-7"


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        node: Any = raw
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _delete(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        node: Any = raw
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


@pytest.mark.parametrize(("change", "message"), [
    (_set(("incident_plans", "monthly", "normal", 3), -30000), r"incident_plans\.monthly\.normal\[3\]: negative fee -30000"),
    (_set(("incident_plans", "monthly", "normal", 3), 30000.5), r"incident_plans\.monthly\.normal\[3\]: expected whole yen"),
    (_delete(("incident_plans", "annual", "technical")), r"incident_plans\.annual\.technical: missing key"),
    (_set(("incident_plans", "annual", "premium"), 1), r"incident_plans\.annual\.premium: unknown key"),
    (_set(("incident_plans", "colour"), "blue"), r"incident_plans\.colour: unknown key"),
    (_delete(("incident_plans",)), r"incident_plans: missing section"),
    (_set(("incident_plans", "level_fees", "annual", 5), -1), r"incident_plans\.level_fees\.annual\[5\]: negative fee"),
    (_set(("incident_plans", "level_fees", "monthly"), [0, 0, 0]), r"incident_plans\.level_fees\.monthly: needs 11 fees"),
    (_set(("incident_plans", "level_fees", "monthly", 2), 500), r"incident_plans\.level_fees\.monthly\[2\]: level 2 is included"),
    (_set(("incident_plans", "terms", "monthly", "normal", "unit_months"), 0), r"terms\.monthly\.normal\.unit_months: must be at least 1"),
    (_set(("incident_plans", "levels", "call_minutes"), [[5, 1], [4, 2]]), r"levels\.call_minutes\[1\]: thresholds and levels must rise"),
    (_set(("incident_plans", "levels", "onsite_visits", 0), [1, 11]), r"levels\.onsite_visits\[0\]\[1\]: level 11 is above 10"),
    (_set(("incident_plans", "levels", "scope_time_multiplier", "technical"), "0"), r"scope_time_multiplier\.technical: must be a positive"),
    (_delete(("incident_plans", "levels", "urgent_step")), r"incident_plans\.levels\.urgent_step: missing key"),
    (_set(("incident_plans", "over_maximum", "normal"), "abc"), r"incident_plans\.over_maximum\.normal: 'abc' is not an amount"),
])
def test_bad_tariff_names_the_key(change: Callable[[dict[str, Any]], None], message: str) -> None:
    """Missing, unknown, negative or impossible values: TariffError naming the exact key."""
    raw = copy.deepcopy(_raw())
    change(raw)
    with pytest.raises(TariffError, match=message):
        incident_tariff(raw)


def test_bad_file_is_one_sentence(tmp_path: Path) -> None:
    """A missing or broken tariff file is a TariffError naming the file."""
    with pytest.raises(TariffError, match="cannot read"):
        load_incident_tariff(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[incident_plans\n", encoding="utf-8")
    with pytest.raises(TariffError, match="broken.toml is not valid TOML"):
        load_incident_tariff(broken)


def test_read_from_the_loaded_default_tariff() -> None:
    """The tariff loader of the seat plans and this section agree: one file, one version."""
    from pricing.tariff import load_tariff

    tariff = load_tariff()
    plans = incident_tariff(tariff)
    assert plans.version == tariff.version
    assert plans.annual_fee["mission_critical"] == 240000
