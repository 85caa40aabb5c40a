"""Table-driven tests of the recruitment rules: every rule at its edge dates, 29 February included."""

from datetime import date

import pytest

from dangwu.development import rules
from dangwu.development.rules import Introducer, add_years, tally, violations

BIRTH = date(1995, 6, 15)
GOOD = [Introducer("甲", True, True), Introducer("乙", True, True)]


def history_until(code: str, start: date = date(2020, 1, 6), **overrides) -> dict[str, date]:
    """Every step before `code` done, one week apart, the waiting periods respected."""
    out: dict[str, date] = {}
    day = start
    for step in rules.STEP_CODES:
        if step == code:
            break
        if step == "target_selected":
            day = add_years(out["activist_selected"], 1)
        if step == "branch_conversion_vote":
            day = add_years(out["branch_admission_vote"], 1)
        out[step] = overrides.get(step, day)
        day = date.fromordinal(day.toordinal() + 7)
    return out


def ok(step, history, on, **kw):
    kw.setdefault("birth_date", BIRTH)
    if step == "branch_admission_vote":
        kw.setdefault("publicity_start", date(2000, 1, 3))  # a 公示 long over, unless a test says otherwise
    return violations(step, history, on, **kw)


def test_the_25_steps_in_five_stages():
    assert len(rules.STEP_CODES) == 25
    assert [s for s, _ in rules.STAGES] == ["applicant", "activist", "target", "admission", "probation"]
    per_stage = [sum(1 for i in rules.STEPS.values() if i.stage == s) for s, _ in rules.STAGES]
    assert per_stage == [2, 4, 5, 7, 7]
    assert rules.STEP_CODES[0] == "application" and rules.STEP_CODES[-1] == "archived"
    assert rules.SUPERIOR_STEPS == {"superior_prereview", "superior_talk", "superior_approval", "approval_filed",
                                    "conversion_approval"}


def test_every_step_done_in_order_passes():
    """A whole pipeline, each step on a legal date, raises nothing at any step."""
    history = history_until("archived")
    done: dict[str, date] = {}
    for code in rules.STEP_CODES[:-1]:
        kw = {}
        if code in {"introducers_assigned", "branch_admission_vote"}:
            kw["introducers"] = GOOD
        if code == "contacts_assigned":
            kw["contact_persons"] = 2
        if code == "target_training":
            kw["training_days"] = 3
        assert ok(code, done, history[code], **kw) == [], code
        done[code] = history[code]


# --- order ------------------------------------------------------------------------------------

ORDER_CASES = [
    # (step, history built until, date offset in days from the previous step's date, refused?)
    ("first_talk", "first_talk", 0, False),  # the same day as the previous step is allowed
    ("first_talk", "first_talk", -1, True),  # the day before is not
    ("activist_filed", "activist_selected", 10, True),  # activist_selected missing
    ("oath", "placed", 5, True),  # placed missing
    ("archived", "conversion_approval", 5, True),
    ("committee_review", "committee_review", 1, False),
]


@pytest.mark.parametrize(("step", "until", "offset", "refused"), ORDER_CASES)
def test_steps_in_order(step, until, offset, refused):
    history = history_until(until)
    last = max(history.values())
    on = date.fromordinal(last.toordinal() + offset)
    reasons = ok(step, history, on)
    assert bool(reasons) is refused, reasons
    if refused:
        assert any("程序" in r or "不能早于上一步" in r for r in reasons)


def test_a_step_done_cannot_be_recorded_again_nor_an_earlier_one_after_a_later():
    history = history_until("activist_selected")
    reasons = ok("first_talk", history, date(2021, 1, 1))
    assert reasons and "不能重复记录" in reasons[0]
    skipped = {"application": date(2020, 1, 6), "activist_selected": date(2020, 3, 1)}
    reasons = ok("first_talk", skipped, date(2020, 2, 1))
    assert any("后续步骤" in r for r in reasons)


def test_unknown_step():
    assert "未知" in ok("become_member", {}, date(2024, 1, 1))[0]


# --- age ≥ 18 on the application ------------------------------------------------------------------

AGE_CASES = [
    (date(2006, 6, 15), date(2024, 6, 14), True),
    (date(2006, 6, 15), date(2024, 6, 15), False),  # the 18th birthday
    (date(2008, 2, 29), date(2026, 2, 27), True),
    (date(2008, 2, 29), date(2026, 2, 28), False),  # 29 February: 18 on 28 February of a common year
    (date(2008, 2, 29), date(2026, 3, 1), False),
    (date(2004, 2, 29), date(2022, 2, 28), False),
    (date(2006, 2, 28), date(2024, 2, 27), True),
    (date(2006, 2, 28), date(2024, 2, 28), False),
]


