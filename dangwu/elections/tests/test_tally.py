"""`rules.tally` against the 2020 基层组织选举工作条例, table-driven: the quorum's edges (8 of 10
fails, 9 of 10 holds), the 120 % margin, exactly half of those present, ties at and below the
majority, write-ins (另选他人), void and blank ballots, and bad arguments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangwu.elections.rules import tally

FIVE = ["甲", "乙", "丙", "丁", "戊", "己"]  # 6 candidates for 5 seats: exactly 120 %


def _ballots(*groups: tuple[int, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """(how many, names marked "for") -> that many ballots."""
    return [names for n, names in groups for _ in range(n)]


@pytest.mark.parametrize(("electorate", "present", "valid"), [
    (10, 8, False),  # exactly 4/5: not MORE than 4/5
    (10, 9, True),
    (10, 10, True),
    (5, 4, False),
    (6, 5, True),  # 5/6 > 4/5
    (100, 80, False),
    (100, 81, True),
    (0, 0, False),
])
def test_quorum_is_more_than_four_fifths_of_the_electorate(electorate, present, valid):
    result = tally(seats=1, candidates=["甲", "乙"], electorate=electorate, present=present, ballots=[])
    assert result.valid is valid
    assert result.reason == (None if valid else "quorum")
    if not valid:
        assert result.elected == [] and result.votes == {} and result.tied == []


@pytest.mark.parametrize(("seats", "candidates", "contested", "valid"), [
    (5, 6, True, True),  # 6 = 120 % of 5
    (5, 5, True, False),
    (7, 8, True, False),  # 8 < 8.4
    (7, 9, True, True),
    (10, 12, True, True),
    (10, 11, True, False),
    (1, 1, True, False),
    (1, 2, True, True),
    (1, 1, False, True),  # 等额: a committee electing its secretary
    (3, 3, False, True),
])
def test_a_contested_election_needs_candidates_at_least_120_percent_of_the_seats(seats, candidates, contested, valid):
    names = [f"候选人{i}" for i in range(candidates)]
    result = tally(seats=seats, candidates=names, electorate=10, present=10, ballots=[], contested=contested)
    assert result.valid is valid and result.reason == (None if valid else "margin")


def test_duplicate_names_on_the_list_count_once_for_the_margin():
    result = tally(seats=5, candidates=["甲", "乙", "丙", "丁", "戊", "戊"], electorate=10, present=10, ballots=[])
    assert (result.valid, result.reason) == (False, "margin")


def test_the_checks_come_in_order_quorum_then_margin_then_ballots():
    too_many = [("甲",)] * 9
    assert tally(seats=5, candidates=["甲"], electorate=10, present=8, ballots=too_many).reason == "quorum"
    assert tally(seats=5, candidates=["甲"], electorate=10, present=9, ballots=too_many * 2).reason == "margin"
    assert tally(seats=1, candidates=["甲", "乙"], electorate=10, present=9, ballots=too_many + [()]).reason == "ballots"


def test_as_many_ballots_as_present_is_valid_and_fewer_too():
    assert tally(seats=1, candidates=["甲", "乙"], electorate=10, present=9, ballots=[("甲",)] * 9).valid
    assert tally(seats=1, candidates=["甲", "乙"], electorate=10, present=9, ballots=[("甲",)] * 6).valid


@pytest.mark.parametrize(("for_votes", "present", "elected"), [
    (5, 10, False),  # exactly half: not more than half
    (6, 10, True),
    (5, 9, True),  # 5 > 4.5
    (4, 9, False),
    (46, 91, True),
    (45, 91, False),
])
def test_elected_only_with_for_votes_from_more_than_half_of_those_present(for_votes, present, elected):
    ballots = _ballots((for_votes, ("甲",)), (present - for_votes, ("乙",)) if for_votes * 2 != present else (0, ()))
    ballots += [()] * (present - len(ballots))
    result = tally(seats=1, candidates=["甲", "乙"], electorate=present, present=present, ballots=ballots)
    assert result.votes["甲"] == for_votes
    assert ("甲" in result.elected) is elected
    assert result.shortfall == (0 if result.elected else 1)


def test_the_base_is_those_present_not_the_ballots_returned():
    # 10 present, 7 ballots returned: 5 votes is half of those present, not more (5 > 3.5 of the ballots)
    result = tally(seats=1, candidates=["甲", "乙"], electorate=10, present=10,
                   ballots=_ballots((5, ("甲",)), (2, ("乙",))))
    assert result.elected == [] and result.shortfall == 1


def test_more_qualify_than_seats_the_highest_are_elected_highest_first():
    result = tally(seats=2, candidates=["甲", "乙", "丙"], electorate=10, present=10, ballots=_ballots(
        (6, ("甲", "乙")), (2, ("丙", "甲")), (2, ("丙", "乙"))))
    # 甲 8 and 乙 8 fill the two seats between them: equal votes inside the seats are no tie
    assert result.votes == {"甲": 8, "乙": 8, "丙": 4}
    assert result.elected == ["甲", "乙"] and result.tied == [] and result.shortfall == 0
    result = tally(seats=2, candidates=["甲", "乙", "丙"], electorate=10, present=10, ballots=_ballots(
        (6, ("丙", "乙")), (3, ("甲", "乙")), (1, ("甲", "丙"))))
    assert result.votes == {"甲": 4, "乙": 9, "丙": 7}
    assert result.elected == ["乙", "丙"]


def test_a_tie_at_the_last_seat_among_those_who_qualify_goes_to_a_revote():
    # 3 seats; 甲 9, and 乙 丙 丁 7 each, all more than half of 10: the third seat falls among three
    result = tally(seats=3, candidates=["甲", "乙", "丙", "丁"], electorate=10, present=10, ballots=_ballots(
        (3, ("甲", "乙", "丙")), (3, ("甲", "乙", "丁")), (3, ("甲", "丙", "丁")), (1, ("乙", "丙", "丁"))))
    assert result.votes == {"甲": 9, "乙": 7, "丙": 7, "丁": 7}
    assert result.elected == ["甲"] and result.tied == ["乙", "丙", "丁"] and result.shortfall == 0


def test_no_tie_when_the_next_name_has_fewer_votes():
    result = tally(seats=3, candidates=["甲", "乙", "丙", "丁"], electorate=10, present=10, ballots=_ballots(
        (6, ("甲", "乙", "丙")), (3, ("甲", "丁")), (1, ("乙", "丙", "丁"))))
    assert result.votes == {"甲": 9, "乙": 7, "丙": 7, "丁": 4}
    assert result.elected == ["甲", "乙", "丙"] and result.tied == []
    result = tally(seats=2, candidates=["甲", "乙", "丙", "丁"], electorate=10, present=10, ballots=_ballots(
        (4, ("甲", "乙")), (3, ("甲", "丙")), (3, ("乙", "丙"))))
    assert result.votes == {"甲": 7, "乙": 7, "丙": 6, "丁": 0}
    assert result.elected == ["甲", "乙"] and result.tied == []  # 丙 qualifies too, but below the last seat


def test_names_equal_at_the_last_seat_are_tied_and_only_those_above_are_elected():
    # 2 seats: 甲 9; 乙 and 丙 both 7 (> 6 of 12) for the second seat
    result = tally(seats=2, candidates=["甲", "乙", "丙"], electorate=12, present=12, ballots=_ballots(
        (5, ("甲", "乙")), (4, ("甲", "丙")), (2, ("乙", "丙")), (1, ("丙",))))
    assert result.votes == {"甲": 9, "乙": 7, "丙": 7}
    assert result.elected == ["甲"] and result.tied == ["乙", "丙"] and result.shortfall == 0


def test_a_tie_for_every_seat():
    result = tally(seats=2, candidates=["甲", "乙", "丙"], electorate=9, present=9, ballots=_ballots(
        (3, ("甲", "乙")), (3, ("乙", "丙")), (3, ("甲", "丙"))))
    assert result.votes == {"甲": 6, "乙": 6, "丙": 6}
    assert result.elected == [] and result.tied == ["甲", "乙", "丙"] and result.shortfall == 0


def test_a_tie_below_the_majority_does_not_matter():
    # 2 seats; 甲 8 elected; 乙 and 丙 3 each: neither qualifies, one seat short, nobody tied
    result = tally(seats=2, candidates=["甲", "乙", "丙"], electorate=10, present=10, ballots=_ballots(
        (3, ("甲", "乙")), (3, ("甲", "丙")), (2, ("甲",)), (2, ())))
    assert result.votes == {"甲": 8, "乙": 3, "丙": 3}
    assert result.elected == ["甲"] and result.tied == [] and result.shortfall == 1


def test_a_tie_at_exactly_half_is_no_majority():
    result = tally(seats=1, candidates=["甲", "乙"], electorate=10, present=10, ballots=_ballots(
        (5, ("甲",)), (5, ("乙",))))
    assert result.elected == [] and result.tied == [] and result.shortfall == 1


def test_equal_votes_inside_the_seats_are_no_tie():
    result = tally(seats=3, candidates=["甲", "乙", "丙", "丁"], electorate=10, present=10, ballots=_ballots(
        (8, ("甲", "乙", "丙")), (2, ("丁",))))
    assert result.elected == ["甲", "乙", "丙"] and result.tied == []


def test_write_ins_count_like_any_other_name():
    result = tally(seats=1, candidates=["甲", "乙"], electorate=10, present=10, ballots=_ballots(
        (6, ("庚",)), (4, ("甲",))))
    assert result.votes == {"甲": 4, "乙": 0, "庚": 6}
    assert result.elected == ["庚"]


def test_a_ballot_marking_more_names_than_seats_is_void_and_its_marks_ignored():
    result = tally(seats=2, candidates=["甲", "乙", "丙"], electorate=10, present=10, ballots=_ballots(
        (6, ("甲", "乙", "丙")), (4, ("甲",))))
    assert result.void_ballots == 6
    assert result.votes == {"甲": 4, "乙": 0, "丙": 0}
    assert result.elected == [] and result.shortfall == 2  # 4 is not more than half of the 10 present


def test_a_write_in_beside_the_seats_makes_a_ballot_void_too():
    result = tally(seats=1, candidates=["甲", "乙"], electorate=10, present=10,
                   ballots=_ballots((9, ("甲",)), (1, ("乙", "庚"))))
    assert result.void_ballots == 1 and result.votes == {"甲": 9, "乙": 0} and result.elected == ["甲"]


def test_a_blank_ballot_abstains_and_is_valid():
    result = tally(seats=1, candidates=["甲", "乙"], electorate=10, present=10,
                   ballots=_ballots((6, ("甲",)), (4, ())))
    assert result.void_ballots == 0 and result.elected == ["甲"]


def test_a_name_marked_twice_on_one_ballot_counts_once():
    result = tally(seats=1, candidates=["甲", "乙"], electorate=10, present=10,
                   ballots=[["甲", "甲"]] * 6 + [[]] * 4)
    assert result.void_ballots == 0 and result.votes["甲"] == 6 and result.elected == ["甲"]


def test_shortfall_counts_the_seats_nobody_qualified_for():
    result = tally(seats=3, candidates=["甲", "乙", "丙", "丁"], electorate=10, present=10, ballots=_ballots(
        (6, ("甲", "乙")), (4, ("丙",))))
    assert result.elected == ["甲", "乙"] and result.shortfall == 1
    result = tally(seats=3, candidates=["甲", "乙", "丙", "丁"], electorate=10, present=10, ballots=[()] * 10)
    assert result.elected == [] and result.shortfall == 3


@pytest.mark.parametrize("arguments", [
    {"seats": 0}, {"seats": -1}, {"present": 11}, {"electorate": -1, "present": 0}, {"present": -1},
    {"seats": 1.5}, {"seats": True}, {"ballots": "甲乙"}, {"ballots": [1]}, {"candidates": "甲乙"},
])
def test_bad_arguments_raise_value_error(arguments):
    base = {"seats": 1, "candidates": ["甲", "乙"], "electorate": 10, "present": 10, "ballots": []}
    with pytest.raises(ValueError):
        tally(**{**base, **arguments})


names = st.sampled_from(["甲", "乙", "丙", "丁", "戊", "庚"])


@given(seats=st.integers(1, 4), present=st.integers(0, 30), extra=st.integers(0, 5),
       ballots=st.lists(st.frozensets(names, max_size=5), max_size=30))
def test_invariants(seats, present, extra, ballots):
    """Whatever the votes: nobody elected without a majority, never more than the seats, the seats
    add up, and a void ballot's marks never count."""
    ballots = ballots[:present]
    result = tally(seats=seats, candidates=["甲", "乙", "丙", "丁", "戊"], electorate=present + extra,
                   present=present, ballots=ballots, contested=False)
    if not result.valid:
        assert result.elected == [] and result.reason in ("quorum", "ballots")
        return
    assert len(result.elected) <= seats
    assert all(result.votes[n] * 2 > present for n in result.elected + result.tied)
    assert result.void_ballots == sum(1 for b in ballots if len(b) > seats)
    assert sum(result.votes.values()) == sum(len(b) for b in ballots if len(b) <= seats)
    if result.tied:
        assert len(result.elected) < seats < len(result.elected) + len(result.tied) and result.shortfall == 0
    else:
        assert len(result.elected) + result.shortfall == seats
    assert result.elected == sorted(result.elected, key=lambda n: -result.votes[n])
