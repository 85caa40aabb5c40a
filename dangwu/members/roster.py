"""Reading Excel and CSV rosters (党员花名册): the columns of a roster, pure parsing, no database.

A roster is a sheet whose header row (within its first rows; title rows above it are
fine) names the columns in Chinese, in any order and in the variants real rosters use
(公民身份号码 / 身份证号 / 身份证号码 …). Values come in their variants too (男 / 男性,
本科 / 大学本科, 离退休 / 退休, 2001.07 / 2001年7月1日 / an Excel date …). This module turns
each data row into a dict of member field values and lists every value it cannot read as a
`RowError` (row number as Excel shows it, the column's header as written in the file, the
value, the reason in Chinese). Checks that need the database or the whole record (ID check
digit, agreement with the birth date, dates against each other, organizations, duplicates)
are the import's (`roster_import.import_roster`, with `rules.record_errors`).

A file that is not a roster at all (empty, not a spreadsheet, no header row, merged cells
in the table, too large) raises `SpreadsheetError` with a message for the person who sent it.
Reading files and cells is generic and lives in `core.spreadsheets`; what is here is what
makes a sheet a roster: its columns, their vocabularies, and where the header row is.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from dangwu.core.spreadsheets import (
    HEADER_SEARCH_ROWS,
    RowError,
    SpreadsheetError,
    ValueProblem,
    cell_text,
    check_file,
    check_merged,
    check_readable,
    csv_rows,
    decode_csv,
    is_empty,
    lookup,
    normalize_header,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_id_text,
    parse_phone_text,
    parse_text,
    sheet_rows,
    variants,
    xlsx_sheets,
)

from . import rules

# --- columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One roster column: the member field it fills, the header an export writes, the variants read."""

    field: str
    header: str
    kind: str  # text | date | gender | ethnicity | education | occupation | member_type | standing | bool | decimal | id | phone | work_and_job | org_code | org_name
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("org_code", "党组织代码", "org_code", ("组织代码", "所在党组织代码", "党组织编码")),
    Column("org_name", "所在党组织", "org_name", ("党组织名称", "所在党支部", "所属党组织", "党组织", "所在支部")),
    Column("name", "姓名", "text", ("党员姓名",)),
    Column("gender", "性别", "gender"),
    Column("ethnicity", "民族", "ethnicity"),
    Column("id_number", "公民身份号码", "id", ("身份证号", "身份证号码", "身份证", "身份证件号码", "证件号码", "公民身份证号码", "居民身份证号码")),
    Column("birth_date", "出生日期", "date", ("出生年月", "出生时间", "出生年月日")),
    Column("native_place", "籍贯", "text"),
    Column("education", "学历", "education", ("文化程度", "最高学历")),
    Column("degree", "学位", "text", ("最高学位",)),
    Column("professional_title", "专业技术职务", "text", ("职称", "专业技术职称")),
    Column("occupation", "人员类别", "occupation", ("职业类别", "工作岗位", "党员类别(职业)")),
    Column("work_unit", "工作单位", "text", ("单位", "单位名称")),
    Column("job_title", "职务", "text", ("行政职务", "现任职务")),
    Column("work_and_job", "工作单位及职务", "work_and_job", ("单位及职务", "工作单位和职务", "工作单位及职位")),
    Column("work_started_on", "参加工作日期", "date", ("参加工作时间",)),
    Column("phone", "联系电话", "phone", ("手机号码", "手机号", "电话", "手机", "联系方式", "电话号码")),
    Column("address", "家庭住址", "text", ("住址", "现居住地", "家庭地址", "现住址")),
    Column("party_post", "党内职务", "text"),
    Column("member_type", "党员类型", "member_type", ("党员类别", "党员身份")),
    Column("applied_on", "申请入党日期", "date", ("申请入党时间",)),
    Column("joined_on", "入党日期", "date", ("入党时间", "加入党组织日期")),
    Column("converted_on", "转正日期", "date", ("转正时间",)),
    Column("standing", "党籍状态", "standing"),
    Column("is_outflow", "流出党员", "bool", ("是否流出党员",)),
    Column("outflow_destination", "流出去向", "text", ("流向",)),
    Column("is_inflow", "流入党员", "bool", ("是否流入党员",)),
    Column("lost_contact", "失联党员", "bool", ("是否失联党员",)),
    Column("lost_contact_since", "失联日期", "date", ("失去联系日期", "失联时间")),
    Column("in_hardship", "困难党员", "bool", ("是否困难党员",)),
    Column("is_party_worker", "党务工作者", "bool", ("是否党务工作者",)),
    Column("dues_standard", "党费标准（元/月）", "decimal", ("党费标准", "月交党费", "每月党费", "党费")),
    Column("dues_paid_until", "党费交至", "date", ("党费缴至", "党费交至(年月)", "党费交纳至")),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}
