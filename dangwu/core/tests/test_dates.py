"""Table tests of the platform's calendar arithmetic (`dangwu.core.dates`, decision 0013)."""

from datetime import date

import pytest

from dangwu.core.dates import DateOutOfRange, add_months, add_years, age_on, month_start, months_between

ADD_MONTHS = [
    # (day, months, expected)
    (date(2023, 5, 10), 12, date(2024, 5, 10)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)),  # over the year's end
    (date(2025, 1, 31), 1, date(2025, 2, 28)),  # month end: the shorter month's last day
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # … in a leap year
    (date(2025, 3, 31), 1, date(2025, 4, 30)),
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # 29 February, common year: 28 February
    (date(2024, 2, 29), 48, date(2028, 2, 29)),  # … leap year: 29 February
    (date(2024, 2, 29), 1, date(2024, 3, 29)),
    (date(2024, 2, 28), 0, date(2024, 2, 28)),
    # negative months count backwards the same way
    (date(2026, 1, 1), -1, date(2025, 12, 1)),
    (date(2026, 3, 1), -15, date(2024, 12, 1)),
    (date(2026, 8, 31), -6, date(2026, 2, 28)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2025, 2, 28), -12, date(2024, 2, 28)),
    (date(2025, 3, 29), -13, date(2024, 2, 29)),
    # the calendar's ends
    (date(9999, 11, 30), 1, date(9999, 12, 30)),
    (date(9998, 12, 31), 12, date(9999, 12, 31)),
    (date(1, 2, 1), -1, date(1, 1, 1)),
]


@pytest.mark.parametrize(("day", "months", "expected"), ADD_MONTHS)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("day", "months"), [
    (date(9999, 12, 1), 1), (date(9999, 12, 31), 1), (date(9990, 1, 1), 120), (date(1, 1, 31), -1),
    (date(2026, 1, 1), 12 * 8000),
])
def test_add_months_outside_the_calendar_is_date_out_of_range(day, months):
    with pytest.raises(DateOutOfRange):
        add_months(day, months)
    assert issubclass(DateOutOfRange, ValueError)  # callers that caught ValueError still do


ADD_YEARS = [
    (date(2023, 5, 10), 1, date(2024, 5, 10)),
    (date(2024, 2, 29), 1, date(2025, 2, 28)),  # 民法典 第二百零二条: no corresponding day, the month's last
    (date(2024, 2, 29), 4, date(2028, 2, 29)),
    (date(2024, 2, 29), 100, date(2124, 2, 29)),
    (date(2024, 2, 29), 76, date(2100, 2, 28)),  # 2100 is not a leap year
    (date(2000, 2, 29), -100, date(1900, 2, 28)),
    (date(2008, 2, 29), 18, date(2026, 2, 28)),
    (date(2026, 2, 28), -18, date(2008, 2, 28)),
    (date(9996, 2, 29), 3, date(9999, 2, 28)),
    (date(9996, 12, 31), 3, date(9999, 12, 31)),
]


@pytest.mark.parametrize(("day", "years", "expected"), ADD_YEARS)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


@pytest.mark.parametrize("day", [date(9997, 1, 1), date(9999, 12, 31), date(9997, 2, 28)])
def test_add_years_past_9999_is_date_out_of_range(day):
    with pytest.raises(DateOutOfRange):
        add_years(day, 3)


AGES = [
    # (birth, on, age)
    (date(2006, 6, 15), date(2024, 6, 14), 17),
    (date(2006, 6, 15), date(2024, 6, 15), 18),  # the birthday itself
    # born 29 February, common year: 18 on 28 February (decision 0013), not on 1 March
    (date(2008, 2, 29), date(2026, 2, 27), 17),
    (date(2008, 2, 29), date(2026, 2, 28), 18),
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(2004, 2, 29), date(2022, 2, 28), 18),
    # born 29 February, leap year: the birthday is 29 February itself
    (date(2000, 2, 29), date(2024, 2, 28), 23),
    (date(2000, 2, 29), date(2024, 2, 29), 24),
    (date(2000, 2, 29), date(2024, 3, 1), 24),
    (date(2006, 2, 28), date(2024, 2, 28), 18),  # born 28 February, leap year
    (date(2006, 2, 28), date(2024, 2, 27), 17),
    (date(2005, 3, 1), date(2024, 2, 29), 18),  # born 1 March: not yet on 29 February
    (date(2005, 3, 1), date(2023, 2, 28), 17),
    (date(2005, 3, 1), date(2023, 3, 1), 18),
    (date(2026, 2, 28), date(2026, 2, 28), 0),
    (date(1, 1, 1), date(9999, 12, 31), 9998),
]


@pytest.mark.parametrize(("birth", "on", "age"), AGES)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 3, 15), date(2026, 3, 1)), (date(2024, 2, 29), date(2024, 2, 1)), (date(2026, 1, 1), date(2026, 1, 1)),
])
def test_month_start(day, expected):
    assert month_start(day) == expected


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 1, 31), date(2026, 2, 1), 1),  # calendar months, not whole lengths of a month
    (date(2025, 11, 30), date(2026, 2, 1), 3),
    (date(2025, 12, 1), date(2026, 1, 1), 1),
    (date(2026, 2, 1), date(2025, 12, 1), -2),
    (date(2026, 3, 15), date(2026, 3, 1), 0),
])
def test_months_between(start, end, months):
    assert months_between(start, end) == months


def test_add_months_on_a_month_start_stays_on_a_month_start():
    """Dues months are first days: a first day plus any months is a first day (the dues copy's result)."""
    month = date(2020, 1, 1)
    for n in range(-30, 31):
        moved = add_months(month, n)
        assert moved.day == 1 and months_between(month, moved) == n
