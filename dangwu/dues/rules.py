"""Pure rules of party dues (党费): the 2008 standard of the Central Organization Department,
month arithmetic, arrears, back payment and the 自行脱党 rule. No database, no request.

The amounts are in yuan as `Decimal`, rounded half-up to the fen (0.01).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from dangwu.core.dates import add_months, month_start
from dangwu.core.dates import months_between as months_between  # re-exported: services count months with it
from dangwu.core.validators import without_negative_zero

FEN = Decimal("0.01")

EMPLOYED = "employed"  # 在岗职工 (also annual-salary and self-employed members: the branch declares the base)
RETIRED = "retired"  # 离退休 (base: the pension actually received)
FARMER = "farmer"  # 农牧渔民
STUDENT = "student"  # 学生
UNEMPLOYED = "unemployed"  # 下岗失业
RELIEF = "relief"  # 依靠抚恤或救济生活、领取最低生活保障金
CATEGORIES = (EMPLOYED, RETIRED, FARMER, STUDENT, UNEMPLOYED, RELIEF)
CATEGORIES_WITH_BASE = (EMPLOYED, RETIRED)

FIXED_AMOUNT = Decimal("0.20")  # students, the unemployed, relief recipients
FARMER_MIN = Decimal("0.20")
FARMER_MAX = Decimal("1.00")

# (upper bound included, rate); the rate applies to the whole base.
EMPLOYED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("3000"), Decimal("0.005")),
    (Decimal("5000"), Decimal("0.01")),
    (Decimal("10000"), Decimal("0.015")),
    (None, Decimal("0.02")),
)
RETIRED_BRACKETS: tuple[tuple[Decimal | None, Decimal], ...] = (
    (Decimal("5000"), Decimal("0.005")),
    (None, Decimal("0.01")),
)

BACK_PAYMENT_MONTHS = 6  # at most 6 past months may be paid back (补交)
ARREARS_WARNING_MONTHS = 3  # a warning to the branch
SELF_DEPARTURE_MONTHS = 6  # 连续6个月不交纳党费 (without good reason): regarded as having left the party
CENTRE_THRESHOLD = Decimal("1000")  # a single voluntary payment of ≥ 1000 yuan is forwarded whole to the Centre


def to_decimal(value: Any, *, name: str = "base") -> Decimal:
    """A finite Decimal from a Decimal, an int or numeric text; ValueError otherwise (floats are refused:
    0.1 + 0.2 is not money)."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise ValueError(f"{name} must be a Decimal, an int or numeric text, not {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{name} is not a number: {value!r}") from None
    else:
        raise ValueError(f"{name} must be a Decimal, an int or numeric text, not {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{name} is not a finite number: {value!r}")
    return without_negative_zero(number)  # "-0" is 0: not stored as -0.00


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def _rate(brackets: tuple[tuple[Decimal | None, Decimal], ...], base: Decimal) -> Decimal:
    for upper, rate in brackets:
        if upper is None or base <= upper:
            return rate
    raise AssertionError("the last bracket has no upper bound")


def monthly_dues(category: str, base: Any, *, farmer_amount: Any = Decimal("0.20")) -> Decimal:
    """The monthly dues in yuan, half-up to the fen.

    employed: ≤3000 → 0.5 %; ≤5000 → 1 %; ≤10000 → 1.5 %; above → 2 % of the whole base.
    retired: ≤5000 → 0.5 %; above → 1 %. farmer: `farmer_amount` (the branch sets 0.20–1.00).
    student, unemployed, relief: 0.20. The base is checked for every category (it is 0 where
    it does not matter). ValueError on a negative or non-numeric base, an unknown category or a
    farmer amount outside 0.20–1.00.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown dues category {category!r}; expected one of {', '.join(CATEGORIES)}")
    amount_base = to_decimal(base, name="base")
    if amount_base < 0:
        raise ValueError(f"base must not be negative: {amount_base}")
    if category == EMPLOYED:
        return round_fen(amount_base * _rate(EMPLOYED_BRACKETS, amount_base))
    if category == RETIRED:
        return round_fen(amount_base * _rate(RETIRED_BRACKETS, amount_base))
    if category == FARMER:
        amount = to_decimal(farmer_amount, name="farmer_amount")
        if not FARMER_MIN <= amount <= FARMER_MAX:
            raise ValueError(f"farmer_amount must be between {FARMER_MIN} and {FARMER_MAX} yuan: {amount}")
        return round_fen(amount)
    return FIXED_AMOUNT


# The category a declaration starts from, read off the member record's 人员类别 (`Member.occupation`).
# Only the first guess: the branch confirms or changes it when it declares (a member on relief,
# 依靠抚恤或救济生活, cannot be seen on the record; a self-employed member or one on an annual
# salary pays as employed, on the base the branch declares).
CATEGORY_BY_OCCUPATION = {"retired": RETIRED, "farmer": FARMER, "student": STUDENT, "unemployed": UNEMPLOYED}


def category_for_occupation(occupation: str | None) -> str:
    """The dues category (`CATEGORIES`) suggested for a member of this occupation: 离退休人员 →
    retired, 农牧渔民 → farmer, 学生 → student, 下岗失业人员 → unemployed; any other occupation, or
    none recorded, → employed."""
    return CATEGORY_BY_OCCUPATION.get(occupation or "", EMPLOYED)


# --- months ------------------------------------------------------------------------------
# A dues month is the date of its first day. `month_start`, `add_months` and `months_between` are
# the platform's calendar arithmetic (`dangwu.core.dates`), imported at the top: added to a month's
# first day, `add_months` gives the first day of the other month.

def month_end(month: date) -> date:
    return add_months(month_start(month), 1) - timedelta(days=1)


def first_month(joined_on: date) -> date:
    """The first month a member pays: the month of admission (probationary members included)."""
    return month_start(joined_on)


def months_of_year(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


def parse_month(text: str) -> date:
    """"2026-03" (or "2026-03-01") → date(2026, 3, 1); ValueError otherwise."""
    value = (text or "").strip()
    parts = value.split("-")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    year, month = int(parts[0]), int(parts[1])
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return date(year, month, 1)


# --- paying -------------------------------------------------------------------------------

def payable_window(today: date) -> tuple[date, date]:
    """(earliest, latest) month a payment may cover today: back payments at most 6 months before
    the current month, advance payments up to December of the current year."""
    current = month_start(today)
    return add_months(current, -BACK_PAYMENT_MONTHS), date(current.year, 12, 1)


def month_payable_error(month: date, today: date) -> str | None:
    """Why this month may not be paid today ("back" or "advance"), or None."""
    earliest, latest = payable_window(today)
    if month < earliest:
        return "back"
    if month > latest:
        return "advance"
    return None


def payment_date_problem(day: object, today: date) -> str | None:
    """Why a payment (or a bank transfer paying dues) may not be dated `day`: "missing" (no date),
    "future" (after today) or "back" (more than the 6 months a back payment may reach); None."""
    if not isinstance(day, date):
        return "missing"
    if day > today:
        return "future"
    if months_between(day, today) > BACK_PAYMENT_MONTHS:
        return "back"
    return None


def forwarded_to_centre(voluntary_amount: Decimal) -> bool:
    """A single voluntary payment of 1000 yuan or more is forwarded whole to the Centre (全额上缴中央)."""
    return voluntary_amount >= CENTRE_THRESHOLD


# --- arrears ------------------------------------------------------------------------------

def months_owed(unpaid: Iterable[date], *, upto: date) -> int:
    """How many assessed months up to and including `upto` are unpaid (across year ends)."""
    last = month_start(upto)
    return sum(1 for m in set(map(month_start, unpaid)) if m <= last)


def consecutive_unpaid(unpaid: Iterable[date], *, upto: date) -> int:
    """The run of consecutive unpaid months ending at `upto` (December and the January after are
    consecutive). A paid, exempt or unassessed month ends the run."""
    owed = set(map(month_start, unpaid))
    month, run = month_start(upto), 0
    while month in owed:
        run += 1
        month = add_months(month, -1)
    return run


def longest_unpaid_run(unpaid: Iterable[date]) -> int:
    """The longest run of consecutive unpaid months anywhere in the set."""
    owed = set(map(month_start, unpaid))
    best = 0
    for month in owed:
        if add_months(month, -1) in owed:
            continue  # not the start of a run
        run = 0
        while add_months(month, run) in owed:
            run += 1
        best = max(best, run)
    return best


def arrears_level(run: int) -> str:
    """"self_departure" at 6 consecutive unpaid months, "warning" at 3, else ""."""
    if run >= SELF_DEPARTURE_MONTHS:
        return "self_departure"
    if run >= ARREARS_WARNING_MONTHS:
        return "warning"
    return ""


def collection_rate(collected: Decimal | int, due: Decimal | int) -> Decimal | None:
    """Collected ÷ due as a percentage with one decimal (None when nothing was due)."""
    if not due:
        return None
    return (Decimal(collected) * 100 / Decimal(due)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- the amount in Chinese capitals (大写金额) of a receipt ---------------------------------------

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_PLACES = ("", "拾", "佰", "仟")  # within a group of four digits
_CAPITAL_GROUPS = ("", "万", "亿")  # the groups of four digits
CAPITALS_LIMIT = Decimal("1000000000000")  # 壹万亿: the receipt's amounts stay far below


def _integer_in_capitals(number: int) -> str:
    """壹仟零伍 for 1005: digit by digit from the highest, each with its place (拾佰仟) and, at the
    end of a group, the group (万, 亿) if the group holds a digit; zeros between digits are read
    as one 零, zeros at the end are not read."""
    digits = str(number)
    out: list[str] = []
    zero_pending = False
    group_has_digit = False
    for index, char in enumerate(digits):
        position = len(digits) - 1 - index
        digit = int(char)
        if digit == 0:
            zero_pending = bool(out)
        else:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(_CAPITAL_DIGITS[digit] + _CAPITAL_PLACES[position % 4])
            group_has_digit = True
        if position % 4 == 0 and position:
            if group_has_digit:
                out.append(_CAPITAL_GROUPS[position // 4])
            group_has_digit = False
    return "".join(out)


def amount_in_capitals(amount: Any) -> str:
    """An amount of yuan in Chinese capitals (大写金额) as receipts and vouchers write it, so that the
    figure cannot be altered: 103.05 → 壹佰零叁元零伍分, 1005 → 壹仟零伍元整, 0.50 → 伍角整.

    The accounting rules (《会计基础工作规范》 art. 52): 整 after 元 or 角 when the amount ends
    there, never after 分; a zero between digits is written 零 once (壹仟零伍元, 壹亿零壹万元);
    a missing 角 before a 分 is written 零 (壹拾元零伍分); 拾 is always preceded by its digit
    (壹拾元整). Refuses (ValueError) a negative amount, one with parts of a fen, one of 壹万亿 or
    more, and anything that is not a number."""
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"not an amount of money: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount of money: {amount!r}")
    if value < 0:
        raise ValueError(f"a negative amount has no capitals on a receipt: {value}")
    if value != value.quantize(FEN):
        raise ValueError(f"an amount in yuan has at most two decimals (fen): {value}")
    if value >= CAPITALS_LIMIT:
        raise ValueError(f"amount too large for the capitals of a receipt: {value}")
    fen_total = int(value * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if not fen_total:
        return "零元整"
    text = _integer_in_capitals(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return text + "整"
    if not fen:
        return text + _CAPITAL_DIGITS[jiao] + "角整"
    if not jiao:
        return text + ("零" if yuan else "") + _CAPITAL_DIGITS[fen] + "分"
    return text + _CAPITAL_DIGITS[jiao] + "角" + _CAPITAL_DIGITS[fen] + "分"


# --- 党费交至 (the month a member's dues are paid up to) -----------------------------------------

def paid_until_after_payment(current: date | None, *, paid: Iterable[date], owed: Iterable[date],
                             first_paid: date, today: date) -> date | None:
    """The member record's 党费交至 after a payment: moved forward through the months now paid,
    never backward.

    The walk starts after `current` (or at `first_paid`, the payment's first month, when the
    record says nothing yet) and goes month by month: a month paid (or with nothing due) moves
    it on; a month owed on the ledger (assessed, unpaid) stops it; a month with no ledger row
    stops it too unless it lies before the payable window (earlier than 6 months back: it can
    no longer be paid on the platform, so it was settled — or written off — on paper). So a
    payment after a gap of months still owed does not claim them paid."""
    paid_set, owed_set = set(paid), set(owed)
    if not paid_set:
        return current
    closed_before, _latest = payable_window(today)
    start = month_start(current) if current is not None else None
    month = add_months(start, 1) if start is not None else month_start(first_paid)
    last = max(paid_set)
    reached = None
    while month <= last:
        if month in paid_set:
            reached = month
        elif month in owed_set or month >= closed_before:
            break
        month = add_months(month, 1)
    if reached is None or (start is not None and reached <= start):
        return current
    return reached


def paid_up_to(recorded: date | None, *, paid: Iterable[date], owed: Iterable[date], first_month: date,
               today: date) -> date | None:
    """What the record's 党费交至 must say, given the member's whole ledger (`paid`: months paid or
    with nothing due; `owed`: assessed, something due, unpaid) and what the record says now — the
    one rule behind the payments, the demo loader and the consistency check (decision 0018).

    - The record never claims an owed month: when it does, it goes back to the month before the
      first owed month (empty when that is before `first_month`, the month of admission).
    - It is never behind the months paid after it: it moves on as `paid_until_after_payment` moves
      it, from the record's month — or, when the record is empty, from the ledger's first month
      (so an empty record after a first month still owed stays empty).
    A value this function leaves unchanged is consistent; applying it twice changes nothing."""
    paid_set, owed_set = {month_start(m) for m in paid}, {month_start(m) for m in owed}
    value = month_start(recorded) if recorded is not None else None
    if value is not None and owed_set and min(owed_set) <= value:
        back = add_months(min(owed_set), -1)
        value = back if back >= month_start(first_month) else None
    if paid_set:
        value = paid_until_after_payment(value, paid=paid_set, owed=owed_set, first_paid=min(paid_set | owed_set),
                                         today=today)
    if recorded is not None and value == month_start(recorded):
        return recorded  # unchanged: the stored date as stored (a day other than the 1st is kept)
    return value


def paid_until_after_reversal(current: date | None, *, owed_again: Iterable[date], first_month: date,
                              recorded_on_empty: bool = False, payment_first: date | None = None) -> date | None:
    """The member record's 党费交至 after a payment is reversed: back to the month before the first
    month owed again, when that is not after it already (the last month still paid contiguously);
    unchanged when the reversed months all lie beyond it. Empty when nothing before remains: the
    month before admission, or — the payment having been recorded while the record was empty
    (`recorded_on_empty`) — a month before the payment's first (`payment_first`): only that
    payment had set it."""
    months = sorted(owed_again)
    if current is None or not months or months[0] > month_start(current):
        return current
    back = add_months(months[0], -1)
    if back < month_start(first_month):
        return None
    if recorded_on_empty and payment_first is not None and back < month_start(payment_first):
        return None
    return back


def is_declarable_year(year: object, today: date) -> bool:
    """Declarations are made for last year, this year or next year (年度应为去年、今年或明年)."""
    return isinstance(year, int) and today.year - 1 <= year <= today.year + 1
