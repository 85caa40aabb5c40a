"""Unit tests of the pure organization rules: terms of office and structure warnings."""

from __future__ import annotations

from datetime import date

import pytest

from dangwu.orgs import rules

# --- terms of office ---------------------------------------------------------------

@pytest.mark.parametrize("category, years", [
    ("village", 5), ("community", 5),
    ("other", 3), ("school", 3), ("state_enterprise", 3), ("township", 3), ("", 3),
])
def test_term_years(category, years):
    assert rules.term_years(category) == years


def test_term_end_is_the_same_day_years_later():
    assert rules.term_end(date(2023, 5, 10), "other") == date(2026, 5, 10)
    assert rules.term_end(date(2023, 5, 10), "village") == date(2028, 5, 10)
    assert rules.term_end(date(2023, 12, 31), "community") == date(2028, 12, 31)


@pytest.mark.parametrize("category, end", [("other", date(2027, 2, 28)), ("village", date(2029, 2, 28))])
def test_term_starting_on_29_february_ends_on_28_february(category, end):
    assert rules.term_end(date(2024, 2, 29), category) == end


def test_term_from_29_february_never_spills_into_march():
    for year in (1996, 2000, 2004, 2024, 2096):
        for category in ("other", "village"):
            end = rules.term_end(date(year, 2, 29), category)
            assert (end.month, end.day) == (2, 28)
            assert end.year == year + rules.term_years(category)


# --- structure warnings ------------------------------------------------------------

def codes(**kwargs) -> list[str]:
    args = dict(org_type="branch", full_members=5, all_members=5, committee_size=0)
    args.update(kwargs)
    return [w.code for w in rules.structure_warnings(**args)]


def test_healthy_branch_has_no_warnings():
    assert codes() == []


@pytest.mark.parametrize("org_type", ["branch", "joint_branch", "temporary_branch"])
def test_two_full_members_are_too_few_for_any_branch(org_type):
    assert codes(org_type=org_type, full_members=2, all_members=4) == ["too_few_members"]
    assert codes(org_type=org_type, full_members=3, all_members=3) == []


def test_too_few_counts_full_members_not_probationary_ones():
    assert "too_few_members" in codes(full_members=2, all_members=10)


@pytest.mark.parametrize("org_type", ["committee", "general_branch", "group", "party_group"])
def test_size_rules_do_not_apply_to_non_branches(org_type):
    assert codes(org_type=org_type, full_members=0, all_members=150, committee_size=0) == []


@pytest.mark.parametrize("full, committee, warned", [
    (6, 0, False),
    (7, 0, True),
    (7, 2, True),
    (7, 3, False),
    (7, 4, False),
    (7, 5, False),
    (7, 6, True),
    (20, 2, True),
])
def test_seven_full_members_need_a_committee_of_three_to_five(full, committee, warned):
    assert ("committee_needed" in codes(full_members=full, all_members=full, committee_size=committee)) is warned


@pytest.mark.parametrize("members, expected", [
    (50, []),
    (51, ["suggest_general_branch"]),
    (100, ["suggest_general_branch"]),
    (101, ["suggest_committee"]),
    (300, ["suggest_committee"]),
])
def test_member_count_suggests_a_general_branch_or_a_committee(members, expected):
    assert codes(full_members=members, all_members=members, committee_size=5) == expected


def test_probationary_members_count_toward_the_size_suggestions():
    assert codes(full_members=40, all_members=51, committee_size=5) == ["suggest_general_branch"]


@pytest.mark.parametrize("units, warned", [(1, False), (5, False), (6, True), (12, True)])
def test_joint_branch_covers_at_most_five_units(units, warned):
    assert ("joint_too_wide" in codes(org_type="joint_branch", units=units)) is warned


def test_unit_count_matters_only_for_joint_branches():
    assert codes(org_type="branch", units=9) == []


def test_expired_term_is_warned_for_any_organization():
    assert codes(term_expired=True) == ["term_expired"]
    assert codes(org_type="committee", term_expired=True) == ["term_expired"]
    assert "term_expired" not in codes(term_expired=False)


def test_warnings_accumulate_and_carry_messages():
    warnings = rules.structure_warnings(org_type="joint_branch", full_members=8, all_members=120,
                                        committee_size=1, units=7, term_expired=True)
    assert [w.code for w in warnings] == [
        "joint_too_wide", "committee_needed", "suggest_committee", "term_expired",
    ]
    assert all(w.message for w in warnings)
    assert "5" in warnings[0].message
    assert "100" in warnings[2].message


def test_term_end_past_the_calendar_is_a_validation_error_not_a_value_error():
    from django.core.exceptions import ValidationError

    for start in (date(9997, 1, 1), date(9999, 12, 31), date(9997, 2, 28)):
        with pytest.raises(ValidationError) as info:
            rules.term_end(start, "other")
        assert set(info.value.message_dict) == {"term_start"}
    assert rules.term_end(date(9996, 12, 31), "other") == date(9999, 12, 31)
    assert rules.term_end(date(9996, 2, 29), "other") == date(9999, 2, 28)


# --- where each type may stand (issue 12, finding 6) -----------------------------------------

@pytest.mark.parametrize("org_type, parent_type, child_types, members, keeps, expected", [
    ("committee", None, ["committee", "branch"], 0, True, {}),
    ("branch", None, [], 0, True, {"org_type": ["最高一级党组织只能是党委"]}),
    ("branch", "committee", ["committee"] * 9, 0, True,
     {"org_type": ["该党组织设有下级组织，不能改为此类别：党支部之下只能设党小组"]}),
    ("branch", "committee", ["group", "group"], 0, True, {}),
    ("general_branch", "committee", ["branch", "joint_branch"], 0, True, {}),
    ("general_branch", "committee", ["committee"], 0, True,
     {"org_type": ["该党组织设有下级组织，不能改为此类别：党总支之下只能设党支部"]}),
    ("committee", "branch", [], 0, True, {"org_type": ["党支部之下只能设党小组"]}),
    ("group", "branch", [], 0, False, {}),
    ("committee", "general_branch", [], 0, True, {"org_type": ["党总支之下只能设党支部"]}),
    ("branch", "group", [], 0, True, {"parent": ["党小组下不能再设党组织"]}),
    ("group", "committee", [], 0, False, {"org_type": ["党小组应设在党支部之下"]}),
    ("party_group", "committee", [], 12, False,
     {"org_type": ["该党组织有12名党员，此类别不能保留党员的组织关系，请先转出党员"]}),
    ("temporary_branch", "committee", [], 0, False, {}),
])
def test_placement_problems_cite_the_rule(org_type, parent_type, child_types, members, keeps, expected):
    assert rules.placement_problems(org_type=org_type, parent_type=parent_type, child_types=child_types,
                                    members=members, keeps_members=keeps) == expected