@pytest.mark.parametrize(("birth", "on", "refused"), AGE_CASES)
def test_age_on_application(birth, on, refused):
    reasons = violations("application", {}, on, birth_date=birth)
    assert bool(reasons) is refused
    if refused:
        assert "十八" in reasons[0] and "党章第一条" in reasons[0]


# --- one full year as an activist ------------------------------------------------------------------

YEAR_CASES = [
    (date(2023, 5, 10), date(2024, 5, 9), True),
    (date(2023, 5, 10), date(2024, 5, 10), False),  # the same calendar day a year later
    (date(2023, 5, 10), date(2024, 5, 11), False),
    (date(2024, 2, 29), date(2025, 2, 27), True),
    (date(2024, 2, 29), date(2025, 2, 28), False),  # 29 February: the year ends on 28 February
    (date(2024, 2, 29), date(2025, 3, 1), False),
    (date(2023, 3, 1), date(2024, 2, 29), True),  # leap day, one day short
    (date(2023, 3, 1), date(2024, 3, 1), False),
    (date(2023, 2, 28), date(2024, 2, 28), False),
    (date(2023, 2, 28), date(2024, 2, 27), True),
]


@pytest.mark.parametrize(("activist", "on", "refused"), YEAR_CASES)
def test_target_a_full_year_after_activist(activist, on, refused):
    history = history_until("target_selected", start=date(2022, 1, 3), activist_selected=activist,
                            activist_filed=activist, contacts_assigned=activist, activist_training=activist)
    reasons = ok("target_selected", history, on)
    assert bool(reasons) is refused, reasons
    if refused:
        assert "一年以上" in reasons[0] and add_years(activist, 1).isoformat() in reasons[0]


# --- contact persons, introducers, training ------------------------------------------------------

@pytest.mark.parametrize(("n", "refused"), [(0, True), (1, False), (2, False), (3, True), (None, True)])
def test_one_or_two_contact_persons(n, refused):
    history = history_until("contacts_assigned")
    assert bool(ok("contacts_assigned", history, max(history.values()), contact_persons=n)) is refused


INTRODUCER_CASES = [
    (GOOD, []),
    ([Introducer("甲", True, True)], ["两名"]),
    ([], ["两名"]),
    (None, ["两名"]),
    ([Introducer("甲", True, True), Introducer("乙", False, True)], ["乙不是正式党员"]),
    ([Introducer("甲", True, False), Introducer("乙", True, True)], ["甲的党籍状态不正常"]),
    ([Introducer("甲", True, True), Introducer("乙", True, True), Introducer("丙", True, True)], ["两名"]),
]


@pytest.mark.parametrize("step", ["introducers_assigned", "branch_admission_vote"])
@pytest.mark.parametrize(("introducers", "expected"), INTRODUCER_CASES)
def test_two_introducers_full_members_in_good_standing(step, introducers, expected):
    history = history_until(step)
    reasons = ok(step, history, max(history.values()), introducers=introducers)
    assert len(reasons) == len(expected), reasons
    for fragment, reason in zip(expected, reasons, strict=True):
        assert fragment in reason


def test_admission_vote_needs_the_concentrated_training():
    history = history_until("branch_admission_vote")
    del history["target_training"]
    reasons = ok("branch_admission_vote", history, max(history.values()), introducers=GOOD)
    assert any("集中培训" in r for r in reasons)


@pytest.mark.parametrize(("days", "hours", "refused"), [
    (3, None, False), (2.5, None, True), (None, 24, False), (None, 23.5, True), (None, None, True), (2, 24, False),
])
def test_concentrated_training_three_days_or_24_hours(days, hours, refused):
    history = history_until("target_training")
    reasons = ok("target_training", history, max(history.values()), training_days=days, training_hours=hours)
    assert bool(reasons) is refused


# --- superior approval within six months -------------------------------------------------------------

APPROVAL_CASES = [
    (date(2025, 3, 10), date(2025, 9, 10), False),  # the last day
    (date(2025, 3, 10), date(2025, 9, 11), True),
    (date(2025, 8, 31), date(2026, 2, 28), False),  # no 31 February: the month's last day
    (date(2025, 8, 31), date(2026, 3, 1), True),
    (date(2023, 8, 29), date(2024, 2, 29), False),  # leap year
    (date(2023, 8, 30), date(2024, 3, 1), True),
    (date(2025, 3, 10), date(2025, 6, 11), False),  # past three months: a warning, not a refusal
]


