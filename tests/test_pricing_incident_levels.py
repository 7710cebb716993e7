"""The level table (サポートレベルの参考): every threshold at the threshold and one above, with the reason."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.errors import PricingError
from pricing.incident_tariff import IncidentTariff, load_incident_tariff
from pricing.incidents import IncidentFacts, incident_level

DEFAULT = Path(__file__).resolve().parents[1] / "pricing" / "tariffs" / "default.toml"


@pytest.fixture(scope="module")
def tariff() -> IncidentTariff:
    return load_incident_tariff(DEFAULT)


FEATHER = "within feather limits (mail/DM ≤ 2 round trips, replies ≤ 5, calls ≤ 5 min, chat ≤ 10 min) → feather"

TABLE: list[tuple[IncidentFacts, str, str]] = [
    # nothing, and every feather limit exactly
    (IncidentFacts(), "feather", FEATHER),
    (IncidentFacts(mail_round_trips=2, reply_round_trips=5, call_minutes=(5,), chat_minutes=10), "feather", FEATHER),
    # mail / DM round trips: > 2 → 1, > 5 → 2, > 10 → 3, > 15 → 4, > 20 → 5
    (IncidentFacts(mail_round_trips=3), "1", "mail/DM 3 round trips > 2 → level 1"),
    (IncidentFacts(mail_round_trips=5), "1", "mail/DM 5 round trips > 2 → level 1"),
    (IncidentFacts(mail_round_trips=6), "2", "mail/DM 6 round trips > 5 → level 2"),
    (IncidentFacts(mail_round_trips=10), "2", "mail/DM 10 round trips > 5 → level 2"),
    (IncidentFacts(mail_round_trips=11), "3", "mail/DM 11 round trips > 10 → level 3"),
    (IncidentFacts(mail_round_trips=15), "3", "mail/DM 15 round trips > 10 → level 3"),
    (IncidentFacts(mail_round_trips=16), "4", "mail/DM 16 round trips > 15 → level 4"),
    (IncidentFacts(mail_round_trips=20), "4", "mail/DM 20 round trips > 15 → level 4"),
    (IncidentFacts(mail_round_trips=21), "5", "mail/DM 21 round trips > 20 → level 5"),
    # level 6: > 25 round trips and open at least one week
    (IncidentFacts(mail_round_trips=25, open_days=7), "5", "mail/DM 25 round trips > 20 → level 5"),
    (IncidentFacts(mail_round_trips=26, open_days=7), "6", "mail/DM 26 round trips > 25 and open 7 days ≥ 7 → level 6"),
    (IncidentFacts(mail_round_trips=26, open_days=6), "5", "mail/DM 26 round trips > 20 → level 5"),
    # public replies: > 5 → 1
    (IncidentFacts(reply_round_trips=6), "1", "public replies 6 round trips > 5 → level 1"),
    (IncidentFacts(reply_round_trips=60), "1", "public replies 60 round trips > 5 → level 1"),
    # phone / voice call minutes: > 5 → 1, > 15 → 2, > 30 → 3, > 45 → 4, > 60 → 5, > 180 → 6, > 300 → 7
    (IncidentFacts(call_minutes=(6,)), "1", "call 6 min > 5 → level 1"),
    (IncidentFacts(call_minutes=(15,)), "1", "call 15 min > 5 → level 1"),
    (IncidentFacts(call_minutes=(16,)), "2", "call 16 min > 15 → level 2"),
    (IncidentFacts(call_minutes=(30,)), "2", "call 30 min > 15 → level 2"),
    (IncidentFacts(call_minutes=(31,)), "3", "call 31 min > 30 → level 3"),
    (IncidentFacts(call_minutes=(45,)), "3", "call 45 min > 30 → level 3"),
    (IncidentFacts(call_minutes=(46,)), "4", "call 46 min > 45 → level 4"),
    (IncidentFacts(call_minutes=(60,)), "4", "call 60 min > 45 → level 4"),
    (IncidentFacts(call_minutes=(61,)), "5", "call 61 min > 60 → level 5"),
    (IncidentFacts(call_minutes=(180,)), "5", "call 180 min > 60 → level 5"),
    (IncidentFacts(call_minutes=(181,)), "6", "call 181 min > 180 → level 6"),
    (IncidentFacts(call_minutes=(300,)), "6", "call 300 min > 180 → level 6"),
    (IncidentFacts(call_minutes=(301,)), "7", "call 301 min > 300 → level 7"),
    (IncidentFacts(call_minutes=(360,)), "7", "call 360 min > 300 → level 7"),
    (IncidentFacts(call_minutes=(361,)), "8", "one session of 361 min (over the 360-min continuous maximum) > 360 → level 8"),
    # several short calls add up
    (IncidentFacts(call_minutes=(10, 10)), "2", "calls 10 + 10 = 20 min > 15 → level 2"),
    # chat minutes: > 10 → 1, > 20 → 2, > 30 → 3, > 60 → 4, > 180 → 6, one session > 5 h → 7
    (IncidentFacts(chat_minutes=11), "1", "chat 11 min > 10 → level 1"),
    (IncidentFacts(chat_minutes=20), "1", "chat 20 min > 10 → level 1"),
    (IncidentFacts(chat_minutes=21), "2", "chat 21 min > 20 → level 2"),
    (IncidentFacts(chat_minutes=30), "2", "chat 30 min > 20 → level 2"),
    (IncidentFacts(chat_minutes=31), "3", "chat 31 min > 30 → level 3"),
    (IncidentFacts(chat_minutes=35), "3", "chat 35 min > 30 → level 3"),
    (IncidentFacts(chat_minutes=60), "3", "chat 60 min > 30 → level 3"),
    (IncidentFacts(chat_minutes=61), "4", "chat 61 min > 60 → level 4"),
    (IncidentFacts(chat_minutes=180), "4", "chat 180 min > 60 → level 4"),
    (IncidentFacts(chat_minutes=181), "6", "chat 181 min > 180 → level 6"),
    (IncidentFacts(chat_minutes=300), "6", "chat 300 min > 180 → level 6"),
    (IncidentFacts(chat_minutes=301), "7", "chat 301 min > 300 → level 7"),
    (IncidentFacts(chat_minutes=361), "8", "one session of 361 min (over the 360-min continuous maximum) > 360 → level 8"),
    # two or more sessions: total > 3 h → 7, > 6 h → 8, > 10 h → 9, > 14 h → 10
    (IncidentFacts(call_minutes=(90, 90)), "5", "calls 90 + 90 = 180 min > 60 → level 5"),
    (IncidentFacts(call_minutes=(90, 91)), "7", "calls and chat in 2 sessions, 181 min in total > 180 → level 7"),
    (IncidentFacts(call_minutes=(100,), chat_minutes=81), "7", "calls and chat in 2 sessions, 181 min in total > 180 → level 7"),
    (IncidentFacts(call_minutes=(180, 180)), "7", "calls and chat in 2 sessions, 360 min in total > 180 → level 7"),
    (IncidentFacts(call_minutes=(180, 181)), "8", "calls and chat in 2 sessions, 361 min in total > 360 → level 8"),
    (IncidentFacts(call_minutes=(300, 300)), "8", "calls and chat in 2 sessions, 600 min in total > 360 → level 8"),
    (IncidentFacts(call_minutes=(300, 301)), "9", "calls and chat in 2 sessions, 601 min in total > 600 → level 9"),
    (IncidentFacts(call_minutes=(280, 280, 280)), "9", "calls and chat in 3 sessions, 840 min in total > 600 → level 9"),
    (IncidentFacts(call_minutes=(280, 280, 281)), "10", "calls and chat in 3 sessions, 841 min in total > 840 → level 10"),
    # on-site visits: 1 → 7, 2 → 8, 4 → 9, 7 → 10
    (IncidentFacts(onsite_visits=1), "7", "1 on-site visit ≥ 1 → level 7"),
    (IncidentFacts(onsite_visits=2), "8", "2 on-site visits ≥ 2 → level 8"),
    (IncidentFacts(onsite_visits=3), "8", "3 on-site visits ≥ 2 → level 8"),
    (IncidentFacts(onsite_visits=4), "9", "4 on-site visits ≥ 4 → level 9"),
    (IncidentFacts(onsite_visits=6), "9", "6 on-site visits ≥ 4 → level 9"),
    (IncidentFacts(onsite_visits=7), "10", "7 on-site visits ≥ 7 → level 10"),
    (IncidentFacts(onsite_visits=12), "10", "12 on-site visits ≥ 7 → level 10"),
    # investigation and consulting
    (IncidentFacts(investigation=True), "5", "troubleshooting needs investigation → level 5"),
    (IncidentFacts(consulting="specific"), "5", "specific consulting → level 5"),
    (IncidentFacts(consulting="general"), "7", "general consulting → level 7"),
    # the highest criterion wins
    (IncidentFacts(investigation=True, call_minutes=(20,), mail_round_trips=4), "5", "troubleshooting needs investigation → level 5"),
    (IncidentFacts(onsite_visits=1, mail_round_trips=30, open_days=10), "7", "1 on-site visit ≥ 1 → level 7"),
    (IncidentFacts(call_minutes=(4,), chat_minutes=61), "4", "chat 61 min > 60 → level 4"),
    (IncidentFacts(consulting="specific", chat_minutes=181), "6", "chat 181 min > 180 → level 6"),
]


@pytest.mark.parametrize(("facts", "level", "reason"), TABLE)
def test_level_table_normal_scope(tariff: IncidentTariff, facts: IncidentFacts, level: str, reason: str) -> None:
    """Each threshold of the seed's level table gives the level shown, with a sentence saying why."""
    result = incident_level(facts, scope="normal", tariff=tariff)
    assert (result.level, result.reason) == (level, reason)


