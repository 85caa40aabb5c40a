"""Pure rules about organizations (no database): terms of office, where each type may stand,
and structure warnings.

Sources: 《中国共产党章程》 art. 30, 《中国共产党支部工作条例(试行)》 (2018) arts. 6, 13, 17 and
《中国共产党农村基层组织工作条例》.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangwu.core.dates import DateOutOfRange, add_months, add_years

VILLAGE_AND_COMMUNITY = {"village", "community"}


def term_years(unit_category: str) -> int:
    """支部委员会每届任期3年; 村和社区党组织每届任期5年."""
    return 5 if unit_category in VILLAGE_AND_COMMUNITY else 3


def term_end(start: date, unit_category: str) -> date:
    """The day a term of office that began on `start` ends (29 February: 28 February, decision 0013).

    Raises ValidationError (keyed `term_start`) past the calendar's end (year 9999), never a bare ValueError.
    """
    try:
        return add_years(start, term_years(unit_category))
    except DateOutOfRange:
        raise ValidationError({"term_start": [_("日期超出可计算的范围")]}, code="date_range") from None


BRANCH_TYPES = frozenset({"branch", "joint_branch", "temporary_branch"})


def _what_may_stand_under(org_type: str) -> tuple[frozenset[str], str] | None:
    """The types allowed directly under an organization of `org_type`, with the rule that says so,
    or None where the type limits nothing (党委, 党工委, 党组). A branch divides into groups
    (党小组) only; a general branch (党总支) leads branches; a group is the smallest unit."""
    if org_type == "group":
        return frozenset(), _("党小组下不能再设党组织")
    if org_type in BRANCH_TYPES:
        return frozenset({"group"}), _("党支部之下只能设党小组")
    if org_type == "general_branch":
        return BRANCH_TYPES, _("党总支之下只能设党支部")
    return None


def placement_problems(
    *, org_type: str, parent_type: str | None, child_types: Collection[str] = (), members: int = 0,
    keeps_members: bool = True,
) -> dict[str, list[str]]:
    """Why an organization of `org_type` may not stand where it stands: under a parent of
    `parent_type` (None: the top of the tree), over children of `child_types`, holding the
    relations of `members` members (`keeps_members`: whether its type may hold them). Keyed by the
    field to correct ("parent" where the parent takes no child at all, else "org_type"); empty
    when it may. The one rule of the form, the API and any other writer of the tree (through
    `orgs.services`)."""
    problems: dict[str, list[str]] = {}
    if parent_type is None and org_type != "committee":
        problems.setdefault("org_type", []).append(_("最高一级党组织只能是党委"))
    if parent_type is not None and (under_parent := _what_may_stand_under(parent_type)) is not None:
        allowed, rule = under_parent
        if org_type not in allowed:
            problems.setdefault("parent" if not allowed else "org_type", []).append(rule)
    elif org_type == "group" and parent_type is not None:
        problems.setdefault("org_type", []).append(_("党小组应设在党支部之下"))
    if (under_self := _what_may_stand_under(org_type)) is not None:
        allowed, rule = under_self
        if any(child not in allowed for child in child_types):
            problems.setdefault("org_type", []).append(
                _("该党组织设有下级组织，不能改为此类别：%(rule)s") % {"rule": rule})
    if members and not keeps_members:
        problems.setdefault("org_type", []).append(
            _("该党组织有%(count)d名党员，此类别不能保留党员的组织关系，请先转出党员") % {"count": members})
    return problems


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


def structure_warnings(
    *, org_type: str, full_members: int | None, all_members: int | None, committee_size: int, units: int = 1,
    term_expired: bool = False, term_expiring_on: date | None = None,
) -> list[Warning]:
    """Warnings (not hard blocks) about a branch's size and committee. Without member counts
    (None: no app keeps members), only the warnings that need none."""
    warnings: list[Warning] = []
    is_branch = org_type in BRANCH_TYPES
    if full_members is None or all_members is None:
        is_branch_counted = False
        full_members = all_members = 0
    else:
        is_branch_counted = is_branch
    if is_branch_counted and full_members < 3:
        warnings.append(Warning("too_few_members", _("正式党员不足3人，不符合成立党支部的条件")))
    if org_type == "joint_branch" and units > 5:
        warnings.append(Warning("joint_too_wide", _("联合党支部覆盖单位一般不超过5个")))
    if is_branch_counted and full_members >= 7 and not 3 <= committee_size <= 5:
        warnings.append(Warning("committee_needed", _("正式党员7人以上的党支部应设立支部委员会（3至5人）")))
    if is_branch_counted and all_members > 100:
        warnings.append(Warning("suggest_committee", _("党员超过100人，可考虑成立基层党委")))
    elif is_branch_counted and all_members > 50:
        warnings.append(Warning("suggest_general_branch", _("党员超过50人，可考虑成立党总支")))
    if term_expired:
        warnings.append(Warning("term_expired", _("委员会任期已届满，应按期换届")))
    elif term_expiring_on is not None:
        warnings.append(Warning("term_expiring", _(
            "委员会任期将于%(d)s届满，应提前做好换届准备，向上级党组织报送换届选举请示") % {
            "d": term_expiring_on.isoformat()}))
    return warnings


def term_state(*, term_ends: Collection[date], today: date, notice_months: int) -> tuple[bool, date | None]:
    """(expired, expiring on): whether the serving committee's term has ended (any position past its
    end), or the day it ends when that lies within `notice_months` (换届提醒: the branch prepares its
    election plan and the committee above approves it in time); (False, None) otherwise."""
    if not term_ends:
        return False, None
    first = min(term_ends)
    if first < today:
        return True, None
    return False, first if first <= add_months(today, notice_months) else None
