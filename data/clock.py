"""The business's clock: "now" and "today" in the business time zone, whatever zone the machine runs in.

Every time stored in the database is a naive local time of the business (a visit at 09:30 is 09:30 in
Tokyo), so "now" must be read in that zone too: on a UTC server at 00:20 Japan time it is already the
next day for the business. The zone is Asia/Tokyo unless `CONCIERGE_TIMEZONE` names another IANA zone.
Nothing here reads the machine's local zone (`TZ`, /etc/localtime).
"""

from __future__ import annotations

import datetime as dt
import os
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from data.errors import ValidationError

DEFAULT_ZONE = "Asia/Tokyo"
ENV_ZONE = "CONCIERGE_TIMEZONE"


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{ENV_ZONE}: {name[:60]!r} is not a time zone (e.g. Asia/Tokyo)", field=ENV_ZONE) from None


def business_zone() -> ZoneInfo:
    """The business time zone: $CONCIERGE_TIMEZONE, else Asia/Tokyo."""
    return _zone(os.environ.get(ENV_ZONE) or DEFAULT_ZONE)


def _wall_clock() -> dt.datetime:
    """The instant now (aware, UTC); tests replace this to stand at a chosen moment."""
    return dt.datetime.now(dt.UTC)


def business_now() -> dt.datetime:
    """The business's local time now, naive and to the second (as times are stored)."""
    return _wall_clock().astimezone(business_zone()).replace(tzinfo=None, microsecond=0)


def business_today() -> dt.date:
    """The business's date now (Japan's date by default, not the machine's)."""
    return business_now().date()


def localize(moment: dt.datetime) -> dt.datetime:
    """A stored naive business time as an aware datetime in the business zone (for exports such as .ics)."""
    return moment.replace(tzinfo=business_zone())
