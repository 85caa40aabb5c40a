"""Reading Excel and CSV rosters (党员花名册): pure parsing, no database.

A roster is a sheet whose header row (within its first rows; title rows above it are
fine) names the columns in Chinese, in any order and in the variants real rosters use
(公民身份号码 / 身份证号 / 身份证号码 …). Values come in their variants too (男 / 男性,
本科 / 大学本科, 离退休 / 退休, 2001.07 / 2001年7月1日 / an Excel date …). This module turns
each data row into a dict of member field values and lists every value it cannot read as a
`RowError` (row number as Excel shows it, the column's header as written in the file, the
value, the reason in Chinese). Checks that need the database or the whole record (ID check
digit, agreement with the birth date, dates against each other, organizations, duplicates)
are the service's (`services.import_roster`).

A file that is not a roster at all (empty, not a spreadsheet, no header row, merged cells
in the table, too large) raises `RosterFileError` with a message for the person who sent it.

.xlsx files are read with python-calamine (Rust): openpyxl's read-only reader takes about
0.35 ms a row, too slow for a 200 000-row roster (docs/decisions/0005-import-tasks.md).
openpyxl writes (exports and error reports).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

HEADER_SEARCH_ROWS = 10

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

# The columns an export writes, in order (the import reads them back: they round-trip).
EXPORT_FIELDS: tuple[str, ...] = (
    "org_code", "org_name", "name", "gender", "ethnicity", "id_number", "birth_date", "native_place",
    "education", "degree", "professional_title", "occupation", "work_unit", "job_title", "work_started_on",
    "phone", "address", "party_post", "member_type", "applied_on", "joined_on", "converted_on", "standing",
    "is_outflow", "outflow_destination", "is_inflow", "lost_contact", "lost_contact_since", "in_hardship",
    "is_party_worker", "dues_standard", "dues_paid_until",
)
REQUIRED_FIELDS = ("name", "id_number", "member_type", "joined_on")


def normalize_header(text: Any) -> str:
    """The comparable form of a header cell: NFKC (full-width to ASCII), no spaces, no required-field
    stars, no notes in brackets: "党费标准（元/月）" and " 党费标准 " both become "党费标准"."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = re.sub(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】", "", value)
    return re.sub(r"[\s*※:：]", "", value)


_HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_INDEX[normalize_header(_name)] = _column.field


def field_for_header(text: Any) -> str | None:
    return _HEADER_INDEX.get(normalize_header(text))


# --- values -----------------------------------------------------------------------------

