"""`concierge offer`'s heading says what the slots are offered on, in words."""

from __future__ import annotations

import datetime as dt

import pytest

from data.planning.offers import OfferList
from tui.offer_text import report_lines


@pytest.mark.parametrize(("base", "heading_end"), [
    ("committed plan", "on Wed 02 Dec 2026, on the committed plan:"),
    ("proposal", "on Wed 02 Dec 2026, on the proposal:"),
    ("nothing planned yet", "on Wed 02 Dec 2026, nothing planned yet:"),
])
def test_the_heading_names_the_plan_the_slots_are_offered_on(base: str, heading_end: str) -> None:
    offers = OfferList(day=dt.date(2026, 12, 2), visit="R2", label="若葉設計事務所 本社", urgency="normal", minutes=60,
                       deadline=None, dedicated=None, base=base, offers=(), reason="nothing fits", reason_code="full",
                       seconds=0.1)
    lines = report_lines(offers)
    assert lines[0] == f"R2 若葉設計事務所 本社 (normal, 60 min) {heading_end}"
    assert lines[1] == "  no slot: nothing fits"
