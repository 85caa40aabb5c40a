"""Pure rules of the recruitment pipeline (发展党员): no database, no request.

The 25 steps of 《中国共产党发展党员工作细则》 in five stages, the order they must follow, the
waiting periods and deadlines, and the tally of a branch general meeting's vote. Everything a
rule needs arrives as arguments, so that every rule is testable on its own with plain dates.

Dates and periods (docs/decisions/0007-recruitment-rules.md): a period of years or months ends on
the corresponding day of the last month, or on that month's last day when it has none
(民法典 第二百零二条). So one year after 2023-05-10 is 2024-05-10 and that day is allowed
("the same calendar day a year later"); one year after 2024-02-29 is 2025-02-28; six months after
2025-08-31 is 2026-02-28. Ages follow the same reading: a person born on 2008-02-29 is 18 on
2026-02-28. The arithmetic itself lives in `dangwu.core.dates` (decision 0013); `add_months` and
`add_years` are imported here, so `rules.add_years(...)` is the same function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangwu.core.dates import add_months, add_years
from dangwu.core.roles import Cap

# --- the 25 steps in five stages ------------------------------------------------------------


@dataclass(frozen=True)
class StepInfo:
    code: str
    number: int  # 1 … 25
    stage: str
    label: Any  # lazy translation
    superior: bool  # recorded by the superior committee (Cap.DEVELOPMENT_APPROVE), not the branch
    body: Any  # the usual deciding body, offered as the form's default


STAGES: list[tuple[str, Any]] = [
    ("applicant", gettext_lazy("入党申请人")),
    ("activist", gettext_lazy("入党积极分子")),
    ("target", gettext_lazy("发展对象")),
    ("admission", gettext_lazy("预备党员的接收")),
    ("probation", gettext_lazy("预备党员的教育考察和转正")),
]
STAGE_LABELS = dict(STAGES)

_BRANCH = gettext_lazy("党支部")
_BRANCH_COMMITTEE = gettext_lazy("支部委员会")
_BRANCH_MEETING = gettext_lazy("支部党员大会")
_SUPERIOR = gettext_lazy("上级党委")
_SUPERIOR_ORG_DEPT = gettext_lazy("上级党委组织部门")

_STEP_TABLE: list[tuple[str, str, Any, bool, Any]] = [
    # code, stage, label, superior, usual body
    ("application", "applicant", gettext_lazy("递交入党申请书"), False, _BRANCH),
    ("first_talk", "applicant", gettext_lazy("党组织派人谈话"), False, _BRANCH),
    ("activist_selected", "activist", gettext_lazy("确定入党积极分子"), False, _BRANCH_COMMITTEE),
    ("activist_filed", "activist", gettext_lazy("入党积极分子报上级党委备案"), False, _BRANCH),
    ("contacts_assigned", "activist", gettext_lazy("指定培养联系人"), False, _BRANCH_COMMITTEE),
    ("activist_training", "activist", gettext_lazy("培养教育考察"), False, _BRANCH),
    ("target_selected", "target", gettext_lazy("确定发展对象"), False, _BRANCH_COMMITTEE),
    ("target_filed", "target", gettext_lazy("发展对象报上级党委备案"), False, _BRANCH),
    ("introducers_assigned", "target", gettext_lazy("确定入党介绍人"), False, _BRANCH_COMMITTEE),
    ("political_review", "target", gettext_lazy("政治审查"), False, _BRANCH),
    ("target_training", "target", gettext_lazy("集中培训"), False, _SUPERIOR),
    ("committee_review", "admission", gettext_lazy("支部委员会审查"), False, _BRANCH_COMMITTEE),
    ("superior_prereview", "admission", gettext_lazy("上级党委预审"), True, _SUPERIOR),
    ("application_form", "admission", gettext_lazy("填写入党志愿书"), False, _BRANCH),
    ("branch_admission_vote", "admission", gettext_lazy("支部大会讨论接收预备党员"), False, _BRANCH_MEETING),
    ("superior_talk", "admission", gettext_lazy("上级党委派人谈话"), True, _SUPERIOR),
    ("superior_approval", "admission", gettext_lazy("上级党委审批"), True, _SUPERIOR),
    ("approval_filed", "admission", gettext_lazy("报上级党委组织部门备案"), True, _SUPERIOR_ORG_DEPT),
    ("placed", "probation", gettext_lazy("编入党支部和党小组"), False, _BRANCH),
    ("oath", "probation", gettext_lazy("入党宣誓"), False, _BRANCH),
    ("probation_education", "probation", gettext_lazy("继续教育考察"), False, _BRANCH),
    ("conversion_application", "probation", gettext_lazy("提出转正申请"), False, _BRANCH),
    ("branch_conversion_vote", "probation", gettext_lazy("支部大会讨论转正"), False, _BRANCH_MEETING),
    ("conversion_approval", "probation", gettext_lazy("上级党委审批转正"), True, _SUPERIOR),
    ("archived", "probation", gettext_lazy("材料归档"), False, _BRANCH),
]

def deciding_body(code: str, *, branch: str, superior: str) -> str:
    """The deciding body (决定机关) a step's form offers, by the real names of the person's branch
    and of its superior committee (from the organization tree): 芙蓉区第一党支部, …党支部委员会,
    …党支部党员大会, 中共芙蓉区委, 中共芙蓉区委组织部 — not the generic 上级党委, so the record and
    the printed forms name who decided. The generic word where a name is missing."""
    body = STEPS[code].body
    if body is _BRANCH and branch:
        return branch
    if body is _BRANCH_COMMITTEE and branch:
        return f"{branch}委员会"
    if body is _BRANCH_MEETING and branch:
        return f"{branch}党员大会"
    if body is _SUPERIOR and superior:
        return superior
    if body is _SUPERIOR_ORG_DEPT and superior:
        return f"{superior}组织部"
    return str(body)


STEPS: dict[str, StepInfo] = {
    code: StepInfo(code, number, stage, label, superior, body)
    for number, (code, stage, label, superior, body) in enumerate(_STEP_TABLE, start=1)
}
STEP_CODES: list[str] = list(STEPS)
VOTE_STEPS = frozenset({"branch_admission_vote", "branch_conversion_vote"})
SUPERIOR_STEPS = frozenset(code for code, info in STEPS.items() if info.superior)

# Limits of the regulations (in one place, cited by the messages below).
MIN_AGE = 18
ACTIVIST_YEARS = 1  # 一年以上培养教育和考察
TALK_MONTHS = 1  # 收到入党申请书后一个月内谈话
MEETING_MONTHS = 1  # 预审后一个月内召开支部大会
APPROVAL_MONTHS = 3  # 上级党委三个月内审批
APPROVAL_MAX_MONTHS = 6  # 特殊情况不超过六个月
PROBATION_YEARS = 1
CONVERSION_MONTHS = 1  # 预备期满后及时讨论转正 (the platform's reading of "及时": within a month)
EXTENSION_MIN_MONTHS, EXTENSION_MAX_MONTHS = 6, 12
TRAINING_MIN_DAYS, TRAINING_MIN_HOURS = 3, 24
CONTACTS_MIN, CONTACTS_MAX = 1, 2
INTRODUCERS = 2
PUBLICITY_WORKING_DAYS = 5  # 公示: the default period (settings.DANGWU_PUBLICITY_WORKING_DAYS)
THOUGHT_REPORT_DAYS = 90  # 思想汇报: a reminder when none came in this many days (DANGWU_THOUGHT_REPORT_DAYS)


def stage_of(step: str | None) -> str:
    """The stage a person is in once `step` is their last step done ("applicant" before any)."""
    if step is None:
        return STAGES[0][0]
    return STEPS[step].stage


def last_step(history: Mapping[str, date]) -> str | None:
    done = [code for code in STEP_CODES if code in history]
    return done[-1] if done else None


def next_step(history: Mapping[str, date]) -> str | None:
    """The step that comes next in the strict order, or None when all 25 are done."""
    for code in STEP_CODES:
        if code not in history:
            return code
    return None


def is_probationary(history: Mapping[str, date]) -> bool:
    """预备党员: admitted by the superior committee and not yet converted."""
    return "superior_approval" in history and "conversion_approval" not in history


def capability_for(code: str) -> str:
    """The superior committee records its own steps (Cap.DEVELOPMENT_APPROVE); the branch records the
    others (Cap.DEVELOPMENT_MANAGE)."""
    return Cap.DEVELOPMENT_APPROVE if code in SUPERIOR_STEPS else Cap.DEVELOPMENT_MANAGE


def probation_end(history: Mapping[str, date], *, extension_months: int | None = None) -> date | None:
    """The day the probation ends: one year after the admission vote (党章 第七条: the probation
    counts from the day the branch general meeting adopts the application), plus an extension."""
    vote = history.get("branch_admission_vote")
    if vote is None:
        return None
    end = add_years(vote, PROBATION_YEARS)
    if extension_months:
        end = add_months(end, extension_months)
    return end


# --- what the step rules need besides the dates ---------------------------------------------


@dataclass(frozen=True)
class Introducer:
    """An introducer (入党介绍人) as the rules see them: a name and their standing on the day."""

    name: str
    full_member: bool  # 正式党员 (not 预备党员)
    good_standing: bool  # 党籍正常 (not suspended, expelled …)


def _d(day: date) -> str:
    return day.isoformat()


def violations(
    step: str,
    history: Mapping[str, date],
    on: date,
    *,
    birth_date: date,
    introducers: Sequence[Introducer] | None = None,
    contact_persons: int | None = None,
    training_days: float | None = None,
    training_hours: float | None = None,
    extension_months: int | None = None,
    publicity_start: date | None = None,
    publicity_working_days: int = PUBLICITY_WORKING_DAYS,
) -> list[str]:
    """Why `step` may not be recorded on `on`, given the steps already done; [] when it may.

    `history` maps step codes already done to their dates. Besides the dates, some steps need
    facts the caller knows (they default to "none known", which refuses those steps):
    - `introducers`: the assigned introducers, for `introducers_assigned` and
      `branch_admission_vote` (two full members in good standing, 党章 第五条);
    - `contact_persons`: how many contact persons were assigned, for `contacts_assigned` (one or two);
    - `training_days` / `training_hours`: the concentrated training, for `target_training`
      (at least 3 days or 24 学时); `branch_admission_vote` needs `target_training` in `history`;
    - `extension_months`: an extension of the probation decided once (6–12 months), which moves
      the earliest `branch_conversion_vote` to the end of the extension;
    - `publicity_start` / `publicity_working_days`: the 公示 of the development target before the
      admission vote, from its first day for that many working days (Monday–Friday);
      `branch_admission_vote` needs it recorded and ended (the vote on a later day).
    """
    if step not in STEPS:
        return [_("未知的发展步骤“%(s)s”") % {"s": step}]
    info = STEPS[step]
    label = str(info.label)
    reasons: list[str] = []
    if step in history:
        reasons.append(_("“%(l)s”已于%(d)s记录，不能重复记录") % {"l": label, "d": _d(history[step])})
        return reasons
    index = STEP_CODES.index(step)
    later = [code for code in STEP_CODES[index + 1:] if code in history]
    if later:
        reasons.append(_("已记录后续步骤“%(l)s”，不能再补记前面的步骤") % {"l": str(STEPS[later[0]].label)})
    if index > 0:
        previous = STEP_CODES[index - 1]
        if previous not in history:
            reasons.append(_("发展党员须按程序进行：记录“%(l)s”之前须先完成第%(n)d步“%(p)s”") % {
                "l": label, "n": index, "p": str(STEPS[previous].label)})
        elif on < history[previous]:
            reasons.append(_("“%(l)s”的日期不能早于上一步“%(p)s”的日期（%(d)s）") % {
                "l": label, "p": str(STEPS[previous].label), "d": _d(history[previous])})

    if step == "application":
        adult = add_years(birth_date, MIN_AGE)
        if on < adult:
            reasons.append(_("根据党章第一条，申请入党须年满十八周岁；申请人%(d)s年满十八周岁，此前不能递交入党申请") % {
                "d": _d(adult)})
    elif step == "contacts_assigned":
        n = contact_persons or 0
        if not CONTACTS_MIN <= n <= CONTACTS_MAX:
            reasons.append(_("根据《发展党员工作细则》，应指定一至两名正式党员作培养联系人（现为%(n)d名）") % {"n": n})
    elif step == "target_selected" and "activist_selected" in history:
        earliest = add_years(history["activist_selected"], ACTIVIST_YEARS)
        if on < earliest:
            reasons.append(_(
                "根据《发展党员工作细则》，入党积极分子须经过一年以上培养教育和考察方可列为发展对象："
                "确定为入党积极分子的日期为%(a)s，最早可于%(d)s确定为发展对象") % {
                "a": _d(history["activist_selected"]), "d": _d(earliest)})
    elif step == "introducers_assigned":
        reasons.extend(_introducer_reasons(introducers))
    elif step == "target_training":
        days, hours = training_days or 0, training_hours or 0
        if days < TRAINING_MIN_DAYS and hours < TRAINING_MIN_HOURS:
            reasons.append(_("根据《发展党员工作细则》，发展对象的集中培训时间一般不少于三天（或不少于24个学时）"))
    elif step == "branch_admission_vote":
        reasons.extend(_introducer_reasons(introducers))
        if "target_training" not in history:
            reasons.append(_("发展对象须经过集中培训后，方可提交支部大会讨论"))
        if publicity_start is None:
            reasons.append(_("发展对象须经公示后，方可提交支部大会讨论（尚未记录公示）"))
        else:
            end = publicity_end(publicity_start, publicity_working_days)
            if on <= end:
                reasons.append(_("公示期自%(s)s起%(n)d个工作日，至%(e)s期满；支部大会讨论须在公示期满后进行") % {
                    "s": _d(publicity_start), "n": publicity_working_days, "e": _d(end)})
    elif step == "superior_approval" and "branch_admission_vote" in history:
        latest = add_months(history["branch_admission_vote"], APPROVAL_MAX_MONTHS)
        if on > latest:
            reasons.append(_(
                "根据《发展党员工作细则》，上级党委应在支部大会通过后三个月内审批，特殊情况最长不超过六个月："
                "支部大会通过日期为%(v)s，审批期限已于%(d)s届满") % {
                "v": _d(history["branch_admission_vote"]), "d": _d(latest)})
    elif step == "branch_conversion_vote" and "branch_admission_vote" in history:
        probation_ends = probation_end(history, extension_months=extension_months)
        assert probation_ends is not None
        if on < probation_ends:
            if extension_months:
                reasons.append(_("根据党章第七条，预备期已延长%(m)d个月，至%(d)s期满；期满后方可讨论转正") % {
                    "m": extension_months, "d": _d(probation_ends)})
            else:
                reasons.append(_(
                    "根据党章第七条，预备期为一年，自支部大会通过之日（%(v)s）起计算，至%(d)s期满；"
                    "期满后方可讨论转正") % {"v": _d(history["branch_admission_vote"]), "d": _d(probation_ends)})
    return reasons


def _introducer_reasons(introducers: Sequence[Introducer] | None) -> list[str]:
    introducers = list(introducers or [])
    reasons: list[str] = []
    if len(introducers) != INTRODUCERS:
        reasons.append(_("根据党章第五条，须有两名正式党员作入党介绍人（现确定%(n)d名）") % {"n": len(introducers)})
    for person in introducers:
        if not person.full_member:
            reasons.append(_("入党介绍人%(n)s不是正式党员，预备党员不能作入党介绍人") % {"n": person.name})
        elif not person.good_standing:
            reasons.append(_("入党介绍人%(n)s的党籍状态不正常，不能作入党介绍人") % {"n": person.name})
    return reasons


def earliest_date(
    step: str, history: Mapping[str, date], *, birth_date: date, extension_months: int | None = None,
    publicity_ends_on: date | None = None,
) -> date | None:
    """The earliest day the dates allow `step` (None: nothing about dates holds it back)."""
    candidates: list[date] = []
    index = STEP_CODES.index(step)
    if index > 0 and STEP_CODES[index - 1] in history:
        candidates.append(history[STEP_CODES[index - 1]])
    if step == "application":
        candidates.append(add_years(birth_date, MIN_AGE))
    elif step == "target_selected" and "activist_selected" in history:
        candidates.append(add_years(history["activist_selected"], ACTIVIST_YEARS))
    elif step == "branch_conversion_vote":
        end = probation_end(history, extension_months=extension_months)
        if end:
            candidates.append(end)
    elif step == "branch_admission_vote" and publicity_ends_on is not None:
        candidates.append(publicity_ends_on + timedelta(days=1))
    return max(candidates) if candidates else None


def latest_date(step: str, history: Mapping[str, date]) -> date | None:
    """The last day a step may be recorded on (a refusal after it), when a rule sets one."""
    if step == "superior_approval" and "branch_admission_vote" in history:
        return add_months(history["branch_admission_vote"], APPROVAL_MAX_MONTHS)
    return None


# --- 公示 (publicity notice before the admission vote) ---------------------------------------


def is_working_day(day: date) -> bool:
    """Monday to Friday. Public holidays and the weekend days worked instead (调休) are not known
    to the platform: a branch that publicises over a holiday sets a later start or a longer period."""
    return day.weekday() < 5


def publicity_end(start: date, working_days: int = PUBLICITY_WORKING_DAYS) -> date:
    """The last day of a 公示 that starts on `start` and lasts `working_days` working days (the
    first day counts when it is a working day; one that starts on a Saturday runs from Monday)."""
    day = start
    while not is_working_day(day):
        day += timedelta(days=1)
    remaining = max(working_days, 1) - 1
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def publicity_violations(history: Mapping[str, date], start: date) -> list[str]:
    """Why a 公示 may not start on `start`: after the branch committee's review (支部委员会审查,
    which proposes the person for admission) and before the admission vote."""
    reasons: list[str] = []
    if "branch_admission_vote" in history:
        reasons.append(_("支部大会已讨论接收，不能再记录公示"))
    elif "committee_review" not in history:
        reasons.append(_("支部委员会审查（第12步）后，方可对发展对象进行公示"))
    elif start < history["committee_review"]:
        reasons.append(_("公示开始日期不能早于支部委员会审查的日期（%(d)s）") % {"d": _d(history["committee_review"])})
    return reasons


# --- thought reports (思想汇报) -------------------------------------------------------------------


def thought_report_due(*, started: date, last_report: date | None, days: int = THOUGHT_REPORT_DAYS) -> date:
    """The last day without a reminder: `days` after the last thought report, or after the
    application when none came yet. From the day after, no report came in the last `days` days."""
    return (last_report or started) + timedelta(days=days)


def thought_report_overdue(*, started: date, last_report: date | None, today: date,
                           days: int = THOUGHT_REPORT_DAYS) -> bool:
    return today > thought_report_due(started=started, last_report=last_report, days=days)


# --- deadlines that bind the organization ----------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A deadline the organization must meet (not the person): shown as a warning, never a refusal."""

    step: str  # the step that is due
    due: date
    message: str
    overdue: bool


