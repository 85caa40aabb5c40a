"""The blank roster template (花名册模板) offered on the import page: the columns an export writes
(and the import reads back, `roster.EXPORT_FIELDS`), with their Chinese headers, the required
ones marked, and a notes sheet saying how to fill each column, with an example.

Built from `roster.COLUMNS`, so that a column added to the roster appears in the template; the
workbook itself is written by `core.spreadsheets.write_template` (openpyxl).
"""

from __future__ import annotations

from typing import BinaryIO

from django.utils.translation import gettext as _
from stdnum.cn import ric

from dangwu.core.spreadsheets import TemplateColumn, write_template

from . import roster
from .models import Education, Occupation, Standing

_DATES = "2001-07-01、2001/7/1、2001年7月1日"
_EXAMPLE_ID_BASE = "43010219850615001"  # an example's number, with its own check digit below


def _notes() -> dict[str, tuple[str, str]]:
    """(how to fill, example) of each roster field."""
    return {
        "org_code": (_("党组织代码与“所在党组织”填一项即可；导入时选择了党组织，两列都可留空"), "43010203001"),
        "org_name": (_("党组织全称（在您的管理范围内唯一时可用），否则请填党组织代码"), _("芙蓉区文化馆党支部")),
        "name": (_("党员姓名"), _("张三")),
        "gender": (_("男 / 女；留空时按公民身份号码填入"), _("男")),
        "ethnicity": (_("如 汉族、土家族（可省略“族”字）；留空为汉族"), _("汉族")),
        "id_number": (_("18位公民身份号码；本列已设为文本格式，请勿改为数字，以免末几位变成0"),
                      _EXAMPLE_ID_BASE + ric.calc_check_digit(_EXAMPLE_ID_BASE)),
        "birth_date": (_("留空时按公民身份号码填入；如填写，须与号码一致。日期可写成 %(d)s") % {"d": _DATES},
                       "1985-06-15"),
        "education": (_("可填：%(v)s（也可写 本科、大专、硕士 等）") % {"v": "、".join(map(str, Education.labels))},
                      _("大学本科")),
        "occupation": (_("可填：%(v)s") % {"v": "、".join(map(str, Occupation.labels))}, _("在岗职工")),
        "member_type": (_("正式党员 / 预备党员"), _("正式党员")),
        "standing": (_("留空为正常；导入只能建立党籍正常的档案（可填：%(v)s）") % {
            "v": "、".join(map(str, Standing.labels))}, _("正常")),
        "joined_on": (_("日期可写成 %(d)s") % {"d": _DATES}, "2010-07-01"),
        "converted_on": (_("正式党员填写；预备党员留空"), "2011-07-01"),
        "phone": (_("手机号码或固定电话；本列已设为文本格式"), "13800138000"),
        "dues_standard": (_("每月应交党费，单位元，如 25.00"), "25.00"),
        "dues_paid_until": (_("已交到的月份，如 2026-03"), "2026-03"),
    }


def template_columns() -> list[TemplateColumn]:
    notes = _notes()
    columns = []
    for field in roster.EXPORT_FIELDS:
        column = roster.COLUMN_BY_FIELD[field]
        note, example = notes.get(field, ("", ""))
        if not note:
            note = {"date": _("日期可写成 %(d)s") % {"d": _DATES}, "bool": _("是 / 否；留空为否")}.get(column.kind, "")
        if column.aliases:
            also = _("列名也可写作：%(a)s") % {"a": "、".join(column.aliases)}
            note = f"{note}。{also}" if note else also
        columns.append(TemplateColumn(
            header=column.header, required=field in roster.REQUIRED_FIELDS, note=note, example=example,
            text=column.kind in ("id", "phone", "org_code"),
            width=22 if column.kind in ("id", "org_name") or field in ("work_unit", "address") else 14))
    return columns


def write_roster_template(out: BinaryIO) -> None:
    write_template(template_columns(), out, sheet=_("花名册"), notes_sheet=_("填写说明"))
