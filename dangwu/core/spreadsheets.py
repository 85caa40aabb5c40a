"""Reading Chinese-headed spreadsheets (.xlsx, .csv): the generic half of every import.

Rosters (党员花名册), dues declarations (党费基数申报表), recruitment records (发展党员) and any later
import share what is here: the file checks (type by its first bytes, size, zip bombs, encodings,
merged cells), row numbers as Excel shows them, the header row found below title rows, header
cells compared in a normal form (`normalize_header`), and cell values read in the variants real
files use (2001.07 / 2001年7月1日 / an Excel date, 是 / 否, 12.50元 …). A value that cannot be
read raises `ValueProblem`; a problem of one row is a `RowError` (row, column as written in the
file, value, reason in the user's language); a file that is not a table this platform can read
raises `SpreadsheetError` with a message for the person who sent it.

Pure: no database, and no app of the project (the columns of a roster are `members.roster`'s).
.xlsx files are read with python-calamine (Rust): openpyxl's read-only reader takes about
0.35 ms a row, too slow for a 200 000-row roster (docs/decisions/0005-import-tasks.md).
A cell holding control characters comes out of the row readers as an `UnreadableCell`, which every
cell reader refuses (decision 0020).

Writing is here too: `WorkbookWriter` (openpyxl write-only) is the one writer of every workbook the
platform produces (exports, error reports, templates, reports), text as text, never a formula
(decision 0020).
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import math
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from .text import REFUSED_IN_CELLS, UNSTORABLE, storable, visible
from .validators import without_negative_zero

HEADER_SEARCH_ROWS = 10  # the header row is looked for among a sheet's first rows (title rows above it)


class SpreadsheetError(Exception):
    """The file is not a table this platform can read; the message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValueProblem(Exception):
    """A cell value that cannot be read; the message says why, in the user's language."""


class UnreadableCell(str):
    """A cell holding characters no import accepts (`core.text.REFUSED_IN_CELLS`: NUL and the other
    control characters but tab and line breaks, DEL, C1 controls, non-characters), as the row
    readers (`csv_rows`, `sheet_rows`) yield it: its text with those characters made visible
    ("␀男"), so that an error report and the page show where they are and the text can be stored
    and written. Every cell reader below refuses it (`check_readable`), naming the row and column
    through the import's usual RowError; a reader of an app's own vocabulary calls
    `check_readable` first. Tab, line breaks, vertical tab and form feed are not refused: they are
    whitespace, which each reader already normalises (decision 0020)."""

    __slots__ = ()


def check_readable(value: Any) -> None:
    """ValueProblem when the cell holds characters no import accepts (an `UnreadableCell`)."""
    if isinstance(value, UnreadableCell):
        raise ValueProblem(_("含有不可见的控制字符（“值”中显示为␀、␁等符号）：请在表格中删除后重新导入"))


def _readable_cells(cells: list[Any]) -> list[Any]:
    """A row's cells, each holding refused characters replaced by an `UnreadableCell`."""
    if REFUSED_IN_CELLS.search("".join([c for c in cells if c.__class__ is str])):
        cells = [UnreadableCell(visible(c)) if isinstance(c, str) and REFUSED_IN_CELLS.search(c) else c
                 for c in cells]
    return cells


# --- headers and vocabularies ---------------------------------------------------------

