"""Request intake checked as a whole form: every field's problem at once, each naming its field.

- `parse_intake(values, ...)` reads the form's texts (office, urgency, deadline `YYYY-MM-DD HH:MM`, minutes,
  window `HH:MM`–`HH:MM`, skills) into a `RequestForm`, with a problem per unreadable field.
- `request_errors(session, form, now)` lists what is wrong with a readable form (the rules of
  `data.planning.intake.save_request`, which raises the first of them).

A form whose office and minutes can be read is enough to offer slots (`data.planning.offers`) while the rest is
still being typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from data.errors import ValidationError
from data.fields import shown, text
from data.models import CATEGORIES, URGENCIES, Client, Office
from data.planning.deadlines import default_deadline
from dispatch.problem import KNOWN_SKILLS


@dataclass(frozen=True)
class RequestForm:
    """The intake form's values. `deadline` None takes the default for the urgency."""

    client_id: int
    office_id: int
    category: str = "trouble"
    routine: bool = True
    urgency: str = "normal"
    deadline: dt.datetime | None = None
    minutes: int = 60
    skills: tuple[str, ...] = ()
    description: str = ""
    window_start: dt.time | None = None
    window_end: dt.time | None = None



DEADLINE_FORMAT = "%Y-%m-%d %H:%M"
MIN_MINUTES, MAX_MINUTES = 5, 8 * 60
DESCRIPTION_CHARS = 4000
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _problem(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", field=field)


def _clock(raw: str, field: str, errors: list[ValidationError]) -> dt.time | None:
    raw = raw.strip()
    if not raw:
        return None
    match = _CLOCK.match(raw)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        errors.append(_problem(field, f"{shown(raw)} is not a time of day; write HH:MM, e.g. 13:00"))
        return None
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_intake(values: Mapping[str, str], *, client_id: int | None, routine: bool = True) -> tuple[RequestForm | None, list[ValidationError]]:
    """(the `RequestForm`, or None when the client, office, minutes, deadline or window cannot be read; the
    problems of every unreadable field). `values` holds the texts by field name: office (an id), category,
    urgency, deadline, minutes, window_start, window_end, skills, description."""
    errors: list[ValidationError] = []
    if client_id is None:
        errors.append(_problem("client", "type part of the name and pick the client"))
    office_text = values.get("office", "").strip()
    office = int(office_text) if office_text.isdecimal() and len(office_text) <= 9 else None
    if office is None:
        errors.append(_problem("office", "pick an office"))
    minutes_text = values.get("minutes", "").strip()
    minutes = int(minutes_text) if minutes_text.isdecimal() and len(minutes_text) <= 4 else None
    if minutes is None:
        errors.append(_problem("minutes", f"a whole number of minutes from {MIN_MINUTES} to {MAX_MINUTES}, e.g. 60"))
    deadline_text = values.get("deadline", "").strip()
    deadline = None
    if deadline_text:
        try:
            deadline = dt.datetime.strptime(deadline_text, DEADLINE_FORMAT)
        except ValueError:
            errors.append(_problem("deadline", "write it as YYYY-MM-DD HH:MM, e.g. 2026-11-26 18:00"))
    unreadable = len(errors)
    window_start = _clock(values.get("window_start", ""), "window_start", errors)
    window_end = _clock(values.get("window_end", ""), "window_end", errors)
    if client_id is None or office is None or minutes is None or len(errors) > unreadable or (deadline_text and deadline is None):
        return None, errors
    form = RequestForm(
        client_id=client_id, office_id=office, category=values.get("category", "trouble"), routine=routine,
        urgency=values.get("urgency", "normal"), deadline=deadline, minutes=minutes,
        skills=tuple(values.get("skills", "").split()), description=values.get("description", ""),
        window_start=window_start, window_end=window_end,
    )
    return form, errors


def request_errors(session: Session, form: RequestForm, now: dt.datetime) -> list[ValidationError]:
    """Every rule a request's values break, each naming its field (empty: it may be saved)."""
    errors: list[ValidationError] = []
    client = session.get(Client, form.client_id)
    office = session.get(Office, form.office_id)
    if client is None:
        errors.append(_problem("client", "pick a client from the list"))
    elif office is None or office.client_id != client.id:
        errors.append(_problem("office", f"pick one of {client.name}'s offices"))
    if form.category not in CATEGORIES:
        errors.append(_problem("category", f"{form.category!r} is not one of {', '.join(CATEGORIES)}"))
    if form.urgency not in URGENCIES:
        errors.append(_problem("urgency", f"{form.urgency!r} is not one of {', '.join(URGENCIES)}"))
    if not MIN_MINUTES <= form.minutes <= MAX_MINUTES:
        errors.append(_problem("minutes", f"must be between {MIN_MINUTES} and {MAX_MINUTES}, got {form.minutes}"))
    unknown = sorted(set(form.skills) - KNOWN_SKILLS)
    if unknown:
        known = " ".join(sorted(KNOWN_SKILLS))
        errors.append(_problem("skills", f"unknown skill {shown(unknown[0])} (known: {known})"))
    if not form.description.strip():
        errors.append(_problem("description", "say what the client needs"))
    else:
        try:
            text({"description": form.description}, "description", max_len=DESCRIPTION_CHARS, multiline=True)
        except ValidationError as exc:
            errors.append(exc)
    start, end = form.window_start, form.window_end
    if (start is None) != (end is None) or (start is not None and end is not None and end <= start):
        field = "window_end" if start is not None else "window_start"
        errors.append(_problem(field, "give both a start and a later end, or neither"))
    if form.urgency in URGENCIES and office is not None:
        deadline = form.deadline or default_deadline(form.urgency, now, closes=office.closes)
        if deadline < now - dt.timedelta(minutes=1):
            errors.append(_problem("deadline", "is in the past"))
    return errors