@pytest.mark.parametrize(("facts", "level", "reason"), [
    (IncidentFacts(urgent=True), "1", f"{FEATHER}; urgent +1 → level 1"),
    (IncidentFacts(call_minutes=(50,), urgent=True), "5", "call 50 min > 45 → level 4; urgent +1 → level 5"),
    (IncidentFacts(onsite_visits=7, urgent=True), "10", "7 on-site visits ≥ 7 → level 10; urgent +1 → level 10"),
])
def test_urgent_request_raises_the_level_by_one_step(tariff: IncidentTariff, facts: IncidentFacts, level: str, reason: str) -> None:
    """An urgent request (留守番電話) goes one level up, never above 10."""
    result = incident_level(facts, scope="normal", tariff=tariff)
    assert (result.level, result.reason) == (level, reason)


@pytest.mark.parametrize(("scope", "facts", "level", "reason"), [
    ("technical", IncidentFacts(call_minutes=(22,)), "1", "call 22 min > 7.5 → level 1 (technical scope: minutes thresholds × 1.5)"),
    ("technical", IncidentFacts(call_minutes=(23,)), "2", "call 23 min > 22.5 → level 2 (technical scope: minutes thresholds × 1.5)"),
    ("technical", IncidentFacts(call_minutes=(7,)), "feather",
     "within feather limits (mail/DM ≤ 2 round trips, replies ≤ 5, calls ≤ 7.5 min, chat ≤ 15 min) → feather "
     "(technical scope: minutes thresholds × 1.5)"),
    ("highly_technical", IncidentFacts(chat_minutes=120), "3", "chat 120 min > 60 → level 3 (highly_technical scope: minutes thresholds × 2)"),
    ("highly_technical", IncidentFacts(chat_minutes=121), "4", "chat 121 min > 120 → level 4 (highly_technical scope: minutes thresholds × 2)"),
    ("mission_critical", IncidentFacts(call_minutes=(300, 240)), "5",
     "calls 300 + 240 = 540 min > 180 → level 5 (mission_critical scope: minutes thresholds × 3)"),
    ("mission_critical", IncidentFacts(call_minutes=(300, 241)), "7",
     "calls and chat in 2 sessions, 541 min in total > 540 → level 7 (mission_critical scope: minutes thresholds × 3)"),
    # round trips and visits are not scaled
    ("mission_critical", IncidentFacts(mail_round_trips=6), "2", "mail/DM 6 round trips > 5 → level 2"),
    ("mission_critical", IncidentFacts(onsite_visits=2), "8", "2 on-site visits ≥ 2 → level 8"),
])
def test_higher_scopes_allow_more_time_per_level(
    tariff: IncidentTariff, scope: str, facts: IncidentFacts, level: str, reason: str
) -> None:
    """Minutes thresholds grow with the scope's multiplier; mail round trips and visits do not."""
    result = incident_level(facts, scope=scope, tariff=tariff)
    assert (result.level, result.reason) == (level, reason)


