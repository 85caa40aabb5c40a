"""Calendar arithmetic of the whole platform: one home for adding months and years and for ages.

Pure functions of `datetime.date`, no database. Every app's rules (recruitment timing, terms of
office, letters of introduction, dues months, the demo loader) call these, so that 29 February
has one answer everywhere (decision 0013): a period counted in months or years ends on the
corresponding day, or on the last day of the month when that month has no such day
(民法典 第二百零二条). A person born on 29 February therefore turns 18 on 28 February of a
common year.
"""

from __future__ import annotations

import calendar
from datetime import date


class DateOutOfRange(ValueError):
    """The result would fall outside the calendar Python can hold (years 1 to 9999)."""


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later (or earlier), or that month's last day when the month
    is shorter (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= date.max.year:
        raise DateOutOfRange(f"{day.isoformat()} + {months} months is outside the calendar")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The corresponding day `years` later; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)


def age_on(birth: date, on: date) -> int:
    """Whole years of age on `on` (周岁): a birthday counts from its corresponding day, 28 February
    in a common year for a person born on 29 February."""
    years = on.year - birth.year
    return years if add_years(birth, years) <= on else years - 1


def month_start(day: date) -> date:
    """The first day of the day's month (dues are assessed per month)."""
    return day.replace(day=1)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start's month to end's month (2026-01-31 → 2026-02-01 is 1)."""
    return (end.year - start.year) * 12 + end.month - start.month
