"""Recruitment records with control characters in their cells, and an error report of formula-looking
values (decision 0020)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from dangwu.core.models import AuditEntry
from dangwu.development import imports
from dangwu.development.models import Candidate
from dangwu.development.tests.test_import import HEADERS, person
from dangwu.testing import Snapshot

pytestmark = pytest.mark.django_db


def test_control_characters_are_named_by_row_and_column(tmp_path, world, people):
    start = timezone.localdate() - timedelta(days=800)
    rows = [person(start, until="first_talk", serial=81, name="甲\x00一"),
            person(start, until="first_talk", serial=82, name="乙二", 性别="\x01男"),
            person(start, until="contacts_assigned", serial=83, name="丙三", 培养联系人="张三\x02"),
            person(start, until="first_talk", serial=84, name="丁四\t")]  # a tab is whitespace: no error
    path = tmp_path / "dev.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow([row.get(h, "") for h in HEADERS])
    snap = Snapshot(candidates=Candidate.objects, audit=AuditEntry.objects)
    result = imports.import_stage_dates(actor=people["secretary"], organization=world.branch_a, path=str(path),
                                         file_name="dev.csv")
    assert not result.ok and snap.unchanged()
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "姓名", "甲␀一"), (3, "性别", "␁男"), (4, "培养联系人", "张三␂")]
    assert all("控制字符" in e.reason for e in result.errors)


def test_the_error_report_writes_what_was_posted_as_text(world, people):
    client = Client()
    client.force_login(people["secretary"])
    posted = [[3, "姓名", '=HYPERLINK("http://evil.example/","点我")', "原因"], [4, "性别", "\x00男", "@SUM(A1)"],
              [None, "", "\ud800", "-1"]]
    response = client.post(f"/development/import/in/{world.branch_a.pk}/", {"errors_json": json.dumps(posted)})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type in ("f", "e")] == []
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [3, "姓名", '=HYPERLINK("http://evil.example/","点我")', "原因"], [4, "性别", "␀男", "@SUM(A1)"],
        [None, None, "\ufffd", "-1"]]
