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


# --- the amount in Chinese capitals (大写金额) of a receipt ------------------------------------

@pytest.mark.parametrize("amount, capitals", [
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("1", "壹元整"),
    ("10", "壹拾元整"),
    ("11", "壹拾壹元整"),
    ("20", "贰拾元整"),
    ("100", "壹佰元整"),
    ("101", "壹佰零壹元整"),
    ("110", "壹佰壹拾元整"),
    ("1005", "壹仟零伍元整"),
    ("1050", "壹仟零伍拾元整"),
    ("1500", "壹仟伍佰元整"),
    ("9999", "玖仟玖佰玖拾玖元整"),
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("100010", "壹拾万零壹拾元整"),
    ("123456", "壹拾贰万叁仟肆佰伍拾陆元整"),
    ("1000000", "壹佰万元整"),
    ("20003000", "贰仟万零叁仟元整"),
    ("100000000", "壹亿元整"),
    ("100000001", "壹亿零壹元整"),
    ("100010000", "壹亿零壹万元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("1000000000", "壹拾亿元整"),
    ("1234567890.12", "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    # jiao without fen: 整 after 角
    ("0.50", "伍角整"),
    ("0.5", "伍角整"),
    ("12.30", "壹拾贰元叁角整"),
    ("1000.50", "壹仟元伍角整"),
    # fen without jiao: 零 for the missing 角, no 整 after 分
    ("0.05", "伍分"),
    ("103.05", "壹佰零叁元零伍分"),
    ("10.05", "壹拾元零伍分"),
    ("100.05", "壹佰元零伍分"),
    # both
    ("0.15", "壹角伍分"),
    ("0.20", "贰角整"),
    ("241.40", "贰佰肆拾壹元肆角整"),
    ("3.28", "叁元贰角捌分"),
    ("30.08", "叁拾元零捌分"),
])
def test_amount_in_capitals(amount, capitals):
    assert rules.amount_in_capitals(D(amount)) == capitals
    assert rules.amount_in_capitals(amount) == capitals  # text as a form or the database gives it


def test_amount_in_capitals_of_ints_and_receipt_sums():
    assert rules.amount_in_capitals(50) == "伍拾元整"
    assert rules.amount_in_capitals(D("50") + D("53.05")) == "壹佰零叁元零伍分"


@pytest.mark.parametrize("amount", ["-0.01", "-5", "0.001", "1.005", "1000000000000", "abc", "", "NaN", "Infinity"])
def test_amount_in_capitals_refuses_what_a_receipt_cannot_carry(amount):
    with pytest.raises(ValueError):
        rules.amount_in_capitals(amount)


def test_amount_in_capitals_every_digit_reads_back():
    """Each amount up to 10 000.00 in steps that touch every place reads back to its figure: the
    capitals are parsed by an independent reading and compared (no two amounts share capitals)."""
    digits = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
    places = {"拾": 10, "佰": 100, "仟": 1000}

    def read(text: str) -> D:
        text = text.removesuffix("整")
        yuan_text, _sep, small = text.partition("元") if "元" in text else ("", "", text)
        total = 0
        section = 0
        digit = 0
        for char in yuan_text:
            if char in digits:
                digit = digits[char]
            elif char in places:
                section += digit * places[char]
                digit = 0
            elif char == "万":
                total += (section + digit) * 10000
                section = digit = 0
        total += section + digit
        cents = 0
        for char, next_char in zip(small, small[1:], strict=False):
            if char in digits and next_char == "角":
                cents += digits[char] * 10
            elif char in digits and next_char == "分":
                cents += digits[char]
        return D(total) + D(cents) / 100

    seen = set()
    for yuan in [*range(0, 1200), *range(1200, 100001, 97)]:
        for cents in (0, 5, 40, 99):
            amount = D(yuan) + D(cents) / 100
            capitals = rules.amount_in_capitals(amount)
            assert read(capitals) == amount, (amount, capitals)
            assert "零零" not in capitals and not capitals.startswith("零") or capitals == "零元整"
            seen.add(capitals)
    assert len(seen) == len([*range(0, 1200), *range(1200, 100001, 97)]) * 4


@pytest.mark.parametrize("day,expected", [
    (None, "missing"), ("2026-11-01", "missing"), (date(2026, 11, 16), "future"), (date(2026, 11, 15), None),
    (date(2026, 5, 1), None), (date(2026, 4, 30), "back"),
])
def test_payment_date_problem(day, expected):
    """One rule for the date of a payment and of a bank transfer paying dues (today 2026-11-15)."""
    assert rules.payment_date_problem(day, date(2026, 11, 15)) == expected
