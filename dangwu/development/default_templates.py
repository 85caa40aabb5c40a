"""Writes the default templates of the recruitment documents (docx_templates/*.docx) with python-docx.

    DJANGO_SETTINGS_MODULE=dangwu.settings python -m dangwu.development.default_templates [folder]

The generated files are committed; run this again after changing a layout below. Each template is a
title, a table of the person's particulars, a table of the step's facts and signature/date lines, with
Jinja placeholders (`{{ name }}`, `{{ step.date }}` …) that `paperwork.render` fills; an administrator
may replace any file with the province's own (docs/admin-guide.md lists the placeholders).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

NOTES = "notes"  # a row whose value gets room to write


def _particulars() -> list[tuple[str, str, str, str]]:
    return [
        (_("姓名"), "{{ name }}", _("性别"), "{{ gender }}"),
        (_("民族"), "{{ ethnicity }}", _("出生日期"), "{{ birth_date }}"),
        (_("学历"), "{{ education }}", _("申请入党日期"), "{{ applied_on }}"),
        (_("公民身份号码"), "{{ id_number }}", "", ""),
        (_("工作单位及职务"), "{{ work_unit }}", "", ""),
        (_("所在党支部"), "{{ branch }}", "", ""),
    ]


def _layouts() -> dict[str, dict[str, Any]]:
    """Per kind: the facts rows (label, value[, NOTES]) and the signature lines."""
    branch_seal = _("党支部（盖章）          书记签名：")
    superior_seal = _("上级党委（盖章）          负责人签名：")
    return {
        "talk_record": {"facts": [
            (_("递交入党申请书日期"), "{{ applied_on }}"),
            (_("谈话日期"), "{{ step.date }}"),
            (_("派出谈话的党组织"), "{{ step.body }}"),
            (_("谈话人"), "{{ step.responsible }}"),
            (_("谈话情况"), "{{ step.notes }}", NOTES),
        ], "signatures": [_("谈话人签名："), _("被谈话人签名：")]},
        "activist_filing": {"facts": [
            (_("递交入党申请书日期"), "{{ applied_on }}"),
            (_("确定为入党积极分子日期"), "{{ steps.activist_selected.date }}"),
            (_("确定机关"), "{{ steps.activist_selected.body }}"),
            (_("报上级党委备案日期"), "{{ step.date }}"),
            (_("备案党委"), "{{ superior }}"),
            (_("情况说明"), "{{ step.notes }}", NOTES),
        ], "signatures": [branch_seal, superior_seal]},
        "activist_training": {"facts": [
            (_("确定为入党积极分子日期"), "{{ steps.activist_selected.date }}"),
            (_("培养联系人"), "{{ contacts }}"),
            (_("指定培养联系人日期"), "{{ steps.contacts_assigned.date }}"),
            (_("考察日期"), "{{ step.date }}"),
            (_("考察负责人"), "{{ step.responsible }}"),
            (_("培养教育考察情况"), "{{ step.notes }}", NOTES),
        ], "signatures": [_("培养联系人签名："), branch_seal]},
        "target_filing": {"facts": [
            (_("确定为入党积极分子日期"), "{{ steps.activist_selected.date }}"),
            (_("培养联系人"), "{{ contacts }}"),
            (_("确定为发展对象日期"), "{{ steps.target_selected.date }}"),
            (_("确定机关"), "{{ steps.target_selected.body }}"),
            (_("报上级党委备案日期"), "{{ step.date }}"),
            (_("备案党委"), "{{ superior }}"),
            (_("情况说明"), "{{ step.notes }}", NOTES),
        ], "signatures": [branch_seal, superior_seal]},
        "political_review": {"facts": [
            (_("确定为发展对象日期"), "{{ steps.target_selected.date }}"),
            (_("政治审查日期"), "{{ step.date }}"),
            (_("组织政审的党组织"), "{{ step.body }}"),
            (_("负责人"), "{{ step.responsible }}"),
            (_("政治审查情况及结论"), "{{ step.notes }}", NOTES),
        ], "signatures": [branch_seal]},
        "training_appraisal": {"facts": [
            (_("确定为发展对象日期"), "{{ steps.target_selected.date }}"),
            (_("培训结束日期"), "{{ step.date }}"),
            (_("举办单位"), "{{ step.body }}"),
            (_("培训天数"), "{{ training_days }}"),
            (_("培训学时"), "{{ training_hours }}"),
            (_("考核鉴定意见"), "{{ step.notes }}", NOTES),
        ], "signatures": [_("培训单位（盖章）          负责人签名：")]},
        "prereview": {"facts": [
            (_("确定为发展对象日期"), "{{ steps.target_selected.date }}"),
            (_("入党介绍人"), "{{ introducers }}"),
            (_("政治审查日期"), "{{ steps.political_review.date }}"),
            (_("集中培训结束日期"), "{{ steps.target_training.date }}"),
            (_("支部委员会审查日期"), "{{ steps.committee_review.date }}"),
            (_("公示期"), "{{ publicity_start }} — {{ publicity_end }}"),
            (_("预审日期"), "{{ step.date }}"),
            (_("预审党委"), "{{ step.body }}"),
            (_("预审意见"), "{{ step.notes }}", NOTES),
        ], "signatures": [superior_seal]},
        "probationary_filing": {"facts": [
            (_("入党介绍人"), "{{ introducers }}"),
            (_("支部大会讨论日期"), "{{ steps.branch_admission_vote.date }}"),
            (_("表决情况"), _("应到{{ vote.should_attend }}人，实到{{ vote.present }}人；赞成{{ vote.in_favour }}人，"
                          "反对{{ vote.against }}人，弃权{{ vote.abstained }}人；书面意见赞成{{ vote.written_in_favour }}人")),
            (_("上级党委审批日期"), "{{ steps.superior_approval.date }}"),
            (_("审批党委"), "{{ steps.superior_approval.body }}"),
            (_("入党日期（预备期起始）"), "{{ joined_on }}"),
            (_("报组织部门备案日期"), "{{ step.date }}"),
            (_("备案机关"), "{{ step.body }}"),
            (_("情况说明"), "{{ step.notes }}", NOTES),
        ], "signatures": [superior_seal]},
        "probation_record": {"facts": [
            (_("入党日期"), "{{ joined_on }}"),
            (_("入党介绍人"), "{{ introducers }}"),
            (_("编入党支部和党小组日期"), "{{ steps.placed.date }}"),
            (_("入党宣誓日期"), "{{ steps.oath.date }}"),
            (_("考察记录日期"), "{{ step.date }}"),
            (_("考察负责人"), "{{ step.responsible }}"),
            (_("继续教育考察情况"), "{{ step.notes }}", NOTES),
        ], "signatures": [_("入党介绍人签名："), branch_seal]},
    }


def _font(document: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "宋体")


def _page(document: Any) -> None:
    from docx.shared import Cm

    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.4)


def _title(document: Any, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(20)
    paragraph.paragraph_format.space_after = Pt(12)


def _cell(cell: Any, text: str, *, bold: bool = False) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _widths(table: Any, widths: list[float]) -> None:
    """Fixed column widths (the grid for LibreOffice, each cell for Word) and rows of a writable height."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        row.height, row.height_rule = Cm(0.9), WD_ROW_HEIGHT_RULE.AT_LEAST
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Cm(width)


