"""Pure rules of organizational life (组织生活, 三会一课): which meetings a branch owes in a year, and
which of them it missed. No database, no request.

Kinds and how often each is due (SPEC section B, issue 13):

==============  ==================  =========  ==========================================
kind            Chinese             period     required
==============  ==================  =========  ==========================================
``assembly``    支部党员大会        quarter    always
``committee``   支委会              month      only where the branch has a committee
``group``       党小组会            month      only where the branch has party groups
``lesson``      党课                quarter    always (*local practice*)
``theme_day``   主题党日            month      always
``life_meeting`` 组织生活会         year       always
==============  ==================  =========  ==========================================

Periods are labelled ``"2026-03"`` (a month), ``"2026-Q1"`` (a quarter) and ``"2026"`` (a year).

谈心谈话 are not meetings: each year every member is talked with once (`members_without_talk`,
`talk_coverage`).
"""

from __future__ import annotations

import calendar
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

ASSEMBLY = "assembly"  # 支部党员大会
COMMITTEE = "committee"  # 支委会
GROUP = "group"  # 党小组会
LESSON = "lesson"  # 党课
THEME_DAY = "theme_day"  # 主题党日
LIFE_MEETING = "life_meeting"  # 组织生活会

MONTH = "month"
QUARTER = "quarter"
YEAR = "year"

# kind -> how often it is due; the order is the order of the register and of the year's grid.
FREQUENCY: dict[str, str] = {
    ASSEMBLY: QUARTER,
    COMMITTEE: MONTH,
    GROUP: MONTH,
    LESSON: QUARTER,
    THEME_DAY: MONTH,
    LIFE_MEETING: YEAR,
}
KINDS: tuple[str, ...] = tuple(FREQUENCY)


def check_kind(kind: object) -> str:
    """The kind itself when it is one of `KINDS`; ValueError naming it otherwise."""
    if not isinstance(kind, str) or kind not in FREQUENCY:
        raise ValueError(f"unknown meeting kind {kind!r}; expected one of {', '.join(KINDS)}")
    return kind


def _as_date(value: date) -> date:
    """A datetime counts on its own calendar day (callers pass local dates)."""
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise ValueError(f"a meeting's day must be a date, not {value!r}")
    return value


def period_of(kind: str, day: date) -> str:
    """The label of the period of `kind` that contains `day` ("2026-03", "2026-Q1" or "2026")."""
    frequency = FREQUENCY[check_kind(kind)]
    day = _as_date(day)
    if frequency == MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    if frequency == QUARTER:
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def periods(kind: str, year: int) -> list[tuple[str, date, date]]:
    """Every period of `kind` in `year` as (label, first day, last day), in order."""
    frequency = FREQUENCY[check_kind(kind)]
    if frequency == YEAR:
        return [(f"{year:04d}", date(year, 1, 1), date(year, 12, 31))]
    step = 1 if frequency == MONTH else 3
    result = []
    for first_month in range(1, 13, step):
        last_month = first_month + step - 1
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        label = f"{year:04d}-{first_month:02d}" if step == 1 else f"{year:04d}-Q{(first_month - 1) // 3 + 1}"
        result.append((label, date(year, first_month, 1), last))
    return result


def required_kinds(*, has_committee: bool, has_groups: bool) -> tuple[str, ...]:
    """The kinds a branch owes: a committee's and groups' meetings only where it has them."""
    return tuple(
        kind for kind in KINDS if (kind != COMMITTEE or has_committee) and (kind != GROUP or has_groups)
    )


def _checked_meetings(meetings: Iterable[tuple[str, date]]) -> Iterator[tuple[str, date]]:
    for kind, day in meetings:
        yield check_kind(kind), _as_date(day)


