"""Import of people already in the pipeline: the same rules, all rows or none, a row-level report."""

from datetime import date, timedelta
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dangwu.core.models import AuditEntry
from dangwu.development import imports, rules
from dangwu.development.models import Candidate, Sponsor, Step
from dangwu.development.tests.test_services import audit_since, last_seq
from dangwu.testing import Snapshot, make_id_number

pytestmark = pytest.mark.django_db
HEADERS = imports.template_headers()


def workbook(rows, path):
    book = Workbook()
    sheet = book.active
    sheet.append(["某某党支部发展党员过程信息"])  # a title row above the header
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    book.save(path)
    return path


def person(start: date, *, until: str, serial: int, name: str = "吴可", **extra):
    dates = {"application": start, "first_talk": start + timedelta(days=10),
             "activist_selected": start + timedelta(days=30), "activist_filed": start + timedelta(days=35),
             "contacts_assigned": start + timedelta(days=40), "activist_training": start + timedelta(days=200)}
    dates["target_selected"] = rules.add_years(dates["activist_selected"], 1)
    t = dates["target_selected"]
    for i, code in enumerate(["target_filed", "introducers_assigned", "political_review", "target_training",
                              "committee_review", "superior_prereview", "application_form"], start=1):
        dates[code] = t + timedelta(days=5 * i)
    row = {"姓名": name, "公民身份号码": make_id_number(date(1995, 3, 4), serial=serial), "性别": "男"}
    with __import__("django.utils.translation", fromlist=["override"]).override("zh-hans"):
        for code in rules.STEP_CODES[:rules.STEP_CODES.index(until) + 1]:
            row[str(rules.STEPS[code].label)] = dates[code].isoformat()
    row.update(extra)
    return row


def test_import_people_half_way(tmp_path, world, people):
    start = timezone.localdate() - timedelta(days=800)
    rows = [person(start, until="first_talk", serial=91, name="甲一"),
            person(start, until="application_form", serial=92, name="乙二", 培养联系人="李书记、张三",
                   入党介绍人="李书记、张三", 集中培训天数=3)]
    path = workbook(rows, tmp_path / "dev.xlsx")
    seq = last_seq()
    result = imports.import_stage_dates(actor=people["secretary"], organization=world.branch_a, path=str(path),
                                         file_name="dev.xlsx")
    assert result.ok and result.created == 2
    second = Candidate.objects.get(name="乙二")
    assert second.stage == "admission" and second.last_step == "application_form"
    assert Step.objects.filter(candidate=second).count() == 14
    assert Sponsor.objects.filter(candidate=second, kind="introducer").count() == 2
    assert audit_since(seq) == ["development.import"]


def test_one_bad_row_and_nothing_is_written(tmp_path, world, people):
    start = timezone.localdate() - timedelta(days=800)
    too_soon = person(start, until="target_selected", serial=94, name="丙三", 培养联系人="张三")
    with __import__("django.utils.translation", fromlist=["override"]).override("zh-hans"):
        label = str(rules.STEPS["target_selected"].label)
    too_soon[label] = (start + timedelta(days=31 + 300)).isoformat()  # less than a year as an activist
    rows = [person(start, until="first_talk", serial=93, name="甲一"), too_soon,
            person(start, until="first_talk", serial=95, name="", 公民身份号码="123")]
    path = workbook(rows, tmp_path / "dev.xlsx")
    snap = Snapshot(candidates=Candidate.objects, steps=Step.objects, audit=AuditEntry.objects)
    result = imports.import_stage_dates(actor=people["secretary"], organization=world.branch_a, path=str(path),
                                         file_name="dev.xlsx")
    assert not result.ok and snap.unchanged()
    by_row = {(e.row, e.column) for e in result.errors}
    assert (4, label) in by_row  # row numbers as Excel shows them: title row 1, header row 2
    assert (5, "姓名") in by_row and (5, "公民身份号码") in by_row
    assert any("一年以上" in e.reason for e in result.errors if e.row == 4)
    out = BytesIO()
    from dangwu.core.spreadsheets import write_error_report

    write_error_report(result.errors, out)
    sheet = load_workbook(BytesIO(out.getvalue())).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "值", "原因"] and sheet.max_row == len(result.errors) + 1