IGNORED_HEADERS = {"序号", "编号", "备注", "年龄"}
# The record's fields a roster may fill (ID and phone numbers go through the record's setters,
# the organization by code or name).
ROSTER_FIELDS = [name for name in rules.EDITABLE_FIELDS if name in COLUMN_BY_FIELD]

# The columns an export writes, in order (the import reads them back: they round-trip).
EXPORT_FIELDS: tuple[str, ...] = (
    "org_code", "org_name", "name", "gender", "ethnicity", "id_number", "birth_date", "native_place",
    "education", "degree", "professional_title", "occupation", "work_unit", "job_title", "work_started_on",
    "phone", "address", "party_post", "member_type", "applied_on", "joined_on", "converted_on", "standing",
    "is_outflow", "outflow_destination", "is_inflow", "lost_contact", "lost_contact_since", "in_hardship",
    "is_party_worker", "dues_standard", "dues_paid_until",
)
REQUIRED_FIELDS = ("name", "id_number", "member_type", "joined_on")

_HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_INDEX[normalize_header(_name)] = _column.field


def field_for_header(text: Any) -> str | None:
    return _HEADER_INDEX.get(normalize_header(text))


# --- values -----------------------------------------------------------------------------

GENDERS = variants({"male": ("男", "男性", "M", "male"), "female": ("女", "女性", "F", "female")})
EDUCATIONS = variants({
    "postgraduate": ("研究生", "研究生及以上", "硕士", "博士", "硕士研究生", "博士研究生", "研究生学历"),
    "undergraduate": ("大学本科", "本科", "大学", "本科学历"),
    "junior_college": ("大学专科", "大专", "专科", "高职", "高职高专"),
    "secondary_vocational": ("中等专科", "中专", "中技", "技校", "中等专业学校", "职高"),
    "high_school": ("高中", "普通高中", "高中毕业"),
    "junior_high": ("初中", "初级中学"),
    "primary": ("小学及以下", "小学", "文盲", "半文盲"),
})
OCCUPATIONS = variants({
    "employed": ("在岗职工", "在职", "在岗", "职工", "在职职工", "企业职工"),
    "farmer": ("农牧渔民", "农民", "牧民", "渔民", "农牧民"),
    "student": ("学生", "在校学生"),
    "retired": ("离退休人员", "离退休", "退休", "离休", "退休人员", "离休人员"),
    "unemployed": ("下岗失业人员", "下岗失业", "失业", "下岗", "失业人员"),
    "self_employed": ("个体经营者", "个体经营", "个体", "个体户", "个体工商户"),
    "civil_servant": ("党政机关工作人员", "机关工作人员", "公务员", "党政机关"),
    "professional": ("专业技术人员", "专技人员", "专业技术"),
    "military": ("解放军、武警", "解放军", "武警", "军人", "现役军人"),
    "other": ("其他职业人员", "其他", "其他职业"),
})
MEMBER_TYPES = variants({"full": ("正式党员", "正式"), "probationary": ("预备党员", "预备")})
STANDINGS = variants({
    "normal": ("正常",), "suspended": ("停止党籍",), "expelled": ("开除党籍",), "removed": ("除名",),
    "withdrawn": ("退党",), "self_departed": ("自行脱党",), "deceased": ("死亡",),
})


def parse_ethnicity(value: Any) -> str:
    """民族 as GB/T 3304 names it (汉 → 汉族); ValueProblem for anything else (`rules.ethnicity_name`)."""
    check_readable(value)
    if is_empty(value):
        return ""
    name = rules.ethnicity_name(normalize_header(cell_text(value)))
    if name is None:
        raise ValueProblem(str(rules.UNKNOWN_ETHNICITY))
    return name