def missed_periods(
    *,
    year: int,
    meetings: Iterable[tuple[str, date]],
    has_committee: bool,
    has_groups: bool,
    until: date | None = None,
) -> set[tuple[str, str]]:
    """Each (kind, period) of `year` that was required and had no meeting of that kind.

    A meeting on any day of a period satisfies that period of its own kind only; meetings of other
    years are ignored (their kinds are still checked). With `until`, only periods that ended on or
    before `until` can be missed: a period still running is not missed yet. Without it, the whole
    year counts. An unknown kind, among the meetings too, raises ValueError.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= date.max.year:
        raise ValueError(f"year must be an int from 1 to 9999, not {year!r}")
    cutoff = _as_date(until) if until is not None else None
    held: set[tuple[str, str]] = set()
    for kind, day in _checked_meetings(meetings):
        if day.year == year:
            held.add((kind, period_of(kind, day)))
    missed: set[tuple[str, str]] = set()
    for kind in required_kinds(has_committee=has_committee, has_groups=has_groups):
        for label, _first, last in periods(kind, year):
            if cutoff is not None and last > cutoff:
                continue
            if (kind, label) not in held:
                missed.add((kind, label))
    return missed


# Recurring plans ---------------------------------------------------------------------------------

LAST_WEEK = -1  # "the last Tuesday of each month"


def nth_weekday(year: int, month: int, *, weekday: int, week_of_month: int) -> date:
    """The `week_of_month`-th (1–4, or LAST_WEEK) `weekday` (0 = Monday) of a month: 支委会 on the
    second Tuesday is nth_weekday(2026, 3, weekday=1, week_of_month=2) = 2026-03-10."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
    if week_of_month not in (1, 2, 3, 4, LAST_WEEK):
        raise ValueError(f"week_of_month must be 1 to 4 or -1 (the last), not {week_of_month!r}")
    if week_of_month == LAST_WEEK:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, last.day - (last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return date(year, month, 1 + (weekday - first.weekday()) % 7 + 7 * (week_of_month - 1))


def recurring_days(*, kind: str, year: int, weekday: int, week_of_month: int) -> list[date]:
    """The days of a recurring plan in a year: one a period of the kind (each month for a monthly
    kind; the first month of each quarter for a quarterly one; January for the yearly one)."""
    return [
        nth_weekday(year, first.month, weekday=weekday, week_of_month=week_of_month)
        for _label, first, _last in periods(kind, year)
    ]


# QR check-in (扫码签到) -----------------------------------------------------------------------------

TOO_EARLY = "too_early"
CLOSED = "closed"


def checkin_window_problem(*, now: datetime, starts_at: datetime, ends_at: datetime, opens_minutes: int) -> str | None:
    """Why a scan at `now` may not check in (TOO_EARLY before `opens_minutes` before the start,
    CLOSED after the end), or None inside the window [start − opens_minutes, end]."""
    if now < starts_at - timedelta(minutes=opens_minutes):
        return TOO_EARLY
    if now > ends_at:
        return CLOSED
    return None


# 谈心谈话: every member talked with once a year -------------------------------------------------

# From this month on (the last quarter), members still without a talk this year wait on the
# secretary's to-do list: the 组织生活会 is usually held at the year's end, after the talks.
TALKS_DUE_FROM_MONTH = 10

M = TypeVar("M", bound=Hashable)


@dataclass(frozen=True)
class TalkCoverage:
    """How many of a branch's members were talked with in a year (谈心谈话 N/M)."""

    talked: int
    members: int

    @property
    def percent(self) -> int | None:
        return None if not self.members else round(self.talked * 100 / self.members)


def members_without_talk(*, year: int, members: Iterable[M], talks: Iterable[tuple[M, date]]) -> list[M]:
    """The members (in the order given) with no talk dated in `year` among `talks` — (member, day)
    pairs; a datetime counts on its own day, talks of other years and of others are ignored."""
    talked = {member for member, day in talks if _as_date(day).year == year}
    return [member for member in dict.fromkeys(members) if member not in talked]


def talk_coverage(*, year: int, members: Iterable[M], talks: Iterable[tuple[M, date]]) -> TalkCoverage:
    """The year's coverage: how many of `members` (each counted once) had a talk in `year`."""
    everyone = list(dict.fromkeys(members))
    return TalkCoverage(len(everyone) - len(members_without_talk(year=year, members=everyone, talks=talks)),
                        len(everyone))
