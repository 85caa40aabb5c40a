"""The dues rule of 2008 as a table, at every bracket edge, and the pure helpers."""

from datetime import date
from decimal import Decimal as D

import pytest

from dangwu.dues import rules

EDGES = [
    # employed: the rate applies to the whole base; brackets include their upper bound
    ("employed", "0", "0.00"),
    ("employed", "1", "0.01"),  # 0.005 half-up
    ("employed", "3000", "15.00"),
    ("employed", "3000.01", "30.00"),
    ("employed", "5000", "50.00"),
    ("employed", "5000.01", "75.00"),
    ("employed", "10000", "150.00"),
    ("employed", "10000.01", "200.00"),
    ("employed", "2999.99", "15.00"),
    ("employed", "4321.50", "43.22"),  # 43.215 half-up
    ("employed", "20000", "400.00"),
    # retired: pension base
    ("retired", "5000", "25.00"),
    ("retired", "5000.01", "50.00"),
    ("retired", "3000", "15.00"),
    ("retired", "8888.88", "88.89"),
    ("retired", "1", "0.01"),
    # fixed amounts, whatever the base
    ("student", "0", "0.20"),
    ("student", "12000", "0.20"),
    ("unemployed", "0", "0.20"),
    ("relief", "800", "0.20"),
    ("farmer", "0", "0.20"),
]


@pytest.mark.parametrize("category,base,expected", EDGES)
def test_monthly_dues_at_every_edge(category, base, expected):
    assert rules.monthly_dues(category, D(base)) == D(expected)


@pytest.mark.parametrize("base", [D("3000"), "3000", 3000])
def test_base_as_decimal_text_or_int(base):
    assert rules.monthly_dues("employed", base) == D("15.00")


@pytest.mark.parametrize("amount,expected", [("0.20", "0.20"), ("0.5", "0.50"), ("1.00", "1.00"), ("1", "1.00")])
def test_farmer_amount_set_by_the_branch(amount, expected):
    assert rules.monthly_dues("farmer", D("0"), farmer_amount=D(amount)) == D(expected)


@pytest.mark.parametrize("category,base,kwargs,message", [
    ("employed", D("-0.01"), {}, "negative"),
    ("retired", D("-1"), {}, "negative"),
    ("student", D("-5"), {}, "negative"),
    ("teacher", D("100"), {}, "unknown dues category"),
    ("", D("100"), {}, "unknown dues category"),
    ("employed", "abc", {}, "not a number"),
    ("employed", "", {}, "not a number"),
    ("employed", None, {}, "must be"),
    ("employed", 3000.0, {}, "must be"),
    ("employed", D("NaN"), {}, "finite"),
    ("employed", D("Infinity"), {}, "finite"),
    ("employed", [], {}, "must be"),
    ("farmer", D("0"), {"farmer_amount": D("0.19")}, "between 0.20 and 1.00"),
    ("farmer", D("0"), {"farmer_amount": D("1.01")}, "between 0.20 and 1.00"),
    ("farmer", D("0"), {"farmer_amount": "x"}, "not a number"),
])
def test_bad_input_raises_value_error_with_a_clear_message(category, base, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rules.monthly_dues(category, base, **kwargs)


def test_every_category_has_a_rule():
    for category in rules.CATEGORIES:
        assert rules.monthly_dues(category, D("4000")) > 0


def test_months_across_year_ends():
    assert rules.add_months(date(2025, 12, 1), 1) == date(2026, 1, 1)
    assert rules.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert rules.add_months(date(2026, 3, 1), -15) == date(2024, 12, 1)
    assert rules.months_between(date(2025, 11, 30), date(2026, 2, 1)) == 3
    assert rules.month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert rules.month_end(date(2025, 12, 1)) == date(2025, 12, 31)
    assert rules.parse_month("2026-03") == date(2026, 3, 1)
    for bad in ("2026-13", "26-3", "x", "", "2026/03"):
        with pytest.raises(ValueError):
            rules.parse_month(bad)


def _months(*pairs):
    return {date(y, m, 1) for y, m in pairs}


def test_arrears_counted_across_year_ends():
    unpaid = _months((2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2))
    assert rules.months_owed(unpaid, upto=date(2026, 2, 1)) == 5
    assert rules.months_owed(unpaid, upto=date(2025, 12, 15)) == 3
    assert rules.consecutive_unpaid(unpaid, upto=date(2026, 2, 1)) == 5
    assert rules.consecutive_unpaid(unpaid, upto=date(2026, 3, 1)) == 0  # March paid (or not assessed)
    assert rules.longest_unpaid_run(unpaid | _months((2025, 5))) == 5


def test_six_consecutive_months_is_the_self_departure_rule():
    five = _months((2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1))
    six = five | _months((2026, 2))
    assert rules.arrears_level(rules.consecutive_unpaid(five, upto=date(2026, 1, 1))) == "warning"
    assert rules.arrears_level(rules.consecutive_unpaid(six, upto=date(2026, 2, 1))) == "self_departure"
    # six months owed but not consecutive: a warning, not the 6-month rule
    gap = six - _months((2025, 11))
    assert rules.months_owed(gap, upto=date(2026, 2, 1)) == 5
    assert rules.consecutive_unpaid(gap, upto=date(2026, 2, 1)) == 3
    assert rules.arrears_level(3) == "warning"
    assert rules.arrears_level(2) == ""


def test_back_payment_window_and_advance_within_the_year():
    today = date(2026, 3, 15)
    assert rules.payable_window(today) == (date(2025, 9, 1), date(2026, 12, 1))
    assert rules.month_payable_error(date(2025, 9, 1), today) is None  # 6 months back
    assert rules.month_payable_error(date(2025, 8, 1), today) == "back"  # 7 months back
    assert rules.month_payable_error(date(2026, 12, 1), today) is None
    assert rules.month_payable_error(date(2027, 1, 1), today) == "advance"


def test_voluntary_payment_of_1000_or_more_goes_to_the_centre():
    assert rules.forwarded_to_centre(D("1000")) is True
    assert rules.forwarded_to_centre(D("999.99")) is False


def test_collection_rate():
    assert rules.collection_rate(D("1"), D("3")) == D("33.3")
    assert rules.collection_rate(D("0"), D("0")) is None


# --- the category a declaration starts from ------------------------------------------------------

@pytest.mark.parametrize(("occupation", "category"), [
    ("retired", "retired"),
    ("farmer", "farmer"),
    ("student", "student"),
    ("unemployed", "unemployed"),
    ("employed", "employed"),
    ("self_employed", "employed"),  # pays as employed on the base the branch declares
    ("civil_servant", "employed"),
    ("professional", "employed"),
    ("military", "employed"),
    ("other", "employed"),
    ("", "employed"),  # nothing recorded
    (None, "employed"),
])
def test_category_for_occupation(occupation, category):
    assert rules.category_for_occupation(occupation) == category
    assert category in rules.CATEGORIES


def test_every_occupation_has_a_category():
    from dangwu.members.models import Occupation

    assert {rules.category_for_occupation(o) for o in Occupation.values} <= set(rules.CATEGORIES)
    assert set(rules.CATEGORY_BY_OCCUPATION) <= set(Occupation.values)


def test_the_first_month_is_the_month_of_admission():
    assert rules.first_month(date(2024, 2, 29)) == date(2024, 2, 1)
    assert rules.first_month(date(2025, 12, 31)) == date(2025, 12, 1)