def warnings(history: Mapping[str, date], today: date, *, extension_months: int | None = None) -> list[Deadline]:
    """The organization's pending deadlines for a person (overdue ones flagged):
    the talk within one month of the application, the general meeting within one month of the
    superior pre-review, the approval within three months of the meeting, the conversion
    discussion once the probation has ended."""
    out: list[Deadline] = []

    def add(step: str, due: date, message: str) -> None:
        out.append(Deadline(step, due, message, overdue=today > due))

    if "application" in history and "first_talk" not in history:
        due = add_months(history["application"], TALK_MONTHS)
        add("first_talk", due, _("党组织应在收到入党申请书后一个月内（%(d)s前）派人谈话") % {"d": _d(due)})
    if "superior_prereview" in history and "branch_admission_vote" not in history:
        due = add_months(history["superior_prereview"], MEETING_MONTHS)
        add("branch_admission_vote", due,
            _("预审通过后，党支部应在一个月内（%(d)s前）召开支部党员大会讨论") % {"d": _d(due)})
    if "branch_admission_vote" in history and "superior_approval" not in history:
        due = add_months(history["branch_admission_vote"], APPROVAL_MONTHS)
        latest = add_months(history["branch_admission_vote"], APPROVAL_MAX_MONTHS)
        add("superior_approval", due, _(
            "上级党委应在支部大会通过后三个月内（%(d)s前）审批，特殊情况最迟不超过%(l)s") % {"d": _d(due), "l": _d(latest)})
    if "superior_approval" in history and "branch_conversion_vote" not in history:
        end = probation_end(history, extension_months=extension_months)
        if end is not None and today >= end:
            due = add_months(end, CONVERSION_MONTHS)
            add("branch_conversion_vote", due, _(
                "预备期已于%(d)s期满，党支部应及时（%(u)s前）讨论其能否转正") % {"d": _d(end), "u": _d(due)})
    return out