def _variants(pairs: dict[str, Iterable[str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, names in pairs.items():
        table[value] = value
        for name in names:
            table[normalize_header(name).lower()] = value
    return table


GENDERS = _variants({"male": ("男", "男性", "M", "male"), "female": ("女", "女性", "F", "female")})
EDUCATIONS = _variants({
    "postgraduate": ("研究生", "研究生及以上", "硕士", "博士", "硕士研究生", "博士研究生", "研究生学历"),
    "undergraduate": ("大学本科", "本科", "大学", "本科学历"),
    "junior_college": ("大学专科", "大专", "专科", "高职", "高职高专"),
    "secondary_vocational": ("中等专科", "中专", "中技", "技校", "中等专业学校", "职高"),
    "high_school": ("高中", "普通高中", "高中毕业"),
    "junior_high": ("初中", "初级中学"),
    "primary": ("小学及以下", "小学", "文盲", "半文盲"),
})
OCCUPATIONS = _variants({
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
MEMBER_TYPES = _variants({"full": ("正式党员", "正式"), "probationary": ("预备党员", "预备")})
STANDINGS = _variants({
    "normal": ("正常",), "suspended": ("停止党籍",), "expelled": ("开除党籍",), "removed": ("除名",),
    "withdrawn": ("退党",), "self_departed": ("自行脱党",), "deceased": ("死亡",),
})
BOOLEANS = {**{v: True for v in ("是", "y", "yes", "true", "1", "√", "✓", "有")},
            **{v: False for v in ("否", "n", "no", "false", "0", "×", "无", "")}}

# GB/T 3304: the 56 ethnic groups, plus its 其他 and 外国血统中国籍人士.
ETHNICITIES = frozenset("""
汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 哈萨克族 傣族 黎族
傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族
毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族
独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族 其他 外国血统中国籍人士
""".split())


class ValueProblem(Exception):
    """A cell value that cannot be read; the message says why, in the user's language."""


def cell_text(value: Any) -> str:
    """A cell as the person sees it, for error reports."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_YM = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_COMPACT_YM = re.compile(r"^(\d{4})(\d{2})$")
EXCEL_EPOCH = date(1899, 12, 30)


def _make_date(year: int, month: int, day: int) -> date:
    if not 1900 <= year <= 2100:
        raise ValueProblem(_("年份应在1900至2100之间"))
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(_("日期不存在")) from None


def parse_date(value: Any) -> date | None:
    """An Excel date cell, an Excel serial number, or text in the usual forms: 2001-07-01, 2001/7/1,
    2001.07.01, 2001年7月1日, 20010701; 2001.07, 2001-07, 2001年7月 and 200107 mean the 1st."""
    if _is_empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(_("不是日期"))
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueProblem(_("不是日期"))
        if isinstance(value, float) and not value.is_integer():
            # 2001.07 typed into a number cell: year and month. 2001.1 may be January or
            # October (2001.10 loses its zero), so it is refused rather than guessed.
            text = repr(value)
            year, _dot, frac = text.partition(".")
            if year.isdigit() and 1900 <= int(year) <= 2100 and len(frac) <= 2:
                if frac == "1":
                    raise ValueProblem(_("“%(v)s”可能是1月也可能是10月，请写成%(y)s-01或%(y)s-10") % {
                        "v": text, "y": year})
                return _make_date(int(year), int(frac), 1)
            raise ValueProblem(_("不是日期"))
        number = int(value)
        if 19000101 <= number <= 21001231:
            return _make_date(number // 10000, number // 100 % 100, number % 100)
        if 190001 <= number <= 210012:
            return _make_date(number // 100, number % 100, 1)
        if 1 <= number <= 80000:  # an Excel serial day number (1 is 1900-01-01)
            day = EXCEL_EPOCH + timedelta(days=number)
            return _make_date(day.year, day.month, day.day)
        raise ValueProblem(_("不是日期"))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$", text):
        text = text.split(" ")[0]  # a date with a midnight time, as some systems export it
    for pattern, has_day in ((_DATE_YMD, True), (_DATE_COMPACT, True), (_DATE_YM, False), (_DATE_COMPACT_YM, False)):
        match = pattern.match(text)
        if match:
            parts = [int(p) for p in match.groups()]
            return _make_date(parts[0], parts[1], parts[2] if has_day else 1)
    raise ValueProblem(_("无法识别的日期，请写成2001-07-01、2001/7/1、2001.07.01、2001年7月1日或2001.07"))


def parse_text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())  # collapses every run of (also full-width) spaces and line breaks
    if value is None:
        return ""
    return cell_text(value)


def parse_id_text(value: Any) -> str:
    """The ID number as text. Excel keeps only 15 significant digits of a number, so an 18-digit
    ID typed into a number cell has already lost its last digits: say so instead of guessing."""
    if _is_empty(value):
        return ""
    if isinstance(value, bool):
        raise ValueProblem(_("不是公民身份号码"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise ValueProblem(_("公民身份号码被Excel存成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写"))
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value))).upper()


def parse_phone_text(value: Any) -> str:
    if _is_empty(value):
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ValueProblem(_("联系电话格式不正确：应为11位手机号或带区号的固定电话"))
        return str(int(value))
    return str(value).strip()


def _lookup(table: dict[str, str], value: Any, message: Callable[[], str]) -> str:
    if _is_empty(value):
        return ""
    key = normalize_header(cell_text(value)).lower()
    found = table.get(key) or table.get(cell_text(value).strip())
    if found is None:
        raise ValueProblem(message())
    return found


def parse_ethnicity(value: Any) -> str:
    if _is_empty(value):
        return ""
    text = normalize_header(cell_text(value))
    if text in ETHNICITIES:
        return text
    if text + "族" in ETHNICITIES:
        return text + "族"
    raise ValueProblem(_("不是56个民族之一（如：汉族、土家族、苗族）"))


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = normalize_header(cell_text(value)).lower()
    if key not in BOOLEANS:
        raise ValueProblem(_("请填写“是”或“否”"))
    return BOOLEANS[key]


def parse_decimal(value: Any) -> Decimal | None:
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(_("不是金额"))
    text = cell_text(value).replace("元", "").replace(",", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueProblem(_("不是金额")) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("100000000"):
        raise ValueProblem(_("金额应为0至1亿元之间的数"))
    if isinstance(value, float):
        amount = amount.quantize(Decimal("0.01"))
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueProblem(_("金额最多保留两位小数"))
    return amount


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
    "gender": lambda v: _lookup(GENDERS, v, lambda: _("性别应为“男”或“女”")),
    "education": lambda v: _lookup(EDUCATIONS, v, lambda: _(
        "无法识别的学历（应为研究生、大学本科、大学专科、中等专科、高中、初中、小学及以下）")),
    "occupation": lambda v: _lookup(OCCUPATIONS, v, lambda: _(
        "无法识别的人员类别（如：在岗职工、农牧渔民、学生、离退休人员）")),
    "member_type": lambda v: _lookup(MEMBER_TYPES, v, lambda: _("党员类型应为“正式党员”或“预备党员”")),
    "standing": lambda v: _lookup(STANDINGS, v, lambda: _("无法识别的党籍状态")),
}
# Kinds whose columns repeat a few values (男, 汉族, 大学本科, dates …): each distinct cell is read once.
_MEMO_KINDS = frozenset({"date", "gender", "ethnicity", "education", "occupation", "member_type", "standing",
                         "bool", "decimal", "org_code", "org_name"})
_MEMO_LIMIT = 200_000


def parse_value(kind: str, value: Any) -> Any:
    """One cell of a column of this kind, read; raises ValueProblem."""
    return _PARSERS[kind](value)


# --- rows -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """One problem of one row: the row number as Excel shows it, the column's header, the value, why."""

    row: int | None
    column: str
    value: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.value, self.reason]


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


class RosterFileError(Exception):
    """The file is not a roster this platform can read; the message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    found = {field_for_header(cell_text(c)) for c in cells if not _is_empty(c)}
    return "name" in found and "id_number" in found


def parse_rows(rows: Iterable[tuple[int, list[Any]]], *, sheet: str = "", file_name: str = "",
               max_rows: int | None = None) -> ParsedRoster:
    """Find the header row among the first rows, then read every data row.

    `rows` yields (row number as Excel shows it, cell values). Empty rows are skipped.
    Raises RosterFileError when there is no header row or a required column is missing.
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
        raise RosterFileError(_("在表格前%(n)d行中没有找到表头：表头行应包含“姓名”“公民身份号码”等列名") % {
            "n": HEADER_SEARCH_ROWS})
    by_index, headers, ignored = map_header(header)
    missing = [COLUMN_BY_FIELD[f].header for f in REQUIRED_FIELDS if f not in headers]
    if missing:
        raise RosterFileError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    parsed = ParsedRoster(headers=headers, ignored=ignored, sheet=sheet, file_name=file_name)
    columns = [(index, name, COLUMN_BY_FIELD[name].kind, _PARSERS[COLUMN_BY_FIELD[name].kind], headers[name],
                {} if COLUMN_BY_FIELD[name].kind in _MEMO_KINDS else None)
               for index, name in sorted(by_index.items())]
    errors = parsed.errors
    append = parsed.rows.append
    for number, cells in iterator:
        if all(_is_empty(c) for c in cells):
            continue
        if max_rows is not None and len(parsed.rows) >= max_rows:
            raise RosterFileError(_("文件超过%(n)d行，请分成几个文件导入") % {"n": max_rows})
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
        raise RosterFileError(_("表头（第%(row)d行）下面没有党员数据") % {"row": header_row})
    return parsed


# --- files ------------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED_RATIO = 200  # an .xlsx compresses text about 5–20 times; far more is a zip bomb


def _size_limit_message(limit: int) -> str:
    return _("文件超过%(mb)s MB，请分成几个文件导入") % {"mb": f"{limit / 1024 / 1024:g}"}


def sniff(head: bytes, *, file_name: str) -> str:
    """"xlsx" or "csv" from the file's first bytes and name; RosterFileError for anything else."""
    suffix = Path(file_name or "").suffix.lower()
    if not head:
        raise RosterFileError(_("文件是空的"))
    if head.startswith(OLE_MAGIC):
        raise RosterFileError(_("不支持旧版Excel（.xls）或加密的文件：请在Excel中“另存为”.xlsx格式后再导入"))
    if head.startswith(ZIP_MAGIC):
        if suffix not in ("", ".xlsx", ".xlsm"):
            raise RosterFileError(_("只能导入.xlsx或.csv文件"))
        return "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise RosterFileError(_("文件不是有效的Excel（.xlsx）文件：可能是改了扩展名的其他文件，或文件已损坏"))
    if suffix not in (".csv", ".txt", ""):
        raise RosterFileError(_("只能导入.xlsx或.csv文件"))
    if b"\x00" in head:
        raise RosterFileError(_("文件不是表格：请导入.xlsx或.csv文件"))
    return "csv"


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("无法识别CSV文件的字符编码：请保存为UTF-8或GBK编码"))


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise RosterFileError(_("CSV文件第%(n)d行格式有误：%(e)s") % {"n": reader.line_num, "e": exc}) from None


def _check_zip(source: Any) -> None:
    """Refuse an archive that is not a workbook or that would unpack to far more than its size."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise RosterFileError(_("文件不是有效的Excel（.xlsx）文件：可能是改了扩展名的其他文件，或文件已损坏"))
            packed = sum(i.compress_size for i in archive.infolist()) or 1
            unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > max(packed * MAX_UNZIPPED_RATIO, 50 * 1024 * 1024):
                raise RosterFileError(_("文件解压后过大，不像是花名册"))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise RosterFileError(_("文件不是有效的Excel（.xlsx）文件：可能是改了扩展名的其他文件，或文件已损坏")) from None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xlsx_sheets(path: str) -> Iterator[tuple[str, Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(path)
        for name in workbook.sheet_names:
            yield name, workbook.get_sheet_by_name(name)
    except CalamineError as exc:
        raise RosterFileError(_("无法读取Excel文件：%(e)s") % {"e": str(exc)[:200]}) from None


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """Rows with their numbers as Excel shows them (the used range may start below row 1)."""
    top, left = sheet.start or (0, 0)
    pad = [""] * left
    for offset, cells in enumerate(sheet.iter_rows()):
        yield top + offset + 1, pad + list(cells) if left else list(cells)


def _read_xlsx(path: str, *, file_name: str, max_rows: int | None) -> ParsedRoster:
    from python_calamine import CalamineError

    looked_at: list[str] = []
    try:
        for name, sheet in _xlsx_sheets(path):
            looked_at.append(name)
            rows = _sheet_rows(sheet)
            first = [item for item in (next(rows, None) for _i in range(HEADER_SEARCH_ROWS)) if item is not None]
            header_row = next((number for number, cells in first if looks_like_header(cells)), None)
            if header_row is None:
                continue  # a cover or notes sheet: look at the next one
            _check_merged(sheet, header_row)
            return parse_rows(itertools.chain(first, rows), sheet=name, file_name=file_name, max_rows=max_rows)
    except CalamineError as exc:
        raise RosterFileError(_("无法读取Excel文件：%(e)s") % {"e": str(exc)[:200]}) from None
    if not looked_at:
        raise RosterFileError(_("工作簿中没有工作表"))
    raise RosterFileError(
        _("工作簿中没有找到花名册：已查看工作表“%(sheets)s”，在各表前%(n)d行中都没有包含“姓名”“公民身份号码”的表头行")
        % {"sheets": "”“".join(looked_at[:10]), "n": HEADER_SEARCH_ROWS})


def _check_merged(sheet: Any, header_row: int) -> None:
    """Merged cells in the header or the data leave holes that would shift values: refuse them.
    A merged title above the header row ("××党支部党员花名册") is fine."""
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
        if r1 + 1 >= header_row:
            ref = f"{_column_letter(c0)}{r0 + 1}:{_column_letter(c1)}{r1 + 1}"
            raise RosterFileError(
                _("表格中有合并单元格（%(ref)s）：请取消合并，每行填写一名党员、每格填写一项后再导入") % {"ref": ref})


def read_roster(source: str | Path | BinaryIO, *, file_name: str = "", max_bytes: int | None = None,
                max_rows: int | None = None) -> ParsedRoster:
    """Read a roster file (.xlsx or .csv) from a path; RosterFileError for anything it cannot read."""
    path = Path(source) if isinstance(source, str | Path) else None
    file_name = file_name or (path.name if path else "")
    if path is None:
        raise TypeError("read_roster reads a file on disk; save uploads first")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        raise RosterFileError(_("文件无法打开")) from None
    if max_bytes is not None and size > max_bytes:
        raise RosterFileError(_size_limit_message(max_bytes))
    kind = sniff(head, file_name=file_name)
    if kind == "xlsx":
        _check_zip(str(path))
        return _read_xlsx(str(path), file_name=file_name, max_rows=max_rows)
    text = _decode_csv(path.read_bytes())
    return parse_rows(_csv_rows(text), sheet="", file_name=file_name, max_rows=max_rows)


def write_error_report(errors: Iterable[RowError], out: BinaryIO) -> None:
    """The errors as an .xlsx (行号, 列, 值, 原因), written row by row (openpyxl write-only)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("错误"))
    for letter, width in zip("ABCD", (8, 18, 24, 70), strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for title in (_("行号"), _("列"), _("值"), _("原因")):
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for error in errors:
        sheet.append([error.row, error.column, error.value, error.reason])
    workbook.save(out)


def read_table(source: str | Path, *, file_name: str = "", is_header: Callable[[list[Any]], bool],
               max_bytes: int | None = None, no_header: str | None = None,
               ) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]]:
    """Read any Chinese-headed table (.xlsx or .csv) the way rosters are read, for other apps' imports:
    the same file checks (type, size, zip bombs, encodings, merged cells) and row numbers as Excel
    shows them. Returns (header row number, header cells, the data rows after it); the header is the
    first row within the first rows of a sheet for which `is_header` is true. RosterFileError otherwise
    (`no_header`: the message then, naming the columns the caller looks for)."""
    path = Path(source)
    file_name = file_name or path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        raise RosterFileError(_("文件无法打开")) from None
    if max_bytes is not None and size > max_bytes:
        raise RosterFileError(_size_limit_message(max_bytes))
    if sniff(head, file_name=file_name) == "csv":
        sources: Iterable[Iterator[tuple[int, list[Any]]]] = [_csv_rows(_decode_csv(path.read_bytes()))]
        sheets = None
    else:
        _check_zip(str(path))
        sheets = list(_xlsx_sheets(str(path)))
        sources = (_sheet_rows(sheet) for _name, sheet in sheets)
    for index, rows in enumerate(sources):
        for _i in range(HEADER_SEARCH_ROWS):
            item = next(rows, None)
            if item is None:
                break
            number, cells = item
            if is_header(cells):
                if sheets is not None:
                    _check_merged(sheets[index][1], number)
                return number, cells, rows
    raise RosterFileError(no_header or _("在表格前%(n)d行中没有找到表头：表头行应包含“姓名”“公民身份号码”等列名") % {
        "n": HEADER_SEARCH_ROWS})