@pytest.mark.parametrize(("vote", "on", "refused"), APPROVAL_CASES)
def test_superior_approval_within_six_months(vote, on, refused):
    history = history_until("superior_approval", branch_admission_vote=vote, superior_talk=vote)
    history = {k: min(v, vote) if k != "branch_admission_vote" else v for k, v in history.items()}
    reasons = ok("superior_approval", history, on)
    assert bool(reasons) is refused, reasons
    if refused:
        assert "六个月" in reasons[0]


# --- the probation year and its extension -------------------------------------------------------------

CONVERSION_CASES = [
    (date(2024, 7, 1), None, date(2025, 6, 30), True),
    (date(2024, 7, 1), None, date(2025, 7, 1), False),
    (date(2024, 2, 29), None, date(2025, 2, 27), True),
    (date(2024, 2, 29), None, date(2025, 2, 28), False),
    (date(2024, 7, 1), 6, date(2025, 12, 31), True),
    (date(2024, 7, 1), 6, date(2026, 1, 1), False),
    (date(2024, 2, 29), 12, date(2026, 2, 27), True),
    (date(2024, 2, 29), 12, date(2026, 2, 28), False),
    (date(2024, 8, 31), 6, date(2026, 2, 28), False),  # 2025-08-31 + 6 months = 2026-02-28
]


@pytest.mark.parametrize(("vote", "months", "on", "refused"), CONVERSION_CASES)
def test_conversion_vote_after_the_probation_year_or_extension(vote, months, on, refused):
    history = {code: vote for code in history_until("branch_conversion_vote")}
    history.update({code: vote for code in ("superior_talk", "superior_approval", "approval_filed", "placed", "oath",
                                             "probation_education", "conversion_application")})
    for code in rules.STEP_CODES[:rules.STEP_CODES.index("branch_admission_vote")]:
        history[code] = date(2022, 1, 1)
    history["branch_admission_vote"] = vote
    reasons = ok("branch_conversion_vote", history, on, extension_months=months)
    assert bool(reasons) is refused, reasons
    if refused:
        assert "预备期" in reasons[0] and "党章第七条" in reasons[0]


EXTENSION_CASES = [
    (6, False, date(2025, 7, 1), []),
    (12, False, date(2025, 7, 1), []),
    (5, False, date(2025, 7, 1), ["6至12个月"]),
    (13, False, date(2025, 7, 1), ["6至12个月"]),
    (6, True, date(2025, 7, 1), ["只能延长一次"]),
    (6, False, date(2025, 6, 30), ["期满时"]),
]


@pytest.mark.parametrize(("months", "extended", "on", "expected"), EXTENSION_CASES)
def test_extension_once_6_to_12_months(months, extended, on, expected):
    history = {"branch_admission_vote": date(2024, 7, 1), "superior_approval": date(2024, 8, 1)}
    reasons = rules.extension_violations(history, on, months=months, already_extended=extended)
    assert len(reasons) == len(expected), reasons
    for fragment, reason in zip(expected, reasons, strict=True):
        assert fragment in reason


def test_extension_needs_a_probationary_member():
    reasons = rules.extension_violations({"branch_admission_vote": date(2024, 7, 1)}, date(2025, 7, 1), months=6,
                                         already_extended=False)
    assert any("预备党员" in r for r in reasons)


# --- deadlines that bind the organization ----------------------------------------------------------

WARNING_CASES = [
    ({"application": date(2025, 1, 31)}, date(2025, 2, 28), "first_talk", date(2025, 2, 28), False),
    ({"application": date(2025, 1, 31)}, date(2025, 3, 1), "first_talk", date(2025, 2, 28), True),
    ({"superior_prereview": date(2025, 5, 10)}, date(2025, 6, 10), "branch_admission_vote", date(2025, 6, 10), False),
    ({"superior_prereview": date(2025, 5, 10)}, date(2025, 6, 11), "branch_admission_vote", date(2025, 6, 10), True),
    ({"branch_admission_vote": date(2025, 3, 10)}, date(2025, 6, 10), "superior_approval", date(2025, 6, 10), False),
    ({"branch_admission_vote": date(2025, 3, 10)}, date(2025, 6, 11), "superior_approval", date(2025, 6, 10), True),
]


@pytest.mark.parametrize(("history", "today", "step", "due", "overdue"), WARNING_CASES)
def test_organization_deadlines(history, today, step, due, overdue):
    found = [w for w in rules.warnings(history, today) if w.step == step]
    assert len(found) == 1
    assert found[0].due == due and found[0].overdue is overdue
    assert due.isoformat() in found[0].message