def _particulars_table(document: Any) -> None:
    rows = _particulars()
    table = document.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    _widths(table, [3.4, 4.9, 3.2, 4.7])
    for row, (l1, v1, l2, v2) in zip(table.rows, rows, strict=True):
        _cell(row.cells[0], l1, bold=True)
        if l2:
            _cell(row.cells[1], v1)
            _cell(row.cells[2], l2, bold=True)
            _cell(row.cells[3], v2)
        else:
            merged = row.cells[1].merge(row.cells[3])
            _cell(merged, v1)


def _facts_table(document: Any, facts: list[tuple]) -> None:
    from docx.shared import Cm

    table = document.add_table(rows=len(facts), cols=2)
    table.style = "Table Grid"
    _widths(table, [4.6, 11.6])
    for row, fact in zip(table.rows, facts, strict=True):
        _cell(row.cells[0], fact[0], bold=True)
        _cell(row.cells[1], fact[1])
        if len(fact) > 2 and fact[2] == NOTES:
            row.height = Cm(4.5 if len(facts) > 7 else 6)


def _signatures(document: Any, lines: list[str]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    for line in lines:
        paragraph = document.add_paragraph(line)
        paragraph.paragraph_format.space_before = Pt(12)
    date_line = document.add_paragraph(_("填表日期：{{ today }}"))
    date_line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date_line.paragraph_format.space_before = Pt(12)


def _heading(document: Any, text: str) -> None:
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.space_after = Pt(4)


def _new_document() -> Any:
    import docx

    document = docx.Document()
    _font(document)
    _page(document)
    return document


def _form(kind: Any, layout: dict[str, Any]) -> Any:
    from docx.shared import Pt

    document = _new_document()
    _title(document, str(kind.title))
    subtitle = document.add_paragraph(_("党支部：{{ branch }}        上级党委：{{ superior }}"))
    subtitle.paragraph_format.space_after = Pt(6)
    _heading(document, _("一、基本情况"))
    _particulars_table(document)
    _heading(document, _("二、{{ step.label }}"))
    _facts_table(document, layout["facts"])
    _signatures(document, layout["signatures"])
    return document


def _publicity_notice(kind: Any) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = _new_document()
    _title(document, str(kind.title))
    body = document.add_paragraph(_(
        "经{{ branch }}委员会于{{ steps.committee_review.date }}审查，拟将{{ name }}同志列为预备党员接收对象，"
        "提交支部党员大会讨论。现将有关情况公示如下："))
    body.paragraph_format.first_line_indent = Pt(24)
    _particulars_table(document)
    _facts_table(document, [
        (_("确定为入党积极分子日期"), "{{ steps.activist_selected.date }}"),
        (_("确定为发展对象日期"), "{{ steps.target_selected.date }}"),
        (_("培养联系人"), "{{ contacts }}"),
        (_("入党介绍人"), "{{ introducers }}"),
    ])
    period = document.add_paragraph(_(
        "公示时间：{{ publicity_start }}至{{ publicity_end }}（{{ publicity_days }}个工作日）。公示期间，"
        "党员和群众可通过来信、来电、来访等方式向{{ branch }}或{{ superior }}反映情况。反映情况应实事求是，"
        "署名或当面反映的，党组织将予以保密。"))
    period.paragraph_format.first_line_indent = Pt(24)
    period.paragraph_format.space_before = Pt(12)
    for text in ("{{ branch }}", "{{ publicity_start }}"):
        line = document.add_paragraph(text)
        line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return document


def write_templates(folder: Path) -> list[Path]:
    """Write every kind's default template into `folder`; returns the files written."""
    from django.utils import translation

    from .paperwork import KINDS

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with translation.override("zh-hans"):
        layouts = _layouts()
        for code, kind in KINDS.items():
            document = _publicity_notice(kind) if code == "publicity_notice" else _form(kind, layouts[code])
            path = folder / kind.file_name
            document.core_properties.title = str(kind.title)
            document.core_properties.author = ""
            document.save(str(path))
            written.append(path)
    return written


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from .paperwork import DEFAULT_FOLDER

    folder = Path(argv[0]) if argv else DEFAULT_FOLDER
    for path in write_templates(folder):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
