"""Hostile user text for the display tests: Rich/Textual markup, terminal escapes and bidi overrides in
every field a person can type (names, addresses, notes, requests, work slips, seat labels, codes)."""

from __future__ import annotations

from sqlalchemy import select

from data.db import Database
from data.models import Client, Concierge, Contract, Incident, Office, Seat, Setting, Visit, VisitRequest

MARK = "[/inc]"
"""Shown literally wherever a poisoned field is shown (a closing tag that matches nothing: Rich raises on it)."""
HOSTILE = f"{MARK}[bold]B[link=https://x.test]L[@click=app.quit]Q[$accent]\x1b]0;pwned\x07\x1b[31m\u202eR\x9b2J"
"""Appended to every text field: markup of both parsers, an OSC window-title escape, a colour escape,
a right-to-left override and a C1 CSI."""
CODE_MARK = "[/X]"
SHORT = CODE_MARK + "\x1b[1M"
"""Appended to codes (40 characters at most; codes stay unique; upper case: concierge codes are looked up so)."""
CONTROL_CHARACTERS = ("\x1b", "\x07", "\x9b", "\u202e")


def poison(database: Database) -> None:
    """Append HOSTILE (codes: SHORT) to every user-entered text of the database, in one transaction."""
    with database.transaction() as session:
        for client in session.scalars(select(Client)):
            client.name += HOSTILE
            client.code += SHORT
            client.name_kana = (client.name_kana or "") + HOSTILE
            client.contact_person = (client.contact_person or "") + HOSTILE
            client.notes = (client.notes or "") + HOSTILE
        for office in session.scalars(select(Office)):
            office.name += HOSTILE
            office.code += SHORT
            office.address += HOSTILE
            office.notes = (office.notes or "") + HOSTILE
        for seat in session.scalars(select(Seat)):
            seat.label += HOSTILE
        for concierge in session.scalars(select(Concierge)):
            concierge.name += HOSTILE
            concierge.home_address += HOSTILE
            if concierge.code != "K01":  # K01 stays the concierge role of the tests
                concierge.code += SHORT
        for request in session.scalars(select(VisitRequest)):
            request.description += HOSTILE
        for visit in session.scalars(select(Visit)):
            visit.work_slip = (visit.work_slip or "") + HOSTILE
        for incident in session.scalars(select(Incident)):
            incident.description += HOSTILE
            incident.person = (incident.person or "") + HOSTILE
        for contract in session.scalars(select(Contract)):
            contract.options = {**contract.options, "approver": "社長" + HOSTILE, "personal_support": HOSTILE}
        for setting in session.scalars(select(Setting)):
            setting.value += HOSTILE