def test_deadlines_go_once_met_and_conversion_is_due_after_the_probation():
    assert rules.warnings({"application": date(2025, 1, 1), "first_talk": date(2025, 1, 20)}, date(2026, 1, 1)) == []
    history = {"branch_admission_vote": date(2024, 7, 1), "superior_approval": date(2024, 8, 1)}
    assert rules.warnings(history, date(2025, 6, 30)) == []
    due = rules.warnings(history, date(2025, 7, 1))
    assert [(w.step, w.due, w.overdue) for w in due] == [("branch_conversion_vote", date(2025, 8, 1), False)]
    assert rules.warnings(history, date(2025, 8, 2))[0].overdue
    assert rules.next_due(history) == date(2025, 8, 1)
    assert rules.next_due({"application": date(2025, 1, 31)}) == date(2025, 2, 28)


def test_earliest_and_latest_dates():
    history = history_until("target_selected")
    assert rules.earliest_date("target_selected", history, birth_date=BIRTH) == add_years(history["activist_selected"], 1)
    assert rules.earliest_date("application", {}, birth_date=date(2008, 2, 29)) == date(2026, 2, 28)
    vote = {"branch_admission_vote": date(2025, 8, 31), "superior_talk": date(2025, 9, 1)}
    assert rules.latest_date("superior_approval", vote) == date(2026, 2, 28)
    assert rules.next_step({}) == "application"
    assert rules.next_step(history_until("archived") | {"archived": date(2030, 1, 1)}) is None


# --- the vote's tally ------------------------------------------------------------------------------

TALLY_CASES = [
    # should, present, favour, against, abstained, written_for, written_against → quorate, passed
    (10, 6, 6, 0, 0, 0, 0, True, True),
    (10, 5, 5, 0, 0, 0, 0, False, False),  # exactly half present: no quorum
    (10, 6, 5, 1, 0, 0, 0, True, False),  # exactly half of those who should attend: not adopted
    (10, 6, 5, 1, 0, 1, 0, True, True),  # a written opinion tips it
    (10, 6, 4, 2, 0, 2, 1, True, True),  # 4 + 2 = 6 of 10
    (9, 5, 5, 0, 0, 0, 0, True, True),
    (9, 4, 4, 0, 0, 5, 0, False, True),  # written opinions count in votes, not in attendance
    (1, 1, 1, 0, 0, 0, 0, True, True),
    (2, 1, 1, 0, 0, 1, 0, False, True),
    (7, 7, 3, 3, 1, 0, 0, True, False),
]


@pytest.mark.parametrize(("should", "present", "fav", "against", "abst", "wf", "wa", "quorate", "passed"), TALLY_CASES)
def test_tally(should, present, fav, against, abst, wf, wa, quorate, passed):
    result = tally(should_attend=should, present=present, in_favour=fav, against=against, abstained=abst,
                   written_in_favour=wf, written_against=wa)
    assert result.errors == {}
    assert (result.quorate, result.passed) == (quorate, passed)
    refusals = rules.vote_refusals(result, should_attend=should)
    assert ("present" in refusals) is (not quorate)
    assert ("in_favour" in refusals) is (not passed)
    assert result.ok is (quorate and passed)


@pytest.mark.parametrize(("numbers", "field"), [
    ({"should_attend": 0, "present": 0, "in_favour": 0}, "should_attend"),
    ({"should_attend": 5, "present": 6, "in_favour": 3}, "present"),
    ({"should_attend": 10, "present": 6, "in_favour": 5, "against": 2}, "in_favour"),
    ({"should_attend": 10, "present": 8, "in_favour": 6, "written_in_favour": 3}, "written_in_favour"),
    ({"should_attend": 10, "present": -1, "in_favour": 6}, "present"),
])
def test_tally_refuses_impossible_numbers(numbers, field):
    result = tally(**numbers)
    assert field in result.errors and not result.ok
    assert field in rules.vote_refusals(result, should_attend=numbers["should_attend"])


# --- 公示 before the admission vote -------------------------------------------------------------

