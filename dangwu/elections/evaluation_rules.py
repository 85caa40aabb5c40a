"""Pure rules of the democratic evaluation of members (民主评议党员): the grades, the counting of one
member's ratings and the committee's proposal from them. No database, no request.

SPEC B names the four grades and the steps, not a counting rule; the defaults below are this
platform's (decision 0032), configurable in settings, and the committee may change any proposal
with a reason — the proposal is a suggestion, the branch meeting decides:

- a member's suggested grade is the *median* of the ratings cast for them (abstentions left out):
  不合格 when more than half of the ratings are 不合格; else 基本合格 when more than half are 基本合格
  or worse; else 优秀 when the 优秀 ratings reach `excellent_share` (default: more than half,
  i.e. the share must be strictly greater than 0.5); else 合格;
- at most `quota` of the roster (default 30 %, rounded down) may be suggested 优秀: those with the
  highest share of 优秀 ratings first; where the last places tie, none of the tied is suggested
  优秀 over the quota (they fall to 合格, and the committee decides);
- a member nobody rated gets no suggestion (None): the committee proposes by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeVar

EXCELLENT = "excellent"  # 优秀
COMPETENT = "competent"  # 合格
BASIC = "basic"  # 基本合格
INCOMPETENT = "incompetent"  # 不合格
GRADES = (EXCELLENT, COMPETENT, BASIC, INCOMPETENT)  # best first
NEEDS_APPROVAL = frozenset({EXCELLENT, INCOMPETENT})  # 优秀 and 不合格 go up to the superior committee

# The measures for a member found 不合格 (《中国共产党党员权利保障条例》, 民主评议党员的意见):
CORRECT = "correct"  # 限期改正
ADVISE_WITHDRAWAL = "advise_withdrawal"  # 劝其退党
REMOVE = "remove"  # 除名
MEASURES = (CORRECT, ADVISE_WITHDRAWAL, REMOVE)

DEFAULT_EXCELLENT_SHARE = Fraction(1, 2)  # 优秀 needs more than this share of the ratings cast
DEFAULT_QUOTA = Fraction(3, 10)  # 优秀 at most this share of the roster

K = TypeVar("K")


@dataclass(frozen=True)
class Count:
    """The ratings cast for one member: how many of each grade (abstentions are not ratings)."""

    excellent: int = 0
    competent: int = 0
    basic: int = 0
    incompetent: int = 0

    @property
    def total(self) -> int:
        return self.excellent + self.competent + self.basic + self.incompetent

    def of(self, grade: str) -> int:
        return int(getattr(self, grade))


def count(grades: Iterable[str]) -> Count:
    """Count one member's ratings; anything that is not one of the four grades is an abstention."""
    seen = {g: 0 for g in GRADES}
    for grade in grades:
        if grade in seen:
            seen[grade] += 1
    return Count(**seen)


def quota_of(roster_size: int, quota: Fraction = DEFAULT_QUOTA) -> int:
    """How many of the roster may be 优秀 at most: `quota` of it, rounded down."""
    if roster_size < 0 or not 0 <= quota <= 1:
        raise ValueError("roster_size must be ≥ 0 and quota within [0, 1]")
    return int(Fraction(roster_size) * quota)


def grade_of(tally: Count, *, excellent_share: Fraction = DEFAULT_EXCELLENT_SHARE) -> str | None:
    """One member's grade from their ratings alone, before the quota (see the module's docstring)."""
    n = tally.total
    if n == 0:
        return None
    if tally.incompetent * 2 > n:
        return INCOMPETENT
    if (tally.basic + tally.incompetent) * 2 > n:
        return BASIC
    if Fraction(tally.excellent, n) > excellent_share:
        return EXCELLENT
    return COMPETENT


def propose(counts: Mapping[K, Count], *, roster_size: int, excellent_share: Fraction = DEFAULT_EXCELLENT_SHARE,
            quota: Fraction = DEFAULT_QUOTA) -> dict[K, str | None]:
    """The suggested grade of every member of `counts` (keyed as given), the 优秀 quota applied."""
    out = {key: grade_of(tally, excellent_share=excellent_share) for key, tally in counts.items()}
    excellent = [key for key, grade in out.items() if grade == EXCELLENT]
    seats = quota_of(roster_size, quota)
    if len(excellent) > seats:
        def share(key: K) -> Fraction:
            return Fraction(counts[key].excellent, counts[key].total)

        ranked = sorted(excellent, key=share, reverse=True)
        kept = ranked[:seats]
        if seats and len(ranked) > seats and share(ranked[seats]) == share(kept[-1]):
            line = share(kept[-1])  # the last place ties with the first left out: none of the tied
            kept = [key for key in kept if share(key) > line]
        for key in excellent:
            if key not in kept:
                out[key] = COMPETENT
    return out