def normalize_header(text: Any) -> str:
    """The comparable form of a header cell: NFKC (full-width to ASCII), no spaces, no required-field
    stars, no notes in brackets: "党费标准（元/月）" and " 党费标准 " both become "党费标准"."""
    value = unicodedata.normalize("NFKC", "" if text is None else str(text))
    value = re.sub(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】", "", value)
    return re.sub(r"[\s*※:：]", "", value)


def variants(pairs: dict[str, Iterable[str]]) -> dict[str, str]:
    """A lookup table for `lookup`: each value under itself and under the normal form of each of its names."""
    table: dict[str, str] = {}
    for value, names in pairs.items():
        table[value] = value
        for name in names:
            table[normalize_header(name).lower()] = value
    return table


# --- values ---------------------------------------------------------------------------

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


def is_empty(value: Any) -> bool:
    """No value: an empty cell, or text of spaces only."""
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
    check_readable(value)
    if is_empty(value):
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
    check_readable(value)
    if isinstance(value, str):
        return " ".join(value.split())  # collapses every run of (also full-width) spaces and line breaks
    if value is None:
        return ""
    return cell_text(value)


def parse_id_text(value: Any) -> str:
    """The ID number as text. Excel keeps only 15 significant digits of a number, so an 18-digit
    ID typed into a number cell has already lost its last digits: say so instead of guessing."""
    check_readable(value)
    if is_empty(value):
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
    check_readable(value)
    if is_empty(value):
        return ""
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ValueProblem(_("联系电话格式不正确：应为11位手机号或带区号的固定电话"))
        return str(int(value))
    return str(value).strip()


def lookup(table: dict[str, str], value: Any, message: Callable[[], str]) -> str:
    """A cell read through a `variants` table ("" for an empty cell); ValueProblem(message()) when unknown."""
    check_readable(value)
    if is_empty(value):
        return ""
    key = normalize_header(cell_text(value)).lower()
    found = table.get(key) or table.get(cell_text(value).strip())
    if found is None:
        raise ValueProblem(message())
    return found


BOOLEANS = {**{v: True for v in ("是", "y", "yes", "true", "1", "√", "✓", "有")},
            **{v: False for v in ("否", "n", "no", "false", "0", "×", "无", "")}}


def parse_bool(value: Any) -> bool:
    check_readable(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = normalize_header(cell_text(value)).lower()
    if key not in BOOLEANS:
        raise ValueProblem(_("请填写“是”或“否”"))
    return BOOLEANS[key]


def parse_decimal(value: Any) -> Decimal | None:
    check_readable(value)
    if is_empty(value):
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
    return without_negative_zero(amount)


# --- rows -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """One problem of one row: the row number as Excel shows it, the column's header, the value, why;
    and whom the row is about (`name`, when the import knows it: a secretary finds 张三 faster than
    row 1 205)."""

    row: int | None
    column: str
    value: str
    reason: str
    name: str = ""

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.value, self.reason, self.name]


# --- files ----------------------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED_RATIO = 200  # an .xlsx compresses text about 5–20 times; far more is a zip bomb


def size_limit_message(limit: int) -> str:
    return _("文件超过%(mb)s MB，请分成几个文件导入") % {"mb": f"{limit / 1024 / 1024:g}"}


def sniff(head: bytes, *, file_name: str) -> str:
    """"xlsx" or "csv" from the file's first bytes and name; SpreadsheetError for anything else."""
    suffix = Path(file_name or "").suffix.lower()
    if not head:
        raise SpreadsheetError(_("文件是空的"))
    if head.startswith(OLE_MAGIC):
        raise SpreadsheetError(_("不支持旧版Excel（.xls）或加密的文件：请在Excel中“另存为”.xlsx格式后再导入"))
    if head.startswith(ZIP_MAGIC):
        if suffix not in ("", ".xlsx", ".xlsm"):
            raise SpreadsheetError(_("只能导入.xlsx或.csv文件"))
        return "xlsx"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise SpreadsheetError(_("文件不是有效的Excel（.xlsx）文件：可能是改了扩展名的其他文件，或文件已损坏"))
    if suffix not in (".csv", ".txt", ""):
        raise SpreadsheetError(_("只能导入.xlsx或.csv文件"))
    if b"\x00" in head:
        raise SpreadsheetError(_("文件不是表格：请导入.xlsx或.csv文件"))
    return "csv"


def decode_csv(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else GBK (GB 18030), as Chinese Excel saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(_("无法识别CSV文件的字符编码：请保存为UTF-8或GBK编码"))


def csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) of CSV text, comma- or tab-separated (whichever the first line has more of)."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, _readable_cells(row)
    except csv.Error as exc:
        raise SpreadsheetError(_("CSV文件第%(n)d行格式有误：%(e)s") % {"n": reader.line_num, "e": exc}) from None


def check_zip(source: Any, *, max_rows: int | None = None) -> None:
    """Refuse an archive that is not a workbook, or whose parts would unpack (or be laid out by the
    reader) to far more than a table of `max_rows` rows needs, before any part of it is read.

    The whole archive's ratio is no guard: stored (uncompressed) padding keeps it low while one part
    unpacks to a gigabyte. So each part is checked on its own: its ratio (`MAX_UNZIPPED_RATIO`, for
    parts over 1 MB) and its unpacked size against `xlsx_part_ceiling(max_rows)`. Then each part is
    streamed once (1 MB at a time, nothing kept) and refused as soon as it holds more rows than
    `max_rows` allows, a cell beyond column AZ or below that row, a cell without its position, or
    more bytes than its rows need. calamine lays a sheet out as a dense rectangle from its first
    to its last cell (32 bytes a cell) when the sheet is opened, whatever is read of it afterwards:
    two cells at A1 and XFD1048576 in a 1.5 KB file ask it for 550 GB, and the process aborts. See
    docs/decisions/0022-xlsx-part-limits.md."""
    rows_allowed, row_bytes, ratio = _xlsx_limits(max_rows)
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise SpreadsheetError(_("文件不是有效的Excel（.xlsx）文件：可能是改了扩展名的其他文件，或文件已损坏"))
            ceiling = (rows_allowed + SHEET_ROW_SLACK) * row_bytes
            for info in infos:
                if info.file_size > ceiling or (
                        info.file_size > RATIO_CHECKED_ABOVE and info.file_size > max(info.compress_size, 1) * ratio):
                    raise SpreadsheetError(_part_too_large())
            rows = rowless_bytes = 0
            for info in infos:
                part_rows = _scan_part(archive, info, rows_allowed=rows_allowed, row_bytes=row_bytes)
                rows += part_rows
                rowless_bytes += 0 if part_rows else info.file_size
            # Parts without rows (shared strings, styles) may hold what the rows need, no more.
            if rowless_bytes > (min(rows, rows_allowed) + SHEET_ROW_SLACK) * row_bytes:
                raise SpreadsheetError(_part_too_large())
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        raise SpreadsheetError(_("文件不是有效的Excel（.xlsx）文件：可能是改了扩展名的其他文件，或文件已损坏")) from None


MAX_COLUMNS = 52  # A–AZ: a roster has 33 columns; calamine's dense layout costs rows × columns × 32 bytes
SHEET_ROW_SLACK = 1000  # rows a sheet may carry beyond its data: titles, blank formatted rows (the template has 500)
RATIO_CHECKED_ABOVE = 1024 * 1024  # a small part (styles, a tiny sheet) may compress far better: it costs nothing
DEFAULT_XLSX_ROW_BYTES = 8 * 1024  # unpacked sheet XML a row may take on average (33 full text columns: ~5 KB)
_SCAN_CHUNK = 1024 * 1024
# The patterns start with a literal so that the scan runs at C speed; the prefixed forms (<x:row>,
# as some .NET writers put them) are looked for only where a prefix appears.
_ROW_TAG = re.compile(rb"<row(?=[\s/>])")
_PREFIXED_ROW_TAG = re.compile(rb"<[A-Za-z_][\w.-]*:row(?=[\s/>])")
_CELL_WITHOUT_POSITION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s/>])(?![^<>]*\sr\s*=)")


