"""The counting and the proposal of the democratic evaluation (evaluation_rules), table-driven."""

from fractions import Fraction

import pytest

from dangwu.elections import evaluation_rules as rules
from dangwu.elections.evaluation_rules import BASIC, COMPETENT, EXCELLENT, INCOMPETENT, Count


def test_count_leaves_abstentions_out():
    tally = rules.count([EXCELLENT, EXCELLENT, "", COMPETENT, "nonsense", INCOMPETENT, BASIC])
    assert tally == Count(excellent=2, competent=1, basic=1, incompetent=1)
    assert tally.total == 5


@pytest.mark.parametrize("counts,expected", [
    ((0, 0, 0, 0), None),  # nobody rated: the committee decides
    ((3, 0, 0, 0), EXCELLENT),
    ((2, 1, 0, 0), EXCELLENT),  # 2/3 优秀
    ((1, 1, 0, 0), COMPETENT),  # exactly half 优秀 is not more than half
    ((2, 2, 0, 0), COMPETENT),
    ((3, 2, 0, 0), EXCELLENT),
    ((0, 2, 1, 0), COMPETENT),  # 基本合格 a third
    ((0, 1, 1, 0), COMPETENT),  # exactly half 基本合格 or worse: not more than half
    ((0, 1, 2, 0), BASIC),
    ((0, 1, 1, 1), BASIC),  # 基本合格 or worse two thirds, 不合格 one third
    ((0, 1, 0, 2), INCOMPETENT),
    ((0, 0, 1, 1), BASIC),  # 不合格 exactly half: not 不合格, yet all 基本合格 or worse
    ((3, 0, 0, 4), INCOMPETENT),  # the median, not the mode
    ((3, 1, 3, 0), COMPETENT),  # 优秀 3 of 7 not more than half, 基本合格 3 of 7 not more than half
])
def test_grade_of(counts, expected):
    assert rules.grade_of(Count(*counts)) == expected


def test_grade_of_with_another_excellent_share():
    assert rules.grade_of(Count(2, 1, 0, 0), excellent_share=Fraction(2, 3)) == COMPETENT
    assert rules.grade_of(Count(3, 1, 0, 0), excellent_share=Fraction(2, 3)) == EXCELLENT


@pytest.mark.parametrize("size,quota,expected", [(0, Fraction(3, 10), 0), (3, Fraction(3, 10), 0),
                                                 (4, Fraction(3, 10), 1), (10, Fraction(3, 10), 3),
                                                 (13, Fraction(3, 10), 3), (7, Fraction(1, 2), 3), (5, 1, 5)])
def test_quota_of(size, quota, expected):
    assert rules.quota_of(size, quota) == expected


@pytest.mark.parametrize("size,quota", [(-1, Fraction(3, 10)), (10, Fraction(11, 10)), (10, -1)])
def test_quota_of_refuses_nonsense(size, quota):
    with pytest.raises(ValueError):
        rules.quota_of(size, quota)


@pytest.mark.parametrize("counts,size,expected", [
    # under the quota: everyone keeps the grade of their ratings
    ({"a": Count(3, 0, 0, 0), "b": Count(0, 3, 0, 0)}, 4, {"a": EXCELLENT, "b": COMPETENT}),
    # 2 优秀 on a roster of 4 (quota 1): the higher share keeps 优秀
    ({"a": Count(3, 0, 0, 0), "b": Count(2, 1, 0, 0), "c": Count(0, 3, 0, 0), "d": Count(0, 1, 2, 0)}, 4,
     {"a": EXCELLENT, "b": COMPETENT, "c": COMPETENT, "d": BASIC}),
    # a tie at the quota line: none of the tied is 优秀
    ({"a": Count(3, 0, 0, 0), "b": Count(3, 0, 0, 0), "c": Count(0, 3, 0, 0), "d": Count(0, 3, 0, 0)}, 4,
     {"a": COMPETENT, "b": COMPETENT, "c": COMPETENT, "d": COMPETENT}),
    # quota 3 of 10: the three best shares keep 优秀, the tie below the line does not matter
    ({"a": Count(9, 0, 0, 0), "b": Count(8, 1, 0, 0), "c": Count(7, 2, 0, 0), "d": Count(6, 3, 0, 0),
      "e": Count(6, 3, 0, 0)}, 10,
     {"a": EXCELLENT, "b": EXCELLENT, "c": EXCELLENT, "d": COMPETENT, "e": COMPETENT}),
    # a tie above a cut one: the tied pair is above the line, both keep 优秀
    ({"a": Count(9, 0, 0, 0), "b": Count(9, 0, 0, 0), "c": Count(5, 4, 0, 0), "d": Count(5, 4, 0, 0)}, 10,
     {"a": EXCELLENT, "b": EXCELLENT, "c": COMPETENT, "d": COMPETENT}),
    # roster of 3: quota 0, nobody 优秀; 不合格 and unrated untouched by the quota
    ({"a": Count(2, 0, 0, 0), "b": Count(0, 0, 0, 2), "c": Count()}, 3, {"a": COMPETENT, "b": INCOMPETENT, "c": None}),
])
def test_propose(counts, size, expected):
    assert rules.propose(counts, roster_size=size) == expected


def test_propose_with_a_larger_quota():
    counts = {"a": Count(3, 0, 0, 0), "b": Count(3, 0, 0, 0)}
    assert rules.propose(counts, roster_size=3, quota=Fraction(2, 3)) == {"a": EXCELLENT, "b": EXCELLENT}