# Whose deadline the nearest one (`next_due`) is, read from the last step done: from the admission
# vote until the superior committee's approval, the approval deadline (the superior committee's);
# after the application alone, the talk (the branch's); every other deadline is the branch's.
SUPERIOR_DEADLINE_AFTER = frozenset(STEP_CODES[STEP_CODES.index("branch_admission_vote"):
                                               STEP_CODES.index("superior_approval")])
TALK_DEADLINE_AFTER = "application"


def next_due(history: Mapping[str, date], *, extension_months: int | None = None) -> date | None:
    """The nearest deadline of the organization for a person, whatever today is (kept on the record
    so that the board can list the overdue ones with one indexed query)."""
    end = probation_end(history, extension_months=extension_months)
    horizon = max([*history.values(), *([end] if end else [])], default=date.min)
    dues = [d.due for d in warnings(history, horizon, extension_months=extension_months)]
    return min(dues) if dues else None


# --- the vote of the branch general meeting ---------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The numbers of a vote and what they mean."""

    errors: dict[str, str]  # numbers that cannot be (keyed by field)
    quorate: bool
    passed: bool
    votes_for: int  # in favour, written opinions included

    @property
    def ok(self) -> bool:
        return not self.errors and self.quorate and self.passed


def tally(
    *, should_attend: int, present: int, in_favour: int, against: int = 0, abstained: int = 0,
    written_in_favour: int = 0, written_against: int = 0,
) -> Tally:
    """The branch general meeting's vote (《发展党员工作细则》):

    - quorum: the voting members present must be MORE than half of the voting (full) members who
      should attend;
    - adopted: those in favour must be MORE than half of the voting full members who should attend;
    - written opinions of voting members who could not attend, handed in before the meeting,
      are counted in the votes (not in the attendance).
    """
    errors: dict[str, str] = {}
    numbers = {"should_attend": should_attend, "present": present, "in_favour": in_favour, "against": against,
               "abstained": abstained, "written_in_favour": written_in_favour, "written_against": written_against}
    for name, value in numbers.items():
        if value is None or value < 0:
            errors[name] = _("请填写不小于0的整数")
    if errors:
        return Tally(errors, False, False, 0)
    if should_attend < 1:
        errors["should_attend"] = _("应到会有表决权的正式党员人数至少为1")
    if present > should_attend:
        errors["present"] = _("实到人数不能多于应到人数")
    if in_favour + against + abstained > present:
        errors["in_favour"] = _("赞成、反对、弃权人数之和不能多于实到人数")
    if written_in_favour + written_against > max(should_attend - present, 0):
        errors["written_in_favour"] = _("书面意见只能来自未到会的有表决权党员，人数不能多于应到与实到之差")
    votes_for = in_favour + written_in_favour
    return Tally(errors, quorate=present * 2 > should_attend, passed=votes_for * 2 > should_attend,
                 votes_for=votes_for)