def test_vote_needs_publicity_and_later_steps_are_refused(tmp_path, world, people):
    start = timezone.localdate() - timedelta(days=900)
    row = person(start, until="application_form", serial=96, name="丁四", 培养联系人="张三", 入党介绍人="李书记、张三",
                 集中培训天数=3)
    with __import__("django.utils.translation", fromlist=["override"]).override("zh-hans"):
        vote_label = str(rules.STEPS["branch_admission_vote"].label)
    form = date.fromisoformat(row[next(h for h in HEADERS if h == "填写入党志愿书")])
    row[vote_label] = (form + timedelta(days=1)).isoformat()
    path = workbook([row], tmp_path / "dev.xlsx")
    result = imports.import_stage_dates(actor=people["secretary"], organization=world.branch_a, path=str(path),
                                         file_name="dev.xlsx")
    assert any(e.column == vote_label and "公示" in e.reason for e in result.errors)


def test_a_file_with_a_classification_marking_is_refused_and_nothing_is_written(tmp_path, world, people):
    start = timezone.localdate() - timedelta(days=400)
    path = workbook([person(start, until="activist_selected", serial=98, name="己六")], tmp_path / "dev.xlsx")
    book = load_workbook(path)
    book.active["A1"] = "绝密★ 某某党支部发展党员过程信息"  # the title row: not a column the import reads
    book.save(path)
    snap = Snapshot(candidates=Candidate.objects, steps=Step.objects, audit=AuditEntry.objects)
    result = imports.import_stage_dates(actor=people["secretary"], organization=world.branch_a, path=str(path),
                                         file_name="dev.xlsx")
    assert not result.ok and snap.unchanged()
    assert [(e.row, e.column, e.value) for e in result.errors] == [(None, "", "dev.xlsx")]
    assert "绝密★" in result.errors[0].reason and "涉密信息不上网" in result.errors[0].reason
    client = Client()
    client.force_login(people["secretary"])  # a login is audited
    snap = Snapshot(candidates=Candidate.objects, steps=Step.objects, audit=AuditEntry.objects)
    with open(path, "rb") as handle:
        page = client.post(f"/development/import/in/{world.branch_a.pk}/", {"file": handle}).content.decode()
    assert 'id="import-errors"' in page and "绝密★" in page and snap.unchanged()
    stderr = StringIO()
    with pytest.raises(CommandError):
        call_command("import_development", str(path), org=world.branch_a.code, stderr=stderr)
    assert "绝密★" in stderr.getvalue() and snap.unchanged()


def test_page_and_command(tmp_path, world, people):
    start = timezone.localdate() - timedelta(days=400)
    path = workbook([person(start, until="activist_selected", serial=97, name="戊五")], tmp_path / "dev.xlsx")
    client = Client()
    client.force_login(people["secretary"])
    url = f"/development/import/in/{world.branch_a.pk}/"
    with open(path, "rb") as handle:
        page = client.post(url, {"file": handle, "dry_run": "1"}).content.decode()
    assert "检查通过" in page and not Candidate.objects.filter(name="戊五").exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with open(bad, "rb") as handle:
        response = client.post(url, {"file": handle})
    assert response.status_code == 200 and 'id="import-errors"' in response.content.decode()
    errors_json = response.context["errors_json"]
    report = client.post(url, {"errors_json": errors_json})
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.post(url, {"errors_json": "{not json"}).status_code == 404
    with pytest.raises(CommandError):
        call_command("import_development", str(bad), org=world.branch_a.code)
    call_command("import_development", str(path), org=world.branch_a.code, dry_run=True)
    assert not Candidate.objects.filter(name="戊五").exists()
    call_command("import_development", str(path), org=world.branch_a.code)
    assert Candidate.objects.get(name="戊五").last_step == "activist_selected"
