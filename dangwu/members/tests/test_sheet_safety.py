"""Rosters with control characters in their cells, and names that look like formulas (decision 0020).

A NUL or another control character in a cell is refused in that cell, with the row and column, and
never reaches a stored error, a report or the task worker's record; what people typed is exported as
text, never as a live formula, and reads back as typed.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dangwu import testing
from dangwu.members.models import Member, RosterExport, RosterImport

from .rosters import people as make_rows
from .rosters import write_csv, write_xlsx

pytestmark = pytest.mark.django_db
FORMULAS = {"name": '=HYPERLINK("http://evil.example/","点我")', "work_unit": "+cmd|' /C calc'!A0",
            "address": "-2+3", "job_title": "@SUM(A1:A9)", "native_place": "=1+1", "degree": "#N/A"}


def _import(client, world, path, name):
    client.post("/members/import/", {"organization": str(world.branch_a.pk), "action": "import",
                                     "file": SimpleUploadedFile(name, path.read_bytes())})
    return RosterImport.objects.order_by("-pk").first()


def _report(client, record):
    response = client.get(f"/members/import/{record.pk}/errors.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_control_characters_end_the_import_with_the_bad_rows_listed(client, people, world, tmp_path):
    rows = make_rows(4)
    rows[1]["性别"] = "\x00男"
    rows[2]["姓名"] = "张\x01三"
    rows[3]["工作单位及职务"] = "湖南大学\t\r\n教授"  # whitespace inside text: read as a space, no error
    client.force_login(people["secretary"])
    record = _import(client, world, write_csv(tmp_path / "花名册.csv", rows), "花名册.csv")
    assert record.status == "failed" and record.error_count == 2 and "有2处错误" in record.message
    assert [error[:3] for error in record.errors] == [[3, "性别", "␀男"], [4, "姓名", "张␁三"]]
    assert all("控制字符" in error[3] for error in record.errors)
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()
    page = client.get(f"/members/import/{record.pk}/").content.decode()
    assert "第 3 行" in page and "␀男" in page and "第 4 行" in page and "张␁三" in page
    report = [[c.value for c in row] for row in _report(client, record).iter_rows(min_row=2)]
    assert [row[0] for row in report] == [3, 4] and [row[2:4] for row in report] == [["性别", "␀男"], ["姓名", "张␁三"]]


def test_control_characters_in_a_workbook_are_refused_too(client, people, world, tmp_path):
    """Excel writes a control character in a cell as `_x0000_`, which python-calamine reads back as
    the character: the workbook is written with openpyxl (which refuses control characters) and the
    escape put in its XML afterwards."""
    rows = make_rows(2)
    rows[1]["性别"] = "MARK"
    written = write_xlsx(tmp_path / "written.xlsx", rows)
    path = tmp_path / "花名册.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename).replace(b"MARK", "_x0000_男".encode()))
    client.force_login(people["secretary"])
    record = _import(client, world, path, "花名册.xlsx")
    assert record.status == "failed" and [error[:3] for error in record.errors] == [[3, "性别", "␀男"]]
    assert [c.value for c in _report(client, record)[2]][2:4] == ["性别", "␀男"]


def test_the_worker_runs_a_roster_import_with_a_nul_to_its_end(database_worker, client, people, world, tmp_path):
    """The case that stopped the worker: a roster with `\\x00男` in a cell, run by the production
    worker (on PostgreSQL with DATABASE_URL); the import ends failed with the bad row listed and a
    report, and the worker goes on to the next import."""
    rows = make_rows(3)
    rows[1]["性别"] = "\x00男"
    client.force_login(people["secretary"])
    first = _import(client, world, write_csv(tmp_path / "bad.csv", rows), "bad.csv")
    second = _import(client, world, write_csv(tmp_path / "good.csv", make_rows(2, start=50)), "good.csv")
    assert (first.status, second.status) == ("queued", "queued")
    database_worker()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "failed" and first.error_count == 1 and first.error_report
    assert first.errors[0][:3] == [3, "性别", "␀男"] and "控制字符" in first.errors[0][3]
    assert [c.value for c in _report(client, first)[2]][2:4] == ["性别", "␀男"]
    assert second.status == "done" and second.created_count == 2


def _no_formula(sheet) -> list[list]:
    rows = []
    for row in sheet.iter_rows():
        assert [c.coordinate for c in row if c.data_type in ("f", "e")] == []
        rows.append([c.value for c in row])
    return rows


@pytest.mark.parametrize("background", [False, True])
def test_exports_write_formula_looking_text_as_text(client, people, world, settings, background):
    testing.make_member(world.branch_a, dues_standard=Decimal("12.50"), joined_on=date(2001, 7, 1), **FORMULAS)
    if background:
        settings.DANGWU_EXPORT_INLINE_ROWS = 1
    client.force_login(people["secretary"])
    response = client.get(f"/members/export/?org={world.branch_a.pk}")
    if background:
        record = RosterExport.objects.get()
        assert response.status_code == 302 and record.status == "done"
        response = client.get(f"/members/export/{record.pk}/download.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = _no_formula(sheet)
    from dangwu.members.roster import EXPORT_FIELDS

    exported = [dict(zip(EXPORT_FIELDS, row, strict=True)) for row in rows[1:]]
    person = next(row for row in exported if row["name"] == FORMULAS["name"])
    assert {key: person[key] for key in FORMULAS} == FORMULAS  # as typed, no apostrophe added
    assert person["joined_on"] == datetime(2001, 7, 1) and person["dues_standard"] == 12.5  # still a date, a number


def test_the_import_error_report_writes_formula_looking_values_as_text(client, people, world, tmp_path):
    rows = make_rows(2)
    rows[0]["姓名"] = FORMULAS["native_place"]
    rows[0]["学历"] = FORMULAS["name"]
    client.force_login(people["secretary"])
    record = _import(client, world, write_csv(tmp_path / "花名册.csv", rows), "花名册.csv")  # text, as typed
    assert record.status == "failed" and record.error_count == 1
    report = _no_formula(_report(client, record))
    assert report[1][:4] == [2, FORMULAS["native_place"], "学历", FORMULAS["name"]]