@functools.lru_cache(maxsize=16)
def _far_reference(rows_allowed: int) -> re.Pattern[bytes]:
    """A cell or row reference right of column AZ (group 1), or with a row number as long as the
    limit's or longer (group 2, compared with the limit by the caller)."""
    return re.compile(rb"r\s*=\s*[\"'](?:([A-Za-z]{3}|[B-Zb-z][A-Za-z])[0-9]|[A-Za-z]*([0-9]{%d,}))"
                      % len(str(rows_allowed)))


def _check_cells(cells: bytes, *, rows_allowed: int) -> int:
    """The rows of a piece of a `sheetData`; SpreadsheetError for a reference past the limits or a
    cell without its position."""
    rows = len(_ROW_TAG.findall(cells))
    if b":row" in cells:
        rows += len(_PREFIXED_ROW_TAG.findall(cells))
    for reference in _far_reference(rows_allowed).finditer(cells):
        if reference.group(1):
            raise SpreadsheetError(_("表格中有超出AZ列（第%(n)d列）的内容：请删除多余的列后再导入") % {"n": MAX_COLUMNS})
        if int(reference.group(2)) > rows_allowed:
            raise SpreadsheetError(_row_limit_message(rows_allowed))
    # Every "<c" a cell written as Excel writes it ('<c r="A1"'): nothing to look for.
    if cells.count(b"<c") != cells.count(b'<c r="') or b":c" in cells:
        if _CELL_WITHOUT_POSITION.search(cells):
            raise SpreadsheetError(_("表格中的单元格缺少位置信息，无法安全读取：请用Excel打开后另存为.xlsx再导入"))
    return rows


