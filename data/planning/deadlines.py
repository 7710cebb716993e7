"""Business days and deadlines: the intake defaults by urgency and the 24-hour response aim."""

from __future__ import annotations

import datetime as dt

import jpholiday

from data.errors import ValidationError
from data.models import URGENCIES

#: Deadline defaults at intake (business days for normal/low).
NORMAL_BUSINESS_DAYS = 3
LOW_BUSINESS_DAYS = 5
DEFAULT_CLOSING = dt.time(18, 0)
#: The response aim: a visit should start within 24 hours of the request.
RESPONSE_AIM = dt.timedelta(hours=24)
#: Open requests due within this many business days after the plan date are offered to the optimizer.
LOOKAHEAD_BUSINESS_DAYS = 1


def add_business_days(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved `days` business days on (weekends and Japanese public holidays skipped)."""
    current = start
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and not jpholiday.is_holiday(current.date()):
            left -= 1
    return current


def default_deadline(urgency: str, received: dt.datetime, *, closes: dt.time = DEFAULT_CLOSING) -> dt.datetime:
    """Intake default: emergency today (by closing, or 4 h when received after it), high within 24 h,
    normal within 3 business days, low within 5 business days."""
    if urgency == "emergency":
        today_close = dt.datetime.combine(received.date(), closes)
        return today_close if today_close > received else received + dt.timedelta(hours=4)
    if urgency == "high":
        return received + dt.timedelta(hours=24)
    if urgency == "normal":
        return add_business_days(received, NORMAL_BUSINESS_DAYS)
    if urgency == "low":
        return add_business_days(received, LOW_BUSINESS_DAYS)
    raise ValidationError(f"urgency: {urgency!r} is not one of {', '.join(URGENCIES)}", field="urgency")



def relevant_until(day: dt.date, lookahead: int = LOOKAHEAD_BUSINESS_DAYS) -> dt.datetime:
    """Open requests with a deadline before this moment are offered for `day` (end of the lookahead day)."""
    return add_business_days(dt.datetime.combine(day, dt.time()), lookahead) + dt.timedelta(days=1)
