"""Contract priority and dedication: monthly-billed plans are served before annual incident plans.

Derived here from `Contract.plan`/`Contract.options` because `pricing` has no function for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from data.models import Contract

#: Contract priority (higher is served first when capacity is short).
PRIORITY_MONTHLY = 2
PRIORITY_ANNUAL = 1
PRIORITY_NONE = 0
PRIORITY_LABELS = {PRIORITY_MONTHLY: "monthly plan (priority)", PRIORITY_ANNUAL: "annual incident plan", PRIORITY_NONE: "no contract (spot)"}


def contract_priority(contracts: Iterable[Contract], day: dt.date | None = None) -> int:
    """Monthly-billed plans (seat plans, monthly incident plans) before annual incident plans before none."""
    best = PRIORITY_NONE
    for c in contracts:
        if c.status != "active" or (day is not None and c.start_month > day):
            continue
        if c.plan == "support_incidents" and (c.options or {}).get("billing") == "annual":
            best = max(best, PRIORITY_ANNUAL)
        else:
            best = max(best, PRIORITY_MONTHLY)
    return best


def dedicated_required(contracts: Iterable[Contract]) -> bool:
    """True when an active contract says only the dedicated concierge may visit."""
    return any(c.status == "active" and c.dedicated_required for c in contracts)
