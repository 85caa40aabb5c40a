"""Reading a declarations sheet (党费基数申报表): the same conventions as the member spreadsheets.

The file handling (xlsx or csv, header row within the first rows, encodings, merged cells,
zip bombs) and the cell readers (ID numbers, amounts, text) are `core.spreadsheets`', as for the
member roster; this module adds only the declaration's columns and the dues categories in their
usual wordings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from dangwu.core import spreadsheets
from dangwu.core.spreadsheets import RowError, SpreadsheetError, ValueProblem

from . import rules
from .services import DeclarationRow

MAX_ROWS = 20_000

# field → (standard header, aliases)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("姓名", ("党员姓名",)),
    "id_number": ("公民身份号码", ("身份证号", "身份证号码", "身份证", "公民身份证号码", "证件号码")),
    "category": ("党费类别", ("交纳类别", "人员类别", "类别", "党员类别")),
    "base": ("月收入基数（元）", ("月收入基数", "党费基数", "基数", "计算基数", "月工资收入", "工资收入", "月收入",
                             "离退休费", "交纳基数")),
    "farmer_amount": ("农牧渔民月交标准（元）", ("农牧渔民月交标准", "月交标准", "农民月交标准")),
}
_HEADERS = {spreadsheets.normalize_header(name): key for key, (header, aliases) in COLUMNS.items()
            for name in (header, *aliases)}
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    rules.EMPLOYED: ("在岗职工", "在岗", "在职", "职工", "在职职工", "年薪制", "个体经营者", "个体", "公务员",
                     "党政机关工作人员", "专业技术人员", "企业职工", "employed"),
    rules.RETIRED: ("离退休人员", "离退休", "退休", "离休", "退休人员", "retired"),
    rules.FARMER: ("农牧渔民", "农民", "牧民", "渔民", "农牧民", "farmer"),
    rules.STUDENT: ("学生", "在校学生", "student"),
    rules.UNEMPLOYED: ("下岗失业人员", "下岗失业", "下岗", "失业", "失业人员", "unemployed"),
    rules.RELIEF: ("抚恤、救济、低保人员", "低保", "低保人员", "抚恤", "救济", "领取最低生活保障金", "relief"),
}
_CATEGORIES = {spreadsheets.normalize_header(word).lower(): key for key, words in CATEGORY_WORDS.items() for word in words}


def parse_category(value: Any) -> str:
    spreadsheets.check_readable(value)
    text = spreadsheets.normalize_header(spreadsheets.cell_text(value)).lower()
    if not text:
        raise ValueProblem(_("请填写党费类别"))
    found = _CATEGORIES.get(text)
    if found is None:
        raise ValueProblem(_("无法识别的党费类别（应为在岗职工、离退休人员、农牧渔民、学生、下岗失业人员或低保人员）"))
    return found


def _is_header(cells: list[Any]) -> bool:
    found = {_HEADERS.get(spreadsheets.normalize_header(spreadsheets.cell_text(c))) for c in cells}
    return "id_number" in found and "category" in found


def _no_header() -> str:
    return _("在表格前%(n)d行中没有找到表头：表头行应包含“公民身份号码”“党费类别”等列名") % {"n": spreadsheets.HEADER_SEARCH_ROWS}


def parse(rows: Any) -> tuple[list[DeclarationRow], list[RowError], dict[str, str]]:
    """(rows read, cells that could not be read, field → header as written in the file), from rows
    (Excel row number, cells) whose header lies within the first rows."""
    iterator = iter(rows)
    for _i in range(spreadsheets.HEADER_SEARCH_ROWS):
        item = next(iterator, None)
        if item is None:
            break
        if _is_header(item[1]):
            return parse_table(item[1], iterator)
    raise SpreadsheetError(_no_header())


def parse_table(header: list[Any], iterator: Any) -> tuple[list[DeclarationRow], list[RowError], dict[str, str]]:
    """The rows after a header row already found (see `parse`)."""
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    for i, cell in enumerate(header):
        key = _HEADERS.get(spreadsheets.normalize_header(spreadsheets.cell_text(cell)))
        if key and key not in index:
            index[key] = i
            headers[key] = spreadsheets.cell_text(cell)
    if "base" not in index:
        raise SpreadsheetError(_("缺少必需的列：%(cols)s") % {"cols": COLUMNS["base"][0]})
    out: list[DeclarationRow] = []
    errors: list[RowError] = []
    read = 0  # rows with content, good or bad: a sheet of bad rows is limited too
    for number, cells in iterator:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        read += 1
        if read > MAX_ROWS:
            raise SpreadsheetError(_("文件超过%(n)d行，请分成几个文件导入") % {"n": MAX_ROWS})
        values: dict[str, Any] = {}
        bad = False
        for key, parser in (("name", spreadsheets.parse_text), ("id_number", spreadsheets.parse_id_text),
                            ("category", parse_category), ("base", spreadsheets.parse_decimal),
                            ("farmer_amount", spreadsheets.parse_decimal)):
            if key not in index:
                continue
            raw = cells[index[key]] if index[key] < len(cells) else None
            try:
                values[key] = parser(raw)
            except ValueProblem as problem:
                errors.append(RowError(number, headers[key], spreadsheets.cell_text(raw), str(problem)))
                bad = True
        if bad:
            continue
        out.append(DeclarationRow(row=number, id_number=values.get("id_number", ""), name=values.get("name", ""),
                                  category=values["category"], base=values.get("base"),
                                  farmer_amount=values.get("farmer_amount")))
    if not out and not errors:
        raise SpreadsheetError(_("表头下面没有数据"))
    return out, errors, headers


def read(path: str | Path, *, file_name: str, max_bytes: int) -> tuple[list[DeclarationRow], list[RowError],
                                                                      dict[str, str]]:
    """Read a declarations sheet (.xlsx or .csv) saved on disk with the roster import's checks
    (`core.spreadsheets.read_table`); SpreadsheetError when it is not one."""
    _number, header, rows = spreadsheets.read_table(path, file_name=file_name, is_header=_is_header, max_bytes=max_bytes,
                                                    no_header=_no_header(), max_rows=MAX_ROWS)
    return parse_table(header, rows)