PUBLICITY_CASES = [
    # (first day, working days, last day): Monday–Friday count, weekends are skipped
    (date(2025, 6, 2), 5, date(2025, 6, 6)),  # Monday → Friday
    (date(2025, 6, 4), 5, date(2025, 6, 10)),  # Wednesday → next Tuesday (over a weekend)
    (date(2025, 6, 6), 5, date(2025, 6, 12)),  # Friday → next Thursday
    (date(2025, 6, 7), 5, date(2025, 6, 13)),  # Saturday: runs from Monday
    (date(2025, 6, 8), 5, date(2025, 6, 13)),  # Sunday: runs from Monday
    (date(2025, 6, 2), 1, date(2025, 6, 2)),
    (date(2025, 6, 7), 1, date(2025, 6, 9)),
    (date(2025, 6, 2), 7, date(2025, 6, 10)),
    (date(2024, 2, 26), 5, date(2024, 3, 1)),  # over 29 February of a leap year
    (date(2025, 12, 29), 5, date(2026, 1, 2)),  # over the new year (holidays are not known: Monday–Friday)
]


@pytest.mark.parametrize(("start", "days", "end"), PUBLICITY_CASES)
def test_publicity_end_counts_working_days(start, days, end):
    assert rules.publicity_end(start, days) == end
    assert rules.is_working_day(end)


@pytest.mark.parametrize(("start", "days", "vote", "refused"), [
    (date(2025, 6, 2), 5, date(2025, 6, 6), True),  # the last day of the 公示: too early
    (date(2025, 6, 2), 5, date(2025, 6, 7), False),  # the Saturday after: allowed
    (date(2025, 6, 6), 5, date(2025, 6, 11), True),  # Friday start: the 5th working day is Thursday
    (date(2025, 6, 6), 5, date(2025, 6, 12), True),
    (date(2025, 6, 6), 5, date(2025, 6, 13), False),
    (date(2025, 6, 7), 5, date(2025, 6, 13), True),  # Saturday start counts from Monday
    (date(2025, 6, 7), 5, date(2025, 6, 14), False),
    (date(2025, 6, 2), 7, date(2025, 6, 10), True),  # a longer period set by the deployment
    (date(2025, 6, 2), 7, date(2025, 6, 11), False),
    (None, 5, date(2025, 6, 30), True),  # no 公示 recorded
])
def test_admission_vote_after_the_publicity(start, days, vote, refused):
    history = history_until("branch_admission_vote", start=date(2023, 1, 2))
    history = {k: min(v, date(2025, 5, 30)) for k, v in history.items()}
    reasons = ok("branch_admission_vote", history, vote, introducers=GOOD, publicity_start=start,
                 publicity_working_days=days)
    assert bool(reasons) == refused, reasons
    if refused:
        assert any("公示" in r for r in reasons)


def test_publicity_only_binds_the_admission_vote():
    history = history_until("application_form")
    assert ok("application_form", history, max(history.values()), publicity_start=None) == []


@pytest.mark.parametrize(("history", "start", "fragment"), [
    ({"committee_review": date(2025, 6, 2)}, date(2025, 6, 2), None),
    ({"committee_review": date(2025, 6, 2)}, date(2025, 6, 1), "不能早于"),
    ({"target_training": date(2025, 6, 2)}, date(2025, 6, 3), "支部委员会审查"),
    ({"committee_review": date(2025, 6, 2), "branch_admission_vote": date(2025, 6, 20)}, date(2025, 6, 3), "已讨论"),
])
def test_publicity_violations(history, start, fragment):
    reasons = rules.publicity_violations(history, start)
    if fragment is None:
        assert reasons == []
    else:
        assert len(reasons) == 1 and fragment in reasons[0]


def test_earliest_admission_vote_is_the_day_after_the_publicity():
    history = history_until("branch_admission_vote")
    end = rules.publicity_end(date(2030, 1, 7))
    assert rules.earliest_date("branch_admission_vote", history, birth_date=BIRTH, publicity_ends_on=end) == date(
        2030, 1, 12)


# --- thought reports -------------------------------------------------------------------------------

@pytest.mark.parametrize(("started", "last", "today", "days", "overdue"), [
    (date(2025, 1, 1), None, date(2025, 4, 1), 90, False),  # 90 days after the application: still in time
    (date(2025, 1, 1), None, date(2025, 4, 2), 90, True),
    (date(2025, 1, 1), date(2025, 3, 1), date(2025, 5, 30), 90, False),
    (date(2025, 1, 1), date(2025, 3, 1), date(2025, 5, 31), 90, True),
    (date(2024, 1, 1), date(2024, 2, 29), date(2024, 5, 29), 90, False),  # over a leap day
    (date(2024, 1, 1), date(2024, 2, 29), date(2024, 5, 30), 90, True),
    (date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 31), 30, False),
    (date(2025, 1, 1), date(2025, 1, 1), date(2025, 2, 1), 30, True),
])
def test_thought_report_reminder(started, last, today, days, overdue):
    assert rules.thought_report_overdue(started=started, last_report=last, today=today, days=days) is overdue