def _row_limit_message(rows_allowed: int) -> str:
    return _("文件超过%(n)d行，请分成几个文件导入") % {"n": rows_allowed - HEADER_SEARCH_ROWS}


def _xlsx_limits(max_rows: int | None) -> tuple[int, int, int]:
    """(rows a sheet may hold, bytes a row may take, ratio a part may unpack to), from the caller's
    row limit (else `DANGWU_ROSTER_MAX_ROWS`) and the settings `DANGWU_XLSX_ROW_BYTES` and
    `DANGWU_XLSX_MAX_RATIO`, which tests lower."""
    from django.conf import settings

    if max_rows is None:
        max_rows = int(getattr(settings, "DANGWU_ROSTER_MAX_ROWS", 1_000_000))
    return (max_rows + HEADER_SEARCH_ROWS, int(getattr(settings, "DANGWU_XLSX_ROW_BYTES", DEFAULT_XLSX_ROW_BYTES)),
            int(getattr(settings, "DANGWU_XLSX_MAX_RATIO", MAX_UNZIPPED_RATIO)))


def xlsx_part_ceiling(max_rows: int | None = None) -> int:
    """The unpacked size no part of a workbook of `max_rows` rows may exceed (bytes)."""
    rows_allowed, row_bytes, _ratio = _xlsx_limits(max_rows)
    return (rows_allowed + SHEET_ROW_SLACK) * row_bytes


def _part_too_large() -> str:
    return _("文件解压后过大，不像是正常的表格：请删除多余的内容，或分成几个文件导入")


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, rows_allowed: int, row_bytes: int) -> int:
    """Stream one part and refuse it as soon as it passes a limit (see `check_zip`); keeps nothing.
    Returns how many rows its cell tables (`sheetData`) hold: 0 for a part that is not a sheet. Only
    what lies inside a `sheetData` is looked at (a theme's shapes carry `r="50000"` too)."""
    rows = read = 0
    inside = False
    tail = b""
    with archive.open(info) as part:
        while True:
            chunk = part.read(_SCAN_CHUNK)
            read += len(chunk)
            data = tail + chunk
            # Cut before the last "<": every tag (and so every match) lies wholly on one side.
            cut = data.rfind(b"<") if chunk else len(data)
            if cut <= 0 or len(data) - cut > _SCAN_CHUNK:
                cut = len(data)
            body, tail = data[:cut], data[cut:]
            for cells in _cell_tables(body, inside):
                inside = cells is not None
                if cells:
                    rows += _check_cells(cells, rows_allowed=rows_allowed)
                    if rows > rows_allowed:
                        raise SpreadsheetError(_row_limit_message(rows_allowed))
            if rows and read > (rows + SHEET_ROW_SLACK) * row_bytes:
                raise SpreadsheetError(_part_too_large())
            if not chunk:
                return rows


