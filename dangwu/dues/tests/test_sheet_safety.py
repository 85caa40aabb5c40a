"""Declarations sheets with control characters, and the dues report with formula-looking names (decision 0020)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from dangwu.dues.models import Declaration, DeclarationImport

pytestmark = pytest.mark.django_db


def test_control_characters_in_a_declarations_sheet_are_named_by_row_and_column(client, dues_people, world):
    plain, wang = dues_people["m_plain"], dues_people["m_wang"]
    text = ("芙蓉区第一党支部党费基数申报表\n序号,姓名,身份证号,人员类别,月工资收入\n"
            f"1,{plain.name}\x00,{plain.id_number},在职,5000\n2,{wang.name},{wang.id_number},\x01离退休,3000\n"
            f"3,{dues_people['m_zhao'].name},{dues_people['m_zhao'].id_number},在职,\x7f4000\n")
    client.force_login(dues_people["secretary"])
    response = client.post(f"/dues/org/{world.branch_a.pk}/declarations/", {
        "year": timezone.localdate().year, "file": SimpleUploadedFile("申报表.csv", text.encode("utf-8"))},
        follow=True)  # the import runs as a task (at once in the tests) and its status page shows the errors
    assert response.status_code == 200
    record = DeclarationImport.objects.get()
    errors = [(row, column, value) for row, column, value, _reason, _name in record.errors]
    assert errors == [(3, "姓名", f"{plain.name}␀"), (4, "人员类别", "␁离退休"), (5, "月工资收入", "␡4000")]
    assert all("控制字符" in error[3] for error in record.errors)
    assert "␁离退休" in response.content.decode() and not Declaration.objects.exists()


def test_the_dues_report_writes_organization_names_as_text(client, dues_people, world):
    world.county_a.name = '=HYPERLINK("http://evil.example/","点我")'
    world.county_a.save(update_fields=["name"])
    world.city_a.name = "@SUM(A1:A9)"
    world.city_a.save(update_fields=["name"])
    client.force_login(dues_people["city_a"])
    response = client.get(f"/dues/org/{world.city_a.pk}/report.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows())
    assert [c.coordinate for row in rows for c in row if c.data_type in ("f", "e")] == []
    assert rows[0][0].value.startswith("@SUM(A1:A9) 党费收缴统计")
    assert any(row[0].value == world.county_a.name for row in rows)
    assert rows[-1][0].value == "合计" and isinstance(rows[-1][2].value, int)  # figures stay numbers
