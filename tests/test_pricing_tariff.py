"""Tariff files: the shipped default, custom files, and errors that name the bad key."""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from pricing.errors import TariffError
from pricing.quote import OfficeInput, QuoteOptions, quote
from pricing.tariff import load_tariff, tariff_from_mapping


def default_data() -> dict[str, Any]:
    text = resources.files("pricing").joinpath("tariffs", "default.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_default_tariff_has_the_seed_prices() -> None:
    """The shipped tariff: ¥28,000 a unit, 10 PCs per unit, ¥12,000 spot fee, 10% tax, half rounding."""
    tariff = load_tariff()
    assert tariff.version
    assert tariff.seat_plan.unit_price == 28000 and tariff.seat_plan.pcs_per_unit == 10
    assert tariff.spot_fee_net == 12000 and tariff.tax_rate_pct == 10
    assert tariff.seat_plan.rounding == "half" and tariff.seat_plan.cluster_km == 5
    assert tariff.contract.minimum_months == 3 and tariff.contract.notice_months == 1
    assert tariff.raw["version"] == tariff.version


def test_incident_plans_section_is_left_to_its_module() -> None:
    """A top-level [incident_plans] table is accepted unread and kept in Tariff.raw."""
    data = default_data()
    data["incident_plans"] = {"anything": {"goes": 1}}
    tariff = tariff_from_mapping(data, "custom.toml")
    assert tariff.raw["incident_plans"] == {"anything": {"goes": 1}}


def test_custom_tariff_file_changes_the_price(tmp_path: Path) -> None:
    """A tariff file with a higher unit price gives a higher quote and its own version."""
    text = resources.files("pricing").joinpath("tariffs", "default.toml").read_text(encoding="utf-8")
    path = tmp_path / "tariff.toml"
    path.write_text(text.replace("unit_price = 28000", "unit_price = 30000").replace('version = "', 'version = "custom-'), encoding="utf-8")
    tariff = load_tariff(path)
    result = quote([OfficeInput("HQ", 35.68, 139.76, 10, 1)], QuoteOptions(), tariff)
    assert result.gross_total == 33000 and result.tariff_version.startswith("custom-")


def _edit(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(default_data())
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("seat_plan", "unit_price"), -1, "seat_plan.unit_price"),
        (("seat_plan", "unit_price"), KeyError, "seat_plan.unit_price"),
        (("seat_plan", "unit_price"), "lots", "seat_plan.unit_price"),
        (("seat_plan", "rounding"), "quarter", "seat_plan.rounding"),
        (("seat_plan", "pcs_per_unit"), 0, "seat_plan.pcs_per_unit"),
        (("seat_plan", "colour"), "blue", "seat_plan.colour"),
        (("seat_plan", "volume_tiers", 1, "discount_pct"), "120", r"seat_plan.volume_tiers\[1\].discount_pct"),
        (("seat_plan", "volume_tiers", 1, "up_to_units"), "2", r"seat_plan.volume_tiers\[1\].up_to_units"),
        (("two_tier", "spot_fee"), -12000, "two_tier.spot_fee"),
        (("two_tier", "visit_estimate", "minimum"), KeyError, "two_tier.visit_estimate.minimum"),
        (("conditions", "pct", "remote_only"), "-150", "conditions.pct.remote_only"),
        (("conditions", "pct", "night"), "30", "conditions.pct.night"),
        (("tax", "rate_pct"), "-10", "tax.rate_pct"),
        (("contract",), KeyError, "contract"),
        (("version",), KeyError, "version"),
        (("surprise",), {}, "surprise"),
    ],
)
def test_bad_tariff_names_the_key(path: tuple[str | int, ...], value: Any, key: str) -> None:
    """Missing or unknown keys, negative prices and discounts over 100% raise TariffError naming the key."""
    with pytest.raises(TariffError, match=f"custom.toml: {key}:"):
        tariff_from_mapping(_edit(path, value), "custom.toml")


def test_unreadable_or_invalid_file(tmp_path: Path) -> None:
    """A missing file or broken TOML is a TariffError naming the file."""
    with pytest.raises(TariffError, match="nope.toml"):
        load_tariff(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("version = \n", encoding="utf-8")
    with pytest.raises(TariffError, match="broken.toml: not valid TOML"):
        load_tariff(broken)


def test_tier_discount_changes_volume_price() -> None:
    """The volume tiers are data: a smaller discount makes 100 PCs dearer."""
    data = _edit(("seat_plan", "volume_tiers", 2, "discount_pct"), "50")
    tariff = tariff_from_mapping(data, "custom.toml")
    result = quote([OfficeInput("HQ", 35.68, 139.76, 100, 1)], QuoteOptions(), tariff)
    assert result.net_total == 84000 + 8400 + 5 * 14000
    assert tariff.seat_plan.volume_tiers[2].discount_pct == Decimal(50)
