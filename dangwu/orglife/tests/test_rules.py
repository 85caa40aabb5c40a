"""Table-driven tests of `orglife.rules.missed_periods`: period edges, a year in progress, branches
without a committee or groups, meetings of other years, unknown kinds, and properties."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangwu.orglife import rules
from dangwu.orglife.rules import KINDS, missed_periods

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
QUARTERS = [f"2026-Q{q}" for q in range(1, 5)]


def everything(
    year: int = 2026, *, has_committee: bool = True, has_groups: bool = True
) -> set[tuple[str, str]]:
    """Every (kind, period) a branch owes in a year, written out by hand."""
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    quarters = [f"{year}-Q{q}" for q in range(1, 5)]
    owed = {("assembly", q) for q in quarters} | {("lesson", q) for q in quarters}
    owed |= {("theme_day", m) for m in months} | {("life_meeting", str(year))}
    if has_committee:
        owed |= {("committee", m) for m in months}
    if has_groups:
        owed |= {("group", m) for m in months}
    return owed


def full_year(year: int = 2026) -> list[tuple[str, date]]:
    """One meeting of every kind in every period, on the period's 15th."""
    meetings = []
    for month in range(1, 13):
        day = date(year, month, 15)
        meetings += [("committee", day), ("group", day), ("theme_day", day)]
        if month % 3 == 1:
            meetings += [("assembly", day), ("lesson", day)]
    meetings.append(("life_meeting", date(year, 12, 15)))
    return meetings


def test_no_meeting_misses_everything_owed():
    assert missed_periods(year=2026, meetings=[], has_committee=True, has_groups=True) == everything()
    assert len(everything()) == 4 + 4 + 12 + 12 + 12 + 1


def test_a_full_year_misses_nothing():
    assert missed_periods(year=2026, meetings=full_year(), has_committee=True, has_groups=True) == set()


@pytest.mark.parametrize(
    ("has_committee", "has_groups", "absent_kinds"),
    [
        (True, True, set()),
        (False, True, {"committee"}),
        (True, False, {"group"}),
        (False, False, {"committee", "group"}),
    ],
)
def test_committee_and_groups_only_where_they_exist(has_committee, has_groups, absent_kinds):
    missed = missed_periods(year=2026, meetings=[], has_committee=has_committee, has_groups=has_groups)
    assert {kind for kind, _ in missed} == set(KINDS) - absent_kinds
    assert missed == everything(has_committee=has_committee, has_groups=has_groups)


def test_meetings_of_a_kind_not_required_are_accepted_and_change_nothing():
    meetings = [("committee", date(2026, 1, 5)), ("group", date(2026, 2, 5))]
    assert missed_periods(year=2026, meetings=meetings, has_committee=False, has_groups=False) == everything(
        has_committee=False, has_groups=False
    )


@pytest.mark.parametrize(
    ("kind", "day", "satisfied"),
    [
        # month edges
        ("theme_day", date(2026, 3, 31), ("theme_day", "2026-03")),
        ("theme_day", date(2026, 4, 1), ("theme_day", "2026-04")),
        ("theme_day", date(2026, 1, 1), ("theme_day", "2026-01")),
        ("theme_day", date(2026, 12, 31), ("theme_day", "2026-12")),
        ("committee", date(2026, 2, 28), ("committee", "2026-02")),
        ("group", date(2026, 3, 1), ("group", "2026-03")),
        # quarter edges
        ("assembly", date(2026, 3, 31), ("assembly", "2026-Q1")),
        ("assembly", date(2026, 4, 1), ("assembly", "2026-Q2")),
        ("lesson", date(2026, 6, 30), ("lesson", "2026-Q2")),
        ("lesson", date(2026, 7, 1), ("lesson", "2026-Q3")),
        ("assembly", date(2026, 9, 30), ("assembly", "2026-Q3")),
        ("assembly", date(2026, 10, 1), ("assembly", "2026-Q4")),
        ("lesson", date(2026, 12, 31), ("lesson", "2026-Q4")),
        # the year
        ("life_meeting", date(2026, 1, 1), ("life_meeting", "2026")),
        ("life_meeting", date(2026, 12, 31), ("life_meeting", "2026")),
    ],
)
def test_one_meeting_satisfies_exactly_its_own_period_and_kind(kind, day, satisfied):
    missed = missed_periods(year=2026, meetings=[(kind, day)], has_committee=True, has_groups=True)
    assert missed == everything() - {satisfied}


