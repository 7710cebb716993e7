"""Contract terms of the seat plan (seed 001, 契約と解約について).

Service starts on the first of a month; a mid-month start is possible but that month is charged in
full (or the client waits for the first of the next month). The contract cannot end during its first
`minimum_months` billable months (the first, fully charged month counts as one) and ends only at a
month end, with notice at least `notice_months` before that month end (to end on 30 November, give
notice by 31 October). Annual prepayment is possible, without a discount.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from pricing.tariff import ContractRules


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `month`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month of `month`."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class ContractTerms:
    """What a client starting on `start` is bound to."""

    start: dt.date
    first_billable_month: dt.date
    """First day of the month containing `start` (charged in full even for a mid-month start)."""
    mid_month_start: bool
    next_month_start: dt.date
    """The first-of-month start the client can wait for instead of paying a full month."""
    minimum_months: int
    notice_months: int
    earliest_end_date: dt.date
    """Last day of the last billable month of the minimum term."""
    notice_deadline: dt.date
    """Cancellation notice for `earliest_end_date` must arrive by this day."""

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "first_billable_month": self.first_billable_month.strftime("%Y-%m"),
            "mid_month_start": self.mid_month_start,
            "mid_month_note": (
                f"a start on {self.start.isoformat()} is charged the full month of {self.first_billable_month.strftime('%Y-%m')}; "
                f"waiting until {self.next_month_start.isoformat()} avoids that"
                if self.mid_month_start
                else None
            ),
            "minimum_months": self.minimum_months,
            "earliest_end_date": self.earliest_end_date.isoformat(),
            "notice_months": self.notice_months,
            "cancellation_notice_by": self.notice_deadline.isoformat(),
            "annual_prepayment": "possible, no discount",
        }


def contract_terms(start: dt.date, *, rules: ContractRules) -> ContractTerms:
    """Contract-term rule: first billable month, earliest end and notice deadline for a start date."""
    first = start.replace(day=1)
    minimum = max(1, rules.minimum_months)
    earliest_end = month_end(add_months(first, minimum - 1))
    notice_deadline = month_end(add_months(earliest_end, -rules.notice_months)) if rules.notice_months else earliest_end
    return ContractTerms(
        start=start,
        first_billable_month=first,
        mid_month_start=start.day != 1,
        next_month_start=first if start.day == 1 else add_months(first, 1),
        minimum_months=minimum,
        notice_months=rules.notice_months,
        earliest_end_date=earliest_end,
        notice_deadline=notice_deadline,
    )
