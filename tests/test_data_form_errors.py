"""A form is checked whole: every bad field is named at once (data.fields.collecting), not the first only;
outside a form (CSV rows, the command line) the first problem still stops the check."""

from __future__ import annotations

import pytest

from data.errors import ValidationError, ValidationErrors
from data.fields import collecting, integer
from data.records import check_client, check_concierge, check_seat


def test_every_bad_field_of_a_client_is_named_at_once() -> None:
    """No name, a bad e-mail and a control character in the phone: three problems, each named."""
    values = {"name": "", "email": "not-an-address", "phone": "03\x1b1234"}
    with pytest.raises(ValidationErrors) as caught, collecting():
        check_client(values)
    assert sorted(e.field or "" for e in caught.value.errors) == ["email", "name", "phone"]
    assert "name: required" in str(caught.value) and "email:" in str(caught.value)


def test_one_bad_field_is_a_plain_validation_error() -> None:
    """One problem reads exactly as before (the CSV and CLI messages do not change)."""
    with pytest.raises(ValidationError) as caught, collecting():
        check_client({"name": "株式会社テスト", "email": "nope"})
    assert not isinstance(caught.value, ValidationErrors)
    assert caught.value.field == "email"


def test_a_cross_field_check_after_a_bad_field_gives_way() -> None:
    """A seat with a bad count and a bad year: both named; the stand-ins never raise a third, wrong error."""
    with pytest.raises(ValidationErrors) as caught, collecting():
        check_seat({"office": "O1", "label": "PC", "kind": "pc", "count": "many", "purchase_year": "19x"})
    assert {e.field for e in caught.value.errors} == {"count", "purchase_year"}


def test_concierge_hours_and_visits_named_together() -> None:
    values = {"name": "", "home_address": "東京都渋谷区", "shift_start": "9h", "max_visits": "0", "home_lat": "35.6", "home_lon": "139.7"}
    with pytest.raises(ValidationErrors) as caught, collecting():
        check_concierge(values, None)
    assert {"name", "shift_start", "max_visits"} <= {e.field for e in caught.value.errors}


def test_without_a_form_the_first_problem_stops_the_check() -> None:
    with pytest.raises(ValidationError, match="name: required"):
        check_client({"name": "", "email": "nope"})
    with pytest.raises(ValidationError, match="not a whole number"):
        integer({"n": "x"}, "n")
