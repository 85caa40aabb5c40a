"""Cells no import accepts, text every store accepts, and the one spreadsheet writer (decision 0020).

The imports' own cases (a roster, a declarations sheet, a recruitment record with a NUL in a cell;
exports of formula-looking names) are in each app's `tests/test_sheet_safety.py`.
"""

from __future__ import annotations

import ast
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from dangwu.core import spreadsheets
from dangwu.core.spreadsheets import RowError, UnreadableCell, ValueProblem
from dangwu.core.text import storable

FORMULAS = ['=HYPERLINK("http://evil.example/","点我")', "=1+1", "+1+2", "-2+3", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0", "#N/A", "\t=1+1", "="]


def test_storable_replaces_what_a_database_or_a_workbook_refuses_by_visible_stand_ins():
    assert storable("\x00男") == "␀男"
    assert storable("a\x01b\x1fc\x0bd\x0c") == "a␁b␟c␋d␌"
    assert storable("半\ud800个\ufffe\uffff") == "半\ufffd个\ufffd\ufffd"
    assert storable("行\t一\r\n行二") == "行\t一\r\n行二"  # whitespace every store and workbook accepts
    assert storable("\x7f\x85") == "\x7f\x85"  # DEL and C1: stored and written as they are
    nested = storable({"k\x00": [["\x00", 1, None], ("\x02",)], "n": 2.5})
    assert nested == {"k␀": [["␀", 1, None], ("␂",)], "n": 2.5}


@pytest.mark.parametrize("raw,shown", [("\x00男", "␀男"), ("张\x01三", "张␁三"), ("汉\x7f", "汉␡"),
                                       ("本科\x85", "本科\ufffd"), ("\ufffe2001-07-01", "\ufffd2001-07-01")])
def test_a_cell_with_control_characters_is_refused_by_every_reader(raw, shown):
    text = f"姓名,性别\n{raw},{raw}\n"
    rows = list(spreadsheets.csv_rows(text))
    cell = rows[1][1][0]
    assert isinstance(cell, UnreadableCell) and cell == shown and spreadsheets.cell_text(cell) == shown
    readers = [spreadsheets.parse_text, spreadsheets.parse_id_text, spreadsheets.parse_date,
               spreadsheets.parse_phone_text, spreadsheets.parse_bool, spreadsheets.parse_decimal,
               lambda v: spreadsheets.lookup({"男": "male"}, v, lambda: "unknown")]
    for reader in readers:
        with pytest.raises(ValueProblem, match="控制字符"):
            reader(cell)


def test_the_refusal_speaks_english_too():
    from django.utils import translation

    cell = list(spreadsheets.csv_rows("姓名\n张\x00三\n"))[1][1][0]
    with translation.override("en"), pytest.raises(ValueProblem, match="invisible control characters"):
        spreadsheets.parse_text(cell)


def test_whitespace_controls_are_read_as_whitespace():
    """Tab and line breaks (Alt+Enter in Excel, CR LF from Windows), and the vertical tab and form
    feed that Word's line and page breaks leave in pasted text, are whitespace: not refused."""
    rows = list(spreadsheets.csv_rows('姓名,住址\n"张\t三","长沙市\r\n芙蓉区\x0b五一路\x0c1号"\n'))
    name, address = rows[1][1]
    assert not isinstance(name, UnreadableCell) and not isinstance(address, UnreadableCell)
    assert spreadsheets.parse_text(name) == "张 三"
    assert spreadsheets.parse_text(address) == "长沙市 芙蓉区 五一路 1号"


def test_workbook_rows_refuse_control_characters_too():
    class Sheet:  # what python-calamine hands over: the used range's start and its rows
        start = (1, 1)

        def iter_rows(self):
            yield ["姓名", "性别"]
            yield ["李\x03四", 1.0]

    rows = list(spreadsheets.sheet_rows(Sheet()))
    assert rows[0] == (2, ["", "姓名", "性别"])
    number, cells = rows[1]
    assert number == 3 and isinstance(cells[1], UnreadableCell) and cells[1] == "李␃四" and cells[2] == 1.0


def _read_back(write) -> list[list]:
    out = io.BytesIO()
    write(out)
    return [list(row) for row in load_workbook(io.BytesIO(out.getvalue())).active.iter_rows()]


def test_the_error_report_writes_what_people_typed_as_text_never_a_formula():
    errors = [RowError(index + 2, "姓名", value, "原因" + value, name=value) for index, value in enumerate(FORMULAS)]
    errors.append(RowError(20, "性别", "\x00男", "含有\x01控制字符", name="\x00"))
    rows = _read_back(lambda out: spreadsheets.write_error_report(errors, out))
    assert [c.value for c in rows[0]] == ["行号", "姓名", "列", "值", "原因"]
    for cells, value in zip(rows[1:], FORMULAS, strict=False):
        assert [c.data_type for c in cells] == ["n", "s", "s", "s", "s"]
        assert cells[3].value == value and cells[1].value == value and cells[4].value == "原因" + value
        assert cells[3].quotePrefix == value.startswith(("=", "+", "-", "@", "\t"))  # Excel keeps it text when edited
    assert [c.value for c in rows[-1]] == [20, "␀", "性别", "␀男", "含有␁控制字符"]


def test_the_writer_keeps_numbers_dates_and_booleans():
    def write(out):
        book = spreadsheets.WorkbookWriter()
        sheet = book.sheet("表", widths=(10, 10), freeze="A2")
        shanghai = datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
        for _row in range(2):  # the date cells are reused row after row
            sheet.append([7, 2.5, Decimal("30.10"), date(2001, 7, 1), shanghai, True, None, "文本", -3])
        book.save(out)

    rows = _read_back(write)
    for cells in rows:
        values = [c.value for c in cells]
        assert values[:4] == [7, 2.5, 30.1, datetime(2001, 7, 1)]
        assert values[4] == datetime(2026, 7, 1, 9, 30) and values[5] is True and values[6] is None
        assert values[7] == "文本" and values[8] == -3
        assert cells[3].number_format == "yyyy-mm-dd" and cells[3].is_date


# --- one writer -------------------------------------------------------------------------

DANGWU = Path(spreadsheets.__file__).resolve().parents[1]
WRITER = DANGWU / "core" / "spreadsheets.py"
WRITING_LIBRARIES = ("openpyxl", "xlsxwriter", "xlwt", "pyexcel", "pandas", "odf", "tablib")


def _writers_elsewhere() -> list[str]:
    """Modules (tests and the tests' helpers aside) that import a spreadsheet library or write CSV."""
    found = []
    for path in sorted(DANGWU.rglob("*.py")):
        relative = path.relative_to(DANGWU.parent)
        if path == WRITER or "tests" in path.parts or path.name in ("testing.py", "conftest.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(module.split(".")[0] in WRITING_LIBRARIES for module in modules):
                found.append(f"{relative}:{node.lineno} imports {modules[0]}")
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") and (
                    isinstance(node.value, ast.Name) and node.value.id == "csv"):
                found.append(f"{relative}:{node.lineno} writes CSV")
            if isinstance(node, ast.Constant) and node.value == "text/csv":
                found.append(f"{relative}:{node.lineno} serves text/csv")
    return sorted(found)


def test_every_spreadsheet_is_written_by_the_one_writer():
    """A module writing a workbook or a CSV file with its own openpyxl (or csv.writer, or any other
    library) would write names like =HYPERLINK(…) as live formulas again: it must use
    `core.spreadsheets.WorkbookWriter` (a CSV export would add its writer there, with a leading ' for
    text that starts like a formula)."""
    assert _writers_elsewhere() == []


def test_the_one_writer_check_sees_a_module_that_writes_its_own_workbook(tmp_path, monkeypatch):
    monkeypatch.setattr("dangwu.core.tests.test_sheet_safety.DANGWU", tmp_path / "dangwu")
    (tmp_path / "dangwu" / "dues").mkdir(parents=True)
    (tmp_path / "dangwu" / "dues" / "export.py").write_text(
        "import csv\nfrom openpyxl import Workbook\nw = csv.writer(None)\nTYPE = 'text/csv'\n", encoding="utf-8")
    assert _writers_elsewhere() == ["dangwu/dues/export.py:2 imports openpyxl", "dangwu/dues/export.py:3 writes CSV",
                                    "dangwu/dues/export.py:4 serves text/csv"]
