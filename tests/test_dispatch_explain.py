"""Reasons for unplanned visits name the true cause and the concierges involved, one test per cause."""

from __future__ import annotations

from dispatch_street import street, visit

from dispatch.check import check_plan
from dispatch.explain import reason_text
from dispatch.jsonio import dump_plan
from dispatch.plan import Plan, ReasonCode, Unplanned
from dispatch.problem import DispatchProblem
from dispatch.solve import SolveParams, solve

FAST = SolveParams(time_limit=2, solution_limit=50)


def unplanned(problem: DispatchProblem, vid: str) -> tuple[Unplanned, str, Plan]:
    plan = solve(problem, FAST)
    assert check_plan(problem, plan) == []
    u = next(x for x in plan.unplanned if x.visit == vid)
    return u, reason_text(u.reason, problem), plan


def test_skill_nobody_working_has_names_the_skill_and_who_is_off() -> None:
    """A printer visit when the only printer expert is off: the skill and the absent concierge are named."""
    problem = street(
        [{"id": "K01", "skills": ["network"]}, {"id": "K05", "skills": ["printer"], "off": True}],
        [{"id": "v", "location": {"index": 2}, "skills": ["printer"]}],
    )
    u, text, plan = unplanned(problem, "v")
    assert u.reason.code is ReasonCode.NO_SKILL and u.reason.detail["skills"] == ["printer"] and u.reason.detail["off"] == ["K05"]
    assert text == "needs printer: no concierge working that day has it (K05 has it but is off)"
    assert [r.concierge for r in plan.routes] == ["K01"]


def test_skills_held_only_apart_say_together() -> None:
    """Two skills each held by someone, but by no one together: the reason says so."""
    problem = street(
        [{"id": "a", "skills": ["mac"]}, {"id": "b", "skills": ["linux"]}],
        [{"id": "v", "location": {"index": 1}, "skills": ["mac", "linux"]}],
    )
    u, text, _ = unplanned(problem, "v")
    assert u.reason.code is ReasonCode.NO_SKILL and text.startswith("needs linux and mac together")


def test_free_string_skills_are_matched() -> None:
    """Skills are free strings: a visit needing "sap-erp" goes to the concierge who has it."""
    problem = street([{"id": "a"}, {"id": "b", "skills": ["sap-erp"]}], [{"id": "v", "location": {"index": 1}, "skills": ["sap-erp"]}])
    plan = solve(problem, FAST)
    assert check_plan(problem, plan) == [] and plan.assignment()["v"][0] == "b"


def test_required_dedicated_concierge_off_is_named_as_off() -> None:
    """The contract requires K05, who is off: the reason names K05 and the day off, not a window."""
    problem = street([{"id": "K01"}, {"id": "K05", "off": True}], [visit("v", 1, dedicated="K05", dedicated_required=True)])
    u, text, _ = unplanned(problem, "v")
    assert u.reason.code is ReasonCode.NO_CONCIERGE and u.reason.detail["problem"] == "off"
    assert text == "its contract requires K05, but K05 is off that day"


def test_required_dedicated_concierge_lacking_the_skill_names_the_skill() -> None:
    """K05 works but lacks printer: the reason says exactly that."""
    problem = street(
        [{"id": "K05", "skills": ["network"]}, {"id": "K07", "skills": ["printer"]}],
        [{"id": "v", "location": {"index": 1}, "skills": ["printer"], "dedicated": "K05", "dedicated_required": True}],
    )
    u, text, _ = unplanned(problem, "v")
    assert u.reason.detail["lacks"] == ["printer"] and text == "its contract requires K05, but K05 lacks printer"


def test_window_out_of_reach_names_the_earliest_possible_start() -> None:
    """A window closing before anyone can arrive: unreachable, with the earliest start and who could make it."""
    problem = street([{"id": "a"}], [{"id": "v", "location": {"index": 3}, "windows": [{"start": "09:00", "end": "09:10"}]}])
    u, text, _ = unplanned(problem, "v")
    assert u.reason.code is ReasonCode.WINDOW_UNREACHABLE and u.reason.detail["earliest"] == 9 * 60 + 30 and u.reason.detail["concierge"] == "a"
    assert "09:00–09:10" in text and "09:30" in text


def test_full_day_names_the_visits_that_would_be_displaced_and_from_whom() -> None:
    """A visit left out because the only concierge is busy names the visit it would displace and the concierge."""
    problem = street(
        [{"id": "a"}],
        [visit("keep", 1, urgency="high", duration_minutes=480), visit("late", 1, urgency="low", duration_minutes=60)],
    )
    u, text, _ = unplanned(problem, "late")
    assert u.reason.code is ReasonCode.FULL and u.reason.detail["displace"] == ["keep"] and u.reason.detail["concierge"] == "a"
    assert text.endswith("would displace keep from a")


def test_every_unplanned_visit_of_the_json_plan_has_a_reason_and_detail() -> None:
    """The plan JSON gives each unplanned visit a sentence, a code and a detail object."""
    problem = street([{"id": "a", "max_visits": 1}], [{"id": f"v{k}", "location": {"index": k}} for k in range(1, 4)])
    doc = dump_plan(solve(problem, FAST), problem)
    assert len(doc["unplanned"]) == 2
    assert all(u["reason"] and u["code"] == "full" and isinstance(u["detail"], dict) for u in doc["unplanned"])
