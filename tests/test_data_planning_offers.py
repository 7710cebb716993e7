"""Slot offers at intake, from the database: choosing an offer saves the request pinned to the slot, puts it
into the board's proposal at once at exactly that concierge and minute (insertion, no search), and a commit
of that proposal keeps it there."""

from __future__ import annotations

import datetime as dt

from board_scenario import DAY, NOW, build

from data.db import Database
from data.models import Concierge, Visit, VisitRequest
from data.planning import RequestForm, commit_plan, load_day
from data.planning.offers import offer_into_proposal, offers_for_draft, offers_for_request, save_with_offer
from dispatch.check import check_plan


def _form(ids: dict[str, int]) -> RequestForm:
    return RequestForm(client_id=ids["c1"], office_id=ids["o1"], urgency="high", minutes=45, description="NAS unreachable",
                       deadline=dt.datetime(2026, 11, 26, 18))


def test_choosing_an_offer_pins_it_into_the_proposal_and_the_commit_keeps_it(database: Database) -> None:
    ids = build(database)
    with database.sessions() as s:
        before = load_day(s, DAY)
        offers = offers_for_draft(s, _form(ids), DAY, NOW, snapshot=before)
    assert offers.offers, offers.reason
    chosen = offers.offers[-1].chosen  # not necessarily the best: the dispatcher's choice is what holds
    with database.transaction() as s:
        request = save_with_offer(s, _form(ids), NOW, chosen)
        rid = request.id
    with database.sessions() as s:
        row = s.get(VisitRequest, rid)
        assert row is not None and row.pinned_start == chosen.start
        assert s.get(Concierge, row.pinned_concierge_id).code == chosen.concierge  # type: ignore[union-attr]
        after = load_day(s, DAY)
    snapshot, placed = offer_into_proposal(before, None, after, rid, chosen, NOW)
    where = placed.plan.assignment()
    key = f"R{rid}"
    assert where[key] == (chosen.concierge, chosen.minute * 60)
    assert snapshot.problem.visit(key).pinned is not None
    assert check_plan(snapshot.problem, placed.plan) == []
    with database.transaction() as s:
        commit_plan(s, snapshot, placed.plan)
    with database.sessions() as s:
        visit = s.query(Visit).filter(Visit.request_id == rid).one()
        assert (visit.concierge.code, visit.planned_start) == (chosen.concierge, chosen.start)


def test_an_open_request_gets_offers_and_a_planned_one_is_refused_in_words(database: Database) -> None:
    ids = build(database)
    with database.sessions() as s:
        listed = offers_for_request(s, ids["r_print"], DAY, NOW)
        assert listed.offers and all(o.start >= NOW for o in listed.offers)
        try:
            offers_for_request(s, ids["r_lan"], DAY, NOW)
        except Exception as exc:
            assert "already planned" in str(exc) and "K01" in str(exc)
        else:
            raise AssertionError("a planned request got offers")
