"""Workbooks that would exhaust memory are refused before calamine opens them (`spreadsheets.check_zip`).

Issue 12, finding 3: the whole archive's ratio was the only guard, and a few MB of stored random
bytes kept it low while one part unpacked to a gigabyte; and calamine lays a sheet out as a dense
rectangle, so two far-apart cells in a tiny file ask it for hundreds of gigabytes. The ceilings are
lowered through settings so that the files stay small.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from dangwu.core import spreadsheets
from dangwu.core.spreadsheets import SpreadsheetError


def workbook(path: Path, rows: int = 3, *, far_cell: str | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公民身份号码", "党费类别", "月收入基数"])
    for i in range(rows):
        sheet.append([f"党员{i}", f"11010119900307{i:04d}", "在岗职工", 5000])
    if far_cell:
        sheet[far_cell] = 1
    book.save(path)
    return path


def add_stored_part(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_STORED)


@pytest.fixture
def calamine_never_opens(monkeypatch):
    """Fail the test if the file reaches calamine: the checks must refuse it before."""
    import python_calamine

    def refuse(*args, **kwargs):
        raise AssertionError("calamine opened a workbook that the checks should have refused")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)


def test_a_huge_stored_part_is_refused_before_reading(tmp_path, settings, calamine_never_opens):
    settings.DANGWU_XLSX_ROW_BYTES = 64  # 100 rows → parts up to (110 + 1000) × 64 ≈ 71 KB
    path = workbook(tmp_path / "bomb.xlsx")
    add_stored_part(path, "xl/media/padding.bin", os.urandom(300_000))  # the whole archive's ratio stays ~1
    with pytest.raises(SpreadsheetError) as caught:
        spreadsheets.check_file(path, file_name="bomb.xlsx", max_rows=100)
    assert "解压后过大" in caught.value.message


def test_a_part_that_unpacks_far_more_than_it_packs_is_refused(tmp_path, settings):
    settings.DANGWU_XLSX_MAX_RATIO = 20
    path = workbook(tmp_path / "ratio.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * 2_000_000)  # 2 MB of zeros pack to ~2 KB
    with pytest.raises(SpreadsheetError, match="解压后过大"):
        spreadsheets.check_file(path, file_name="ratio.xlsx", max_rows=100)


def test_a_cell_far_to_the_right_is_refused(tmp_path, calamine_never_opens):
    # calamine would allocate rows × 16 384 columns × 32 bytes; at row 1 048 576 that is 550 GB and the process aborts.
    path = workbook(tmp_path / "wide.xlsx", far_cell="XFD2")
    with pytest.raises(SpreadsheetError, match="AZ"):
        spreadsheets.check_file(path, file_name="wide.xlsx", max_rows=100)


def test_a_cell_far_below_the_row_limit_is_refused(tmp_path, calamine_never_opens):
    path = workbook(tmp_path / "tall.xlsx", far_cell="A5000")
    with pytest.raises(SpreadsheetError, match="超过100行"):
        spreadsheets.check_file(path, file_name="tall.xlsx", max_rows=100)


def test_the_row_limit_stops_reading_early(tmp_path, monkeypatch, calamine_never_opens):
    """A sheet of 12 000 rows (about 3 MB of XML, under the size ceiling) with a limit of 100 rows: the scan stops within its
    first chunk, long before the end of the part, and calamine never lays the sheet out."""
    path = workbook(tmp_path / "long.xlsx", rows=12_000)
    sheet_size = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    assert sheet_size > 2 * 1024 * 1024
    read = []
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original(self, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    with pytest.raises(SpreadsheetError, match="超过100行"):
        spreadsheets.check_file(path, file_name="long.xlsx", max_rows=100)
    assert sum(read) < sheet_size / 2


def test_a_cell_without_its_position_is_refused(tmp_path, calamine_never_opens):
    path = tmp_path / "nopos.xlsx"
    with zipfile.ZipFile(workbook(tmp_path / "base.xlsx")) as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="A2"', b"<c")
            out.writestr(info, data)
    with pytest.raises(SpreadsheetError, match="位置"):
        spreadsheets.check_file(path, file_name="nopos.xlsx", max_rows=100)


def test_an_ordinary_workbook_passes(tmp_path):
    path = workbook(tmp_path / "ok.xlsx", rows=500)
    assert spreadsheets.check_file(path, file_name="ok.xlsx", max_rows=500) == "xlsx"
    number, header, rows = spreadsheets.read_table(path, is_header=lambda cells: "姓名" in cells, max_rows=500)
    assert number == 1 and len(list(rows)) == 500


def _rewrite_sheet(source: Path, path: Path, change) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            data = original.read(info)
            out.writestr(info.filename, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return path


def _prefixed(data: bytes) -> bytes:
    """The sheet written with a namespace prefix (<x:row>, <x:c>), as some .NET writers do."""
    data = data.replace(b'<worksheet xmlns="', b'<x:worksheet xmlns:x="').replace(b"</worksheet>", b"</x:worksheet>")
    for tag in (b"sheetData", b"row", b"c", b"v", b"is", b"t"):
        data = data.replace(b"<" + tag + b" ", b"<x:" + tag + b" ").replace(b"<" + tag + b">", b"<x:" + tag + b">")
        data = data.replace(b"</" + tag + b">", b"</x:" + tag + b">")
    return data


def test_prefixed_rows_count_once_and_far_cells_are_found(tmp_path, calamine_never_opens):
    fine = _rewrite_sheet(workbook(tmp_path / "a.xlsx", rows=90), tmp_path / "fine.xlsx", _prefixed)
    assert b"<x:row" in zipfile.ZipFile(fine).read("xl/worksheets/sheet1.xml")
    spreadsheets.check_zip(str(fine), max_rows=100)  # 91 rows, each counted once
    long = _rewrite_sheet(workbook(tmp_path / "b.xlsx", rows=200), tmp_path / "long.xlsx", _prefixed)
    with pytest.raises(SpreadsheetError, match="超过100行"):
        spreadsheets.check_zip(str(long), max_rows=100)
    wide = _rewrite_sheet(workbook(tmp_path / "c.xlsx", far_cell="XFD2"), tmp_path / "wide.xlsx", _prefixed)
    with pytest.raises(SpreadsheetError, match="AZ"):
        spreadsheets.check_zip(str(wide), max_rows=100)


def test_a_position_written_after_other_attributes_or_quoted_otherwise_still_counts(tmp_path):
    base = workbook(tmp_path / "a.xlsx", far_cell="XFD2")
    moved = _rewrite_sheet(base, tmp_path / "moved.xlsx",
                           lambda data: data.replace(b'<c r="XFD2" t="n">', b"<c t='n'  r = 'XFD2'>"))
    assert b"r = 'XFD2'" in zipfile.ZipFile(moved).read("xl/worksheets/sheet1.xml")
    with pytest.raises(SpreadsheetError, match="AZ"):
        spreadsheets.check_zip(str(moved), max_rows=100)
    ordinary = _rewrite_sheet(workbook(tmp_path / "b.xlsx"), tmp_path / "ordinary.xlsx",
                              lambda data: data.replace(b'<c r="A2" t="inlineStr">', b'<c t="inlineStr" r="A2">'))
    spreadsheets.check_zip(str(ordinary), max_rows=100)  # a position after the type is still a position


def test_the_classification_guard_checks_a_workbook_before_opening_it(tmp_path, monkeypatch):
    """Every upload of a workbook (documents, proofs, imports) is read by the 涉密 guard with calamine:
    it checks the parts first, so a tiny file with far-apart cells cannot abort the process."""
    from dangwu.core.classification import check_upload

    data = workbook(tmp_path / "wide.xlsx", far_cell="XFD2").read_bytes()
    import python_calamine

    def never(*args, **kwargs):
        raise AssertionError("calamine opened a workbook the checks should have refused")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", never)
    message = check_upload(name="通知.xlsx", data=data)
    assert message and "无法检查" in message and "AZ" in message