@pytest.mark.parametrize(("fields", "field"), [
    ({"mail_round_trips": -1}, "mail_round_trips"),
    ({"reply_round_trips": -3}, "reply_round_trips"),
    ({"call_minutes": (10, -5)}, "call_minutes"),
    ({"chat_minutes": -1}, "chat_minutes"),
    ({"onsite_visits": -1}, "onsite_visits"),
    ({"open_days": -2}, "open_days"),
    ({"chat_minutes": 1.5}, "chat_minutes"),
    ({"consulting": "legal"}, "consulting"),
    ({"investigation": "yes"}, "investigation"),
])
def test_bad_contact_records_name_the_field(fields: dict[str, object], field: str) -> None:
    """Negative minutes, fractions or an unknown consulting kind are refused, naming the field."""
    with pytest.raises(PricingError, match=f"^{field}: "):
        IncidentFacts(**fields)  # type: ignore[arg-type]


def test_unknown_scope_is_refused(tariff: IncidentTariff) -> None:
    """A scope the tariff does not know is an error naming the scope, not a guess."""
    with pytest.raises(PricingError, match="scope: 'premium' is not one of normal, technical, highly_technical, mission_critical"):
        incident_level(IncidentFacts(), scope="premium", tariff=tariff)


counts = st.integers(min_value=0, max_value=60)
minutes = st.integers(min_value=0, max_value=900)
facts_strategy = st.builds(
    IncidentFacts,
    mail_round_trips=counts, reply_round_trips=counts, call_minutes=st.lists(minutes, max_size=4).map(tuple),
    chat_minutes=minutes, onsite_visits=st.integers(min_value=0, max_value=8), investigation=st.booleans(),
    urgent=st.booleans(), consulting=st.sampled_from([None, "specific", "general"]), open_days=st.integers(min_value=0, max_value=30),
)
FIELDS = ("mail_round_trips", "reply_round_trips", "chat_minutes", "onsite_visits", "open_days", "call", "investigation", "urgent")


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy, field=st.sampled_from(FIELDS), more=st.integers(min_value=1, max_value=300),
       scope=st.sampled_from(["normal", "technical", "highly_technical", "mission_critical"]))
def test_more_contact_never_lowers_the_level(facts: IncidentFacts, field: str, more: int, scope: str) -> None:
    """Another round trip, minute, call, visit or day open never makes an incident cheaper; the reason names a level."""
    tariff = load_incident_tariff(DEFAULT)
    if field == "call":
        bigger = replace(facts, call_minutes=(*facts.call_minutes, more))
    elif field in ("investigation", "urgent"):
        changes: dict[str, Any] = {field: True}
        bigger = replace(facts, **changes)
    else:
        changes = {field: getattr(facts, field) + more}
        bigger = replace(facts, **changes)
    before = incident_level(facts, scope=scope, tariff=tariff)
    after = incident_level(bigger, scope=scope, tariff=tariff)
    assert after.rank >= before.rank
    assert re.findall(r"→ (feather|level \d+)", before.reason)[-1] == ("feather" if before.rank == 0 else f"level {before.level}")