def test_a_leap_day_counts_in_february():
    missed = missed_periods(
        year=2028, meetings=[("theme_day", date(2028, 2, 29))], has_committee=False, has_groups=False
    )
    assert ("theme_day", "2028-02") not in missed
    assert ("theme_day", "2028-03") in missed


def test_one_meeting_satisfies_only_its_own_kind():
    missed = missed_periods(
        year=2026, meetings=[("assembly", date(2026, 2, 10))], has_committee=True, has_groups=True
    )
    assert ("assembly", "2026-Q1") not in missed
    assert ("lesson", "2026-Q1") in missed
    assert ("theme_day", "2026-02") in missed
    assert ("committee", "2026-02") in missed


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        # the quarter ending 31 March is due on the 31st, not the day before
        (
            date(2026, 3, 31),
            {
                ("assembly", "2026-Q1"),
                ("theme_day", "2026-01"),
                ("theme_day", "2026-02"),
                ("theme_day", "2026-03"),
            },
        ),
        (date(2026, 3, 30), {("theme_day", "2026-01"), ("theme_day", "2026-02")}),
        (
            date(2026, 4, 1),
            {
                ("assembly", "2026-Q1"),
                ("theme_day", "2026-01"),
                ("theme_day", "2026-02"),
                ("theme_day", "2026-03"),
            },
        ),
        (date(2026, 1, 30), set()),
        (date(2026, 1, 31), {("theme_day", "2026-01")}),
        (date(2025, 12, 31), set()),
        (date(2020, 6, 1), set()),
    ],
)
def test_until_counts_only_periods_already_ended(until, expected):
    # Only assembly and theme_day are looked at: every other kind is held all year.
    held = [(k, d) for k, d in full_year() if k not in ("assembly", "theme_day")]
    missed = missed_periods(year=2026, meetings=held, has_committee=True, has_groups=True, until=until)
    assert missed == expected


def test_a_year_in_progress():
    # Today 2 December 2026: January to November and Q1–Q3 are over; December, Q4 and the year still run.
    meetings = [("theme_day", date(2026, m, 10)) for m in range(1, 11)]  # none in November
    meetings += [("assembly", date(2026, 2, 1)), ("assembly", date(2026, 8, 1))]  # none in Q2
    meetings += [("lesson", date(2026, 3, 3)), ("lesson", date(2026, 6, 3)), ("lesson", date(2026, 9, 3))]
    missed = missed_periods(
        year=2026, meetings=meetings, has_committee=False, has_groups=False, until=date(2026, 12, 2)
    )
    assert missed == {("theme_day", "2026-11"), ("assembly", "2026-Q2")}


@pytest.mark.parametrize("until", [date(2026, 12, 31), date(2027, 1, 1), date(2030, 5, 5), None])
def test_until_at_or_after_the_years_end_counts_the_whole_year(until):
    assert (
        missed_periods(year=2026, meetings=[], has_committee=True, has_groups=True, until=until)
        == everything()
    )


def test_until_on_the_years_last_day_makes_the_yearly_meeting_due():
    missed_before = missed_periods(
        year=2026, meetings=[], has_committee=False, has_groups=False, until=date(2026, 12, 30)
    )
    missed_on = missed_periods(
        year=2026, meetings=[], has_committee=False, has_groups=False, until=date(2026, 12, 31)
    )
    assert ("life_meeting", "2026") not in missed_before
    assert ("life_meeting", "2026") in missed_on


@pytest.mark.parametrize("day", [date(2025, 12, 31), date(2027, 1, 1), date(2025, 3, 15), date(2027, 3, 15)])
def test_meetings_of_other_years_are_ignored(day):
    meetings = [(kind, day) for kind in KINDS]
    assert missed_periods(year=2026, meetings=meetings, has_committee=True, has_groups=True) == everything()


