"""Reading spreadsheet cells and files (`core.spreadsheets`), the part every import shares.

The roster's own columns and files are tested in `members/tests/test_roster.py`, the dues sheet in
`dues/tests`, the recruitment import in `development/tests/test_import.py`.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dangwu.core import spreadsheets
from dangwu.core.spreadsheets import SpreadsheetError, ValueProblem


@pytest.mark.parametrize("raw", [
    "2001-07-01", "2001/7/1", "2001.07.01", "2001.7.1", "2001年7月1日", "20010701", "2001 - 07 - 01",
    "2001-07-01 00:00:00", date(2001, 7, 1), datetime(2001, 7, 1, 0, 0), 20010701, 37073, 37073.0,
])
def test_every_date_form(raw):
    assert spreadsheets.parse_date(raw) == date(2001, 7, 1)


@pytest.mark.parametrize("raw", ["2001.07", "2001-07", "2001/07", "2001年7月", "200107", 2001.07, 200107])
def test_year_and_month_mean_the_first(raw):
    assert spreadsheets.parse_date(raw) == date(2001, 7, 1)


@pytest.mark.parametrize("raw", ["2001-02-30", "2001-13-01", "明年", "1800-01-01", 2001.1, True, "2001.07.01.01"])
def test_bad_dates(raw):
    with pytest.raises(ValueProblem):
        spreadsheets.parse_date(raw)


@pytest.mark.parametrize("index,letters", [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
def test_column_letters_as_excel_names_them(index, letters):
    assert spreadsheets.column_letter(index) == letters


def test_read_table_finds_the_header_below_a_title_and_numbers_rows_as_excel(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("某某表\n姓名,金额\n张三,12.5\n\n李四,3\n", encoding="utf-8")
    number, header, rows = spreadsheets.read_table(path, is_header=lambda cells: "金额" in cells)
    assert (number, header) == (2, ["姓名", "金额"])
    assert [(n, cells) for n, cells in rows if any(cells)] == [(3, ["张三", "12.5"]), (5, ["李四", "3"])]
    with pytest.raises(SpreadsheetError) as problem:
        spreadsheets.read_table(path, is_header=lambda cells: False, no_header="没有找到“党费类别”列")
    assert problem.value.message == "没有找到“党费类别”列"