def split_work_and_job(text: str) -> tuple[str, str]:
    """工作单位及职务 → (工作单位, 职务): split at the last space (ASCII or full-width), as rosters
    write "长沙市芙蓉区文化馆 馆长"; without a space everything is the work unit (no guessing
    where a unit's name ends and a title begins)."""
    text = re.sub(r"[\s\u3000]+", " ", text).strip()
    unit, space, job = text.rpartition(" ")
    if not space:
        return text, ""
    return unit, job


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": parse_text, "org_name": parse_text, "org_code": parse_text, "work_and_job": parse_text,
    "date": parse_date, "id": parse_id_text, "phone": parse_phone_text, "ethnicity": parse_ethnicity,
    "bool": parse_bool, "decimal": parse_decimal,
    "gender": lambda v: lookup(GENDERS, v, lambda: _("性别应为“男”或“女”")),
    "education": lambda v: lookup(EDUCATIONS, v, lambda: _(
        "无法识别的学历（应为研究生、大学本科、大学专科、中等专科、高中、初中、小学及以下）")),
    "occupation": lambda v: lookup(OCCUPATIONS, v, lambda: _(
        "无法识别的人员类别（如：在岗职工、农牧渔民、学生、离退休人员）")),
    "member_type": lambda v: lookup(MEMBER_TYPES, v, lambda: _("党员类型应为“正式党员”或“预备党员”")),
    "standing": lambda v: lookup(STANDINGS, v, lambda: _("无法识别的党籍状态")),
}
# Kinds whose columns repeat a few values (男, 汉族, 大学本科, dates …): each distinct cell is read once.
_MEMO_KINDS = frozenset({"date", "gender", "ethnicity", "education", "occupation", "member_type", "standing",
                         "bool", "decimal", "org_code", "org_name"})
_MEMO_LIMIT = 200_000


def parse_value(kind: str, value: Any) -> Any:
    """One cell of a column of this kind, read; raises ValueProblem."""
    return _PARSERS[kind](value)


# --- rows -------------------------------------------------------------------------------

@dataclass
class ParsedRoster:
    """The rows of a roster, read: each a dict of field values with its row number under "_row"."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field → the header as written in the file
    ignored: list[str] = field(default_factory=list)  # headers not read
    sheet: str = ""
    file_name: str = ""

    def header(self, field_name: str) -> str:
        """The header to name in an error about this field: the file's own, else the standard one."""
        if field_name in self.headers:
            return self.headers[field_name]
        if field_name in ("work_unit", "job_title") and "work_and_job" in self.headers:
            return self.headers["work_and_job"]
        if field_name == "organization":
            return self.headers.get("org_code") or self.headers.get("org_name") or _("党组织代码")
        column = COLUMN_BY_FIELD.get(field_name)
        return column.header if column else field_name

    def has(self, field_name: str) -> bool:
        if field_name in ("work_unit", "job_title"):
            return field_name in self.headers or "work_and_job" in self.headers
        return field_name in self.headers


