"""Slot offers in words: one line per offer for the intake form, the report of `concierge offer`, and its
`concierge-offers/1` JSON (docs/dispatch-json.md).

A line reads, most important first: who and when, the deadline, what moves or drops, the extra travel,
the dedicated concierge — and is cut to the width with "…" (names first), never mid-character.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.cells import cell_len, set_cell_size

from data.planning.offers import OfferedVisit, OfferList, SlotOffer
from tui.text import clean

SCHEMA = "concierge-offers/1"
NAME_CELLS = 10


def hhmm(moment: dt.datetime) -> str:
    return f"{moment:%H:%M}"


def span(minutes: int) -> str:
    """135 -> "2h15", 35 -> "35′"."""
    minutes = abs(minutes)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes >= 60 else f"{minutes}′"


def deadline_words(slot: SlotOffer) -> str:
    margin = slot.deadline_margin_minutes
    if margin is None:
        return "no deadline"
    return f"on time ({span(margin)} spare)" if margin >= 0 else f"LATE by {span(margin)}"


def dedicated_words(slot: SlotOffer, offers: OfferList) -> str:
    if slot.dedicated is True:
        return "dedicated"
    if slot.dedicated is False:
        return f"not dedicated ({offers.dedicated})"
    return f"{offers.dedicated} (dedicated) is off" if offers.dedicated else "no dedicated"


def _moved(m: OfferedVisit) -> str:
    if m.to_concierge is None:
        return f"{m.visit} drops ({m.urgency})"
    to = f"→{m.to_concierge} " if m.to_concierge != m.from_concierge else ""
    return f"{m.visit} {to}+{span(m.minutes)}" if m.minutes >= 0 else f"{m.visit} {to}{span(m.minutes)} earlier"


def change_words(slot: SlotOffer, *, short: bool = False) -> str:
    """"nothing moves", "R9 drops (low), R12 +20′"; `short`: "1 dropped, 3 later"."""
    if not slot.moves and not slot.drops:
        return "nothing moves"
    if short:
        parts = [f"{len(slot.drops)} dropped" if slot.drops else "", f"{len(slot.moves)} later" if slot.moves else ""]
        return ", ".join(p for p in parts if p)
    return ", ".join(_moved(m) for m in (*slot.drops, *slot.moves))


def travel_words(slot: SlotOffer) -> str:
    sign = "+" if slot.extra_travel_minutes >= 0 else "−"
    return f"travel {sign}{span(slot.extra_travel_minutes)}"


def offer_line(slot: SlotOffer, offers: OfferList, width: int = 76) -> str:
    """One readable line of at most `width` cells."""
    name = set_cell_size(clean(slot.name), NAME_CELLS).rstrip()
    who = f"{slot.rank} {slot.concierge} {name} {hhmm(slot.start)}–{hhmm(slot.end)}"
    rest = [deadline_words(slot), change_words(slot), travel_words(slot), dedicated_words(slot, offers)]
    line = " · ".join([who, *rest])
    if cell_len(line) > width:
        rest[1] = change_words(slot, short=True)
        line = " · ".join([who, *rest])
    if cell_len(line) > width:
        line = set_cell_size(line, width - 1).rstrip() + "…"
    return line


def heading(offers: OfferList) -> str:
    """"Slots on Thu 26 Nov (committed plan) for 青葉商事 本社, emergency, 45 min"."""
    return f"Slots on {offers.day:%a %d %b} ({offers.base}) for {clean(offers.label)}, {offers.urgency}, {offers.minutes} min"


def report_lines(offers: OfferList) -> list[str]:
    """The text of `concierge offer`: a heading, each offer with its route changes, or why there is none."""
    deadline = f", deadline {offers.deadline:%a %d %b %H:%M}" if offers.deadline else ""
    lines = [f"{offers.visit} {clean(offers.label)} ({offers.urgency}, {offers.minutes} min{deadline})"
             f" on {offers.day:%a %d %b %Y}, " + (f"on the {offers.base}:" if offers.base != "nothing planned yet" else "nothing planned yet:")]
    if not offers.offers:
        lines.append(f"  no slot: {offers.reason or 'nothing fits'}")
        return lines
    for s in offers.offers:
        lines.append(f"{s.rank}. {s.concierge} {clean(s.name)}  {hhmm(s.start)}–{hhmm(s.end)}  {travel_words(s)}  "
                     f"{dedicated_words(s, offers)}  deadline: {deadline_words(s)}")
        for m in s.drops:
            lines.append(f"   drops {m.visit} {clean(m.label)} ({m.urgency}, was {m.from_concierge} {hhmm(m.old_start)})")
        for m in s.moves:
            to = f"{m.to_concierge} " if m.to_concierge != m.from_concierge else ""
            new = hhmm(m.new_start) if m.new_start else "?"
            lines.append(f"   moves {m.visit} {clean(m.label)}: {m.from_concierge} {hhmm(m.old_start)} → {to}{new} ({m.minutes:+d} min)")
        if not s.moves and not s.drops:
            lines.append("   nothing else moves")
    lines.append(f"({len(offers.offers)} offer{'s' if len(offers.offers) != 1 else ''} in {offers.seconds:.2f} s; "
                 f"choosing one on the board pins {offers.visit} there)")
    return lines


def _moved_json(m: OfferedVisit) -> dict[str, Any]:
    return {
        "visit": m.visit, "label": m.label, "urgency": m.urgency, "concierge": m.from_concierge, "to": m.to_concierge,
        "old_start": hhmm(m.old_start), "new_start": hhmm(m.new_start) if m.new_start else None, "minutes": m.minutes,
    }


def offers_document(offers: OfferList) -> dict[str, Any]:
    """The `concierge-offers/1` JSON of an offer list."""
    return {
        "schema": SCHEMA,
        "date": offers.day.isoformat(),
        "request": offers.visit,
        "label": offers.label,
        "urgency": offers.urgency,
        "minutes": offers.minutes,
        "deadline": offers.deadline.isoformat(timespec="minutes") if offers.deadline else None,
        "dedicated": offers.dedicated,
        "base": offers.base,
        "offers": [
            {
                "rank": s.rank, "concierge": s.concierge, "name": s.name, "start": hhmm(s.start), "end": hhmm(s.end),
                "extra_travel_minutes": s.extra_travel_minutes, "extra_travel_meters": s.extra_travel_meters,
                "dedicated": s.dedicated, "deadline_met": s.deadline_met, "deadline_margin_minutes": s.deadline_margin_minutes,
                "moves": [_moved_json(m) for m in s.moves], "drops": [_moved_json(m) for m in s.drops], "cost": s.cost,
                "route": [{"visit": r.visit, "label": r.label, "start": hhmm(r.start), "end": hhmm(r.end)} for r in s.route],
            }
            for s in offers.offers
        ],
        "reason": None if offers.reason is None else {"code": offers.reason_code, "text": offers.reason},
        "seconds": round(offers.seconds, 3),
    }
