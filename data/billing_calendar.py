"""The billing calendar: months, Japanese business days, and an invoice's issue and due dates.

An invoice is dated the first business day of the month after the billed one and due one calendar month
later, moved to the next business day (payment is by bank transfer). Business days exclude weekends,
Japanese public holidays (jpholiday) and the bank holidays 31 December - 3 January.
"""

from __future__ import annotations

import datetime as dt

import jpholiday

from data.locks import month_start

BANK_HOLIDAYS = ((12, 31), (1, 2), (1, 3))
"""Days banks are closed besides weekends and public holidays (銀行休業日)."""


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def is_business_day(day: dt.date) -> bool:
    """Weekdays that are neither Japanese public holidays nor bank holidays (31 Dec, 2-3 Jan)."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and (day.month, day.day) not in BANK_HOLIDAYS


def first_business_day(month: dt.date) -> dt.date:
    day = month_start(month)
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def add_month(day: dt.date) -> dt.date:
    """The same day one month later (the last day of a shorter month)."""
    following = next_month(day.replace(day=1))
    last = (next_month(following) - dt.timedelta(days=1)).day
    return following.replace(day=min(day.day, last))


def invoice_dates(month: dt.date) -> tuple[dt.date, dt.date]:
    """(issue date, due date) of the invoice for `month`: due one month after issue, moved to the next
    business day when that is a weekend or (bank) holiday, since payment is by bank transfer."""
    issue = first_business_day(next_month(month))
    due = add_month(issue)
    while not is_business_day(due):
        due += dt.timedelta(days=1)
    return issue, due