def test_periods_are_labelled_with_the_asked_year():
    missed = missed_periods(year=2031, meetings=full_year(2026), has_committee=True, has_groups=True)
    assert missed == everything(2031)


@pytest.mark.parametrize("kind", ["talk", "Assembly", "", None, "支委会", "assembly "])
def test_an_unknown_kind_among_the_meetings_raises(kind):
    with pytest.raises(ValueError, match="unknown meeting kind"):
        missed_periods(year=2026, meetings=[(kind, date(2026, 5, 1))], has_committee=True, has_groups=True)


def test_an_unknown_kind_of_another_year_raises_too():
    with pytest.raises(ValueError, match="unknown meeting kind"):
        missed_periods(year=2026, meetings=[("talk", date(2019, 5, 1))], has_committee=True, has_groups=True)


def test_the_meetings_may_be_any_iterable_read_once():
    meetings = iter(full_year())
    assert missed_periods(year=2026, meetings=meetings, has_committee=True, has_groups=True) == set()


def test_datetimes_count_on_their_day():
    meetings = [("theme_day", datetime(2026, 3, 31, 23, 59))]
    missed = missed_periods(
        year=2026, meetings=meetings, has_committee=False, has_groups=False, until=datetime(2026, 3, 31, 0, 0)
    )
    assert ("theme_day", "2026-03") not in missed
    assert ("theme_day", "2026-02") in missed


@pytest.mark.parametrize("year", [0, 10000, True, "2026", 2026.0])
def test_a_year_out_of_the_calendar_raises(year):
    with pytest.raises(ValueError, match="year"):
        missed_periods(year=year, meetings=[], has_committee=True, has_groups=True)


def test_the_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        missed_periods(2026, [], True, True)  # type: ignore[misc]


def test_period_labels():
    assert rules.period_of("committee", date(2026, 3, 9)) == "2026-03"
    assert rules.period_of("lesson", date(2026, 11, 9)) == "2026-Q4"
    assert rules.period_of("life_meeting", date(2026, 11, 9)) == "2026"
    assert [label for label, _, _ in rules.periods("assembly", 2026)] == QUARTERS
    assert [label for label, _, _ in rules.periods("theme_day", 2026)] == MONTHS
    assert rules.periods("lesson", 2026)[0][1:] == (date(2026, 1, 1), date(2026, 3, 31))


# Properties --------------------------------------------------------------------------------------

days_2026 = st.dates(min_value=date(2025, 11, 1), max_value=date(2027, 2, 28))
meeting_lists = st.lists(st.tuples(st.sampled_from(KINDS), days_2026), max_size=40)


@given(
    meetings=meeting_lists, has_committee=st.booleans(), has_groups=st.booleans(), until=st.none() | days_2026
)
def test_missed_is_what_is_owed_minus_what_was_held(meetings, has_committee, has_groups, until):
    missed = missed_periods(
        year=2026, meetings=meetings, has_committee=has_committee, has_groups=has_groups, until=until
    )
    owed = everything(has_committee=has_committee, has_groups=has_groups)
    held = {(k, rules.period_of(k, d)) for k, d in meetings if d.year == 2026}
    assert missed <= owed
    assert not missed & held
    for kind, label in owed - held:
        ended = dict((lbl, last) for lbl, _, last in rules.periods(kind, 2026))[label]
        assert ((kind, label) in missed) == (until is None or ended <= until)


@given(meetings=meeting_lists, more=meeting_lists, until=st.none() | days_2026)
def test_more_meetings_never_miss_more(meetings, more, until):
    fewer = missed_periods(year=2026, meetings=meetings, has_committee=True, has_groups=True, until=until)
    after = missed_periods(
        year=2026, meetings=meetings + more, has_committee=True, has_groups=True, until=until
    )
    assert after <= fewer


@given(meetings=meeting_lists, a=days_2026, b=days_2026)
def test_a_later_until_never_misses_less(meetings, a, b):
    early, late = sorted((a, b))
    assert missed_periods(
        year=2026, meetings=meetings, has_committee=True, has_groups=True, until=early
    ) <= missed_periods(year=2026, meetings=meetings, has_committee=True, has_groups=True, until=late)