def map_header(cells: list[Any]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """(column index → field, field → header text, headers not read) for a header row."""
    by_index: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        text = cell_text(cell)
        if not text:
            continue
        name = field_for_header(text)
        if name is None or name in headers:
            if normalize_header(text) not in IGNORED_HEADERS:
                ignored.append(text)
            continue
        by_index[index] = name
        headers[name] = text
    return by_index, headers, ignored


def looks_like_header(cells: list[Any]) -> bool:
    found = {field_for_header(cell_text(c)) for c in cells if not is_empty(c)}
    return "name" in found and "id_number" in found


def parse_rows(rows: Iterable[tuple[int, list[Any]]], *, sheet: str = "", file_name: str = "",
               max_rows: int | None = None) -> ParsedRoster:
    """Find the header row among the first rows, then read every data row.

    `rows` yields (row number as Excel shows it, cell values). Empty rows are skipped.
    Raises SpreadsheetError when there is no header row or a required column is missing.
    """
    iterator = iter(rows)
    header: list[Any] | None = None
    header_row = 0
    for _i in range(HEADER_SEARCH_ROWS):
        try:
            number, cells = next(iterator)
        except StopIteration:
            break
        if looks_like_header(cells):
            header, header_row = cells, number
            break
    if header is None:
        raise SpreadsheetError(_("在表格前%(n)d行中没有找到表头：表头行应包含“姓名”“公民身份号码”等列名") % {
            "n": HEADER_SEARCH_ROWS})
    by_index, headers, ignored = map_header(header)
    missing = [COLUMN_BY_FIELD[f].header for f in REQUIRED_FIELDS if f not in headers]
    if missing:
        raise SpreadsheetError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    parsed = ParsedRoster(headers=headers, ignored=ignored, sheet=sheet, file_name=file_name)
    # (index, field, kind, parser, header as written, memo of the values read or None)
    columns: list[tuple[int, str, str, Callable[[Any], Any], str, dict[Any, Any] | None]] = [
        (index, name, COLUMN_BY_FIELD[name].kind, _PARSERS[COLUMN_BY_FIELD[name].kind], headers[name],
         {} if COLUMN_BY_FIELD[name].kind in _MEMO_KINDS else None)
        for index, name in sorted(by_index.items())]
    errors = parsed.errors
    append = parsed.rows.append
    for number, cells in iterator:
        if all(is_empty(c) for c in cells):
            continue
        if max_rows is not None and len(parsed.rows) >= max_rows:
            raise SpreadsheetError(_("文件超过%(n)d行，请分成几个文件导入") % {"n": max_rows})
        values: dict[str, Any] = {"_row": number}
        width = len(cells)
        for index, name, kind, parser, text, memo in columns:
            raw = cells[index] if index < width else None
            try:
                if memo is None:
                    value = parser(raw)
                else:
                    key = (type(raw), raw)
                    try:
                        value = memo[key]
                    except KeyError:
                        try:
                            value = parser(raw)
                        except ValueProblem as problem:
                            value = problem
                        if len(memo) < _MEMO_LIMIT:
                            memo[key] = value
                    if isinstance(value, ValueProblem):
                        raise value
            except ValueProblem as problem:
                errors.append(RowError(number, text, cell_text(raw), str(problem)))
                values.setdefault("_bad", set()).add(name)
                continue
            if kind == "work_and_job":
                unit, job = split_work_and_job(value)
                values.setdefault("work_unit", unit)
                values.setdefault("job_title", job)
            else:
                values[name] = value
        append(values)
    if not parsed.rows:
        raise SpreadsheetError(_("表头（第%(row)d行）下面没有党员数据") % {"row": header_row})
    return parsed


# --- files ------------------------------------------------------------------------------

def _read_xlsx(path: str, *, file_name: str, max_rows: int | None) -> ParsedRoster:
    from python_calamine import CalamineError

    looked_at: list[str] = []
    try:
        for name, sheet in xlsx_sheets(path):
            looked_at.append(name)
            rows = sheet_rows(sheet)
            first = [item for item in (next(rows, None) for _i in range(HEADER_SEARCH_ROWS)) if item is not None]
            header_row = next((number for number, cells in first if looks_like_header(cells)), None)
            if header_row is None:
                continue  # a cover or notes sheet: look at the next one
            check_merged(sheet, header_row)
            return parse_rows(itertools.chain(first, rows), sheet=name, file_name=file_name, max_rows=max_rows)
    except CalamineError as exc:
        raise SpreadsheetError(_("无法读取Excel文件：%(e)s") % {"e": str(exc)[:200]}) from None
    if not looked_at:
        raise SpreadsheetError(_("工作簿中没有工作表"))
    raise SpreadsheetError(
        _("工作簿中没有找到花名册：已查看工作表“%(sheets)s”，在各表前%(n)d行中都没有包含“姓名”“公民身份号码”的表头行")
        % {"sheets": "”“".join(looked_at[:10]), "n": HEADER_SEARCH_ROWS})


def read_roster(source: str | Path | BinaryIO, *, file_name: str = "", max_bytes: int | None = None,
                max_rows: int | None = None) -> ParsedRoster:
    """Read a roster file (.xlsx or .csv) from a path; SpreadsheetError for anything it cannot read."""
    path = Path(source) if isinstance(source, str | Path) else None
    file_name = file_name or (path.name if path else "")
    if path is None:
        raise TypeError("read_roster reads a file on disk; save uploads first")
    if check_file(path, file_name=file_name, max_bytes=max_bytes, max_rows=max_rows) == "xlsx":
        return _read_xlsx(str(path), file_name=file_name, max_rows=max_rows)
    text = decode_csv(path.read_bytes())
    return parse_rows(csv_rows(text), sheet="", file_name=file_name, max_rows=max_rows)