_SHEET_DATA_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?sheetData(?=[\s/>])[^>]*?(/?)>")


def _cell_tables(body: bytes, inside: bool) -> Iterator[bytes | None]:
    """The pieces of `body` that lie inside a `<sheetData>` (bytes), each followed by None where one
    ends; `inside` says whether the body starts inside one. The last item yielded tells the state
    at the end of the body (bytes: inside; None: outside)."""
    start = 0 if inside else None
    for tag in _SHEET_DATA_TAG.finditer(body):
        closing, empty = tag.group(1), tag.group(2)
        if closing and start is not None:
            yield body[start:tag.start()]
            yield None
            start = None
        elif not closing and not empty and start is None:
            start = tag.end()
    yield body[start:] if start is not None else None


def column_letter(index: int) -> str:
    """The column's letters as Excel names it: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def xlsx_sheets(path: str) -> Iterator[tuple[str, Any]]:
    """(name, sheet) of each sheet of a workbook, read with python-calamine."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(path)
        for name in workbook.sheet_names:
            yield name, workbook.get_sheet_by_name(name)
    except CalamineError as exc:
        raise SpreadsheetError(_("无法读取Excel文件：%(e)s") % {"e": str(exc)[:200]}) from None


def sheet_rows(sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """Rows with their numbers as Excel shows them (the used range may start below row 1)."""
    top, left = sheet.start or (0, 0)
    pad = [""] * left
    for offset, cells in enumerate(sheet.iter_rows()):
        yield top + offset + 1, _readable_cells(pad + list(cells) if left else list(cells))


def check_merged(sheet: Any, header_row: int) -> None:
    """Merged cells in the header or the data leave holes that would shift values: refuse them.
    A merged title above the header row ("××党支部党员花名册") is fine."""
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
        if r1 + 1 >= header_row:
            ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"
            raise SpreadsheetError(
                _("表格中有合并单元格（%(ref)s）：请取消合并，每行填写一名党员、每格填写一项后再导入") % {"ref": ref})


def check_file(path: Path, *, file_name: str, max_bytes: int | None = None, max_rows: int | None = None) -> str:
    """"xlsx" or "csv" for a file on disk that passes the checks every import makes before reading:
    it opens, is not larger than `max_bytes`, is a spreadsheet by its first bytes and its name
    (`sniff`), and, for .xlsx, is a workbook none of whose parts unpacks to more than a table of
    `max_rows` rows needs (`check_zip`)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        raise SpreadsheetError(_("文件无法打开")) from None
    if max_bytes is not None and size > max_bytes:
        raise SpreadsheetError(size_limit_message(max_bytes))
    kind = sniff(head, file_name=file_name)
    if kind == "xlsx":
        check_zip(str(path), max_rows=max_rows)
    return kind


# --- writing --------------------------------------------------------------------------

# Text that needs more than a plain string cell: what Excel would take for a formula when the cell
# is edited (=, +, -, @, and tab or a line break before them), what openpyxl would write as a
# formula (a leading =) or an error (#N/A …), and characters a workbook's XML refuses.
_TEXT_NEEDS_CARE = re.compile("^[=+\\-@#\t\r\n]|" + UNSTORABLE.pattern)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _is_cell(value: Any) -> bool:
    from openpyxl.cell.cell import Cell

    return isinstance(value, Cell)


class SheetWriter:
    """One sheet of a `WorkbookWriter`: rows appended in order, each value written as what it is.

    Numbers, dates and booleans stay numbers, dates and booleans (a date formatted yyyy-mm-dd);
    everything else is text, and text is always a string cell, never a formula: a name such as
    `=HYPERLINK("http://…","点我")` is written as a string cell (data type "s") and, when it starts
    like a formula, marked as text (the cell style's quotePrefix, Excel's leading apostrophe) so
    that editing the cell in Excel keeps it text. The value itself is not changed: an export reads
    back, and imports back, as the person typed it. Characters a workbook refuses (control
    characters) are written as visible stand-ins (`core.text.storable`). See decision 0020.
    """

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet
        self._date_cells: dict[int, Any] = {}

    def _text_cell(self, text: str) -> Any:
        from openpyxl.cell import WriteOnlyCell

        text = storable(text)
        cell = WriteOnlyCell(self._sheet, value=text)
        cell.data_type = "s"  # openpyxl made a leading = a formula and #N/A an error
        if text.startswith(_FORMULA_STARTS):
            cell.quotePrefix = True
        return cell

    def _value(self, value: Any, column: int) -> Any:
        if value is None or isinstance(value, bool | int | float | Decimal):
            return value
        if isinstance(value, datetime):
            if value.tzinfo is not None:  # Excel has no time zones: the platform's local time
                from django.utils import timezone

                value = timezone.localtime(value).replace(tzinfo=None)
            return value
        if isinstance(value, date):
            # One styled cell per date column, reused row after row (a row is written out when
            # appended): a new styled cell per date would cost a third of a roster export's time.
            cell = self._date_cells.get(column)
            if cell is None:
                cell = self._date_cells[column] = self.cell(None, number_format="yyyy-mm-dd")
            cell.value = value
            return cell
        if value.__class__ is not str:
            if _is_cell(value):  # a cell made by `cell()`, already written with care
                return value
            value = str(value)
        return self._text_cell(value) if _TEXT_NEEDS_CARE.search(value) else value

    def cell(self, value: Any, *, bold: bool = False, color: str | None = None, fill: str | None = None,
             comment: str | None = None, number_format: str | None = None, wrap: bool = False) -> Any:
        """A styled cell holding `value` (written as `append` writes values), to pass to `append`."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.comments import Comment
        from openpyxl.styles import Alignment, Font, PatternFill

        written: Any = value if isinstance(value, date) else self._value(value, -1)  # a date in a cell of its own
        cell = written if _is_cell(written) else WriteOnlyCell(self._sheet, value=written)
        if bold or color:
            cell.font = Font(bold=bold, color=color)
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        if comment:
            cell.comment = Comment(storable(comment), "")
        if number_format:
            cell.number_format = number_format
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def append(self, values: Iterable[Any]) -> None:
        """Write one row."""
        plain = _TEXT_NEEDS_CARE.search  # most cells are plain text: no call for them (a roster export's speed)
        self._sheet.append([value if value is None or (value.__class__ is str and not plain(value))
                            else self._value(value, column) for column, value in enumerate(values)])


class WorkbookWriter:
    """A workbook written row by row (openpyxl write-only, so a whole city's roster never sits in
    memory): the one way the platform writes a spreadsheet. Exports, error reports, templates and
    reports take their sheets here; a test fails when a module writes a workbook any other way
    (`core/tests/test_spreadsheet_writer.py`)."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self._book = Workbook(write_only=True)

    def sheet(self, title: str, *, widths: Iterable[int] = (), freeze: str | None = None) -> SheetWriter:
        sheet = self._book.create_sheet(title)
        for index, width in enumerate(widths):
            sheet.column_dimensions[column_letter(index)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        return SheetWriter(sheet)

    def save(self, out: Any) -> None:
        self._book.save(out)


def write_error_report(errors: Iterable[RowError], out: BinaryIO) -> None:
    """The errors as an .xlsx (行号, 列, 值, 原因; with 姓名 after the row number when the errors name
    whom their rows are about)."""
    errors = list(errors)
    named = any(error.name for error in errors)
    titles = [_("行号"), _("姓名"), _("列"), _("值"), _("原因")] if named else [_("行号"), _("列"), _("值"), _("原因")]
    book = WorkbookWriter()
    sheet = book.sheet(_("错误"), widths=(8, 12, 18, 24, 70) if named else (8, 18, 24, 70))
    sheet.append([sheet.cell(title, bold=True) for title in titles])
    for error in errors:
        if named:
            sheet.append([error.row, error.name, error.column, error.value, error.reason])
        else:
            sheet.append([error.row, error.column, error.value, error.reason])
    book.save(out)


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a blank import template: its header as the import reads it, whether it must
    be filled, how to fill it, an example value; `text` columns (ID and phone numbers) are
    formatted as text so that Excel keeps every digit."""

    header: str
    required: bool = False
    note: str = ""
    example: str = ""
    text: bool = False
    width: int = 14


def write_template(columns: Iterable[TemplateColumn], out: BinaryIO, *, sheet: str, notes_sheet: str,
                   blank_rows: int = 500) -> None:
    """A blank import template (.xlsx): the first sheet holds the header row (required columns in
    red, each header with its note as a comment, text columns formatted as text for `blank_rows`
    rows); the second explains each column with an example. The import reads the first sheet
    with a header and skips the notes."""
    columns = list(columns)
    book = WorkbookWriter()
    data = book.sheet(sheet, widths=[column.width for column in columns], freeze="A2")
    data.append([data.cell(column.header, bold=True, color="C00000" if column.required else "000000", fill="FDECEA",
                           comment=column.note or None) for column in columns])
    if any(column.text for column in columns):
        as_text = data.cell(None, number_format="@")
        for _row in range(blank_rows):
            data.append([as_text if column.text else None for column in columns])
    notes = book.sheet(notes_sheet, widths=(18, 8, 60, 24))
    notes.append([notes.cell(title, bold=True) for title in (_("列名"), _("必填"), _("填写说明"), _("示例"))])
    for column in columns:
        notes.append([notes.cell(value, wrap=True) for value in (
            column.header, _("是") if column.required else "", column.note, column.example)])
    book.save(out)


def read_table(source: str | Path, *, file_name: str = "", is_header: Callable[[list[Any]], bool],
               max_bytes: int | None = None, no_header: str | None = None, max_rows: int | None = None,
               ) -> tuple[int, list[Any], Iterator[tuple[int, list[Any]]]]:
    """Read any Chinese-headed table (.xlsx or .csv) the way rosters are read, for other apps' imports:
    the same file checks (type, size, zip bombs, encodings, merged cells) and row numbers as Excel
    shows them. Returns (header row number, header cells, the data rows after it); the header is the
    first row within the first rows of a sheet for which `is_header` is true. SpreadsheetError otherwise
    (`no_header`: the message then, naming the columns the caller looks for)."""
    path = Path(source)
    if check_file(path, file_name=file_name or path.name, max_bytes=max_bytes, max_rows=max_rows) == "csv":
        sources: Iterable[Iterator[tuple[int, list[Any]]]] = [csv_rows(decode_csv(path.read_bytes()))]
        sheets = None
    else:
        sheets = list(xlsx_sheets(str(path)))
        sources = (sheet_rows(sheet) for _name, sheet in sheets)
    for index, rows in enumerate(sources):
        for _i in range(HEADER_SEARCH_ROWS):
            item = next(rows, None)
            if item is None:
                break
            number, cells = item
            if is_header(cells):
                if sheets is not None:
                    check_merged(sheets[index][1], number)
                return number, cells, rows
    raise SpreadsheetError(no_header or _("在表格前%(n)d行中没有找到表头：表头行应包含“姓名”“公民身份号码”等列名") % {
        "n": HEADER_SEARCH_ROWS})
