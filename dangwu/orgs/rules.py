"""Pure rules about organizations (no database): terms of office and structure warnings.

Sources: 《中国共产党支部工作条例(试行)》 (2018) arts. 6, 13, 17 and 《中国共产党农村基层组织工作条例》.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangwu.core.dates import DateOutOfRange, add_years

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


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


def structure_warnings(
    *, org_type: str, full_members: int | None, all_members: int | None, committee_size: int, units: int = 1,
    term_expired: bool = False,
) -> list[Warning]:
    """Warnings (not hard blocks) about a branch's size and committee. Without member counts
    (None: no app keeps members), only the warnings that need none."""
    warnings: list[Warning] = []
    is_branch = org_type in {"branch", "joint_branch", "temporary_branch"}
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
    return warnings