def vote_refusals(result: Tally, *, should_attend: int) -> dict[str, str]:
    """A refused vote's reasons keyed by field: impossible numbers, no quorum, no majority."""
    if result.errors:
        return dict(result.errors)
    out: dict[str, str] = {}
    if not result.quorate:
        out["present"] = _("到会人数未超过应到会有表决权党员的半数（应到%(n)d人），会议无效") % {"n": should_attend}
    if not result.passed:
        out["in_favour"] = _(
            "赞成人数（含书面意见%(v)d票）未超过应到会有表决权正式党员的半数（应到%(n)d人），未能通过") % {
            "v": result.votes_for, "n": should_attend}
    return out


# --- extension and cancellation of the probation ---------------------------------------------


def extension_violations(history: Mapping[str, date], on: date, *, months: int, already_extended: bool) -> list[str]:
    """Why the probation may not be extended by `months` on `on` (党章 第七条: once, at most one
    year; 《发展党员工作细则》: at least half a year)."""
    reasons: list[str] = []
    if "superior_approval" not in history:
        reasons.append(_("尚未被批准为预备党员，不能延长预备期"))
    if "conversion_approval" in history or "branch_conversion_vote" in history:
        reasons.append(_("已讨论转正，不能再延长预备期"))
    if already_extended:
        reasons.append(_("根据党章第七条，预备期只能延长一次"))
    if months is None or not EXTENSION_MIN_MONTHS <= months <= EXTENSION_MAX_MONTHS:
        reasons.append(_("延长预备期的时间不能少于半年，最长不超过一年（6至12个月）"))
    end = probation_end(history)
    if end is not None and on < end:
        reasons.append(_("预备期于%(d)s期满，延长预备期应在预备期满时讨论决定") % {"d": _d(end)})
    return reasons
