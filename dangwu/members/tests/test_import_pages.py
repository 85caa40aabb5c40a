"""The roster import and export pages through the test client (tasks run at once in tests)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dangwu.core.models import AuditEntry
from dangwu.members.models import Member, RosterImport

from .rosters import people as make_rows
from .rosters import write_csv, write_xlsx


@pytest.fixture
def secretary_client(client, people):
    client.force_login(people["secretary"])
    return client


def _upload(tmp_path, rows, name="花名册.xlsx", **kwargs):
    path = write_xlsx(tmp_path / "upload.xlsx", rows, **kwargs)
    return SimpleUploadedFile(name, path.read_bytes(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _post(client, world, upload, *, action="import", update=False, **extra):
    data = {"organization": str(world.branch_a.pk), "file": upload, "action": action, **extra}
    if update:
        data["update_existing"] = "on"
    return client.post("/members/import/", data)


def test_the_import_page_offers_the_secretary_her_branch(secretary_client, world):
    html = secretary_client.get("/members/import/").content.decode()
    assert "导入花名册" in html and "仅校验" in html and "更新已有党员" in html
    assert f'<option value="{world.branch_a.pk}" selected>' in html
    assert world.branch_b.name not in html


def test_a_bad_row_is_named_and_nothing_is_imported(secretary_client, world, tmp_path):
    rows = make_rows(5)
    rows[2]["学历"] = "幼儿园"
    response = _post(secretary_client, world, _upload(tmp_path, rows, title="党员花名册"))
    assert response.status_code == 302
    record = RosterImport.objects.get()
    assert response["Location"] == f"/members/import/{record.pk}/"
    assert record.status == "failed" and record.error_count == 1
    html = secretary_client.get(response["Location"]).content.decode()
    assert "第 5 行" in html and "学历" in html and "幼儿园" in html and "无法识别的学历" in html
    assert "没有写入任何数据" in html
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()
    assert not record.file  # the upload (full ID numbers in clear) is not kept
    report = secretary_client.get(f"/members/import/{record.pk}/errors.xlsx")
    assert report.status_code == 200 and "attachment" in report["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["行号", "姓名", "列", "值", "原因"]
    assert [c.value for c in sheet[2]][:4] == [5, rows[2]["姓名"], "学历", "幼儿园"]


def test_a_good_roster_is_imported_and_shown(secretary_client, world, tmp_path, people):
    rows = make_rows(6)
    response = _post(secretary_client, world, _upload(tmp_path, rows))
    record = RosterImport.objects.get()
    assert record.status == "done" and record.created_count == 6, record.errors
    html = secretary_client.get(response["Location"]).content.decode()
    assert "导入完成" in html and "新建 6 名党员" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: the page stops polling
    assert Member.objects.filter(organization=world.branch_a, name=rows[0]["姓名"]).exists()
    entry = AuditEntry.objects.get(action="member.import")
    assert entry.actor == people["secretary"] and entry.ip_address == "127.0.0.1"
    fragment = secretary_client.get(f"/members/import/{record.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "新建 6 名党员" in fragment.content.decode()


def test_dry_run_button_only_checks(secretary_client, world, tmp_path):
    _post(secretary_client, world, _upload(tmp_path, make_rows(3)), action="validate")
    record = RosterImport.objects.get()
    assert record.dry_run and record.status == "done"
    assert not AuditEntry.objects.filter(action="member.import").exists()
    html = secretary_client.get(f"/members/import/{record.pk}/").content.decode()
    assert "校验通过" in html and "尚未写入任何数据" in html


def test_update_lists_what_changed(secretary_client, world, tmp_path, people):
    member = people["m_plain"]
    row = {"姓名": member.name, "公民身份号码": member.id_number, "党员类型": "正式党员",
           "入党日期": member.joined_on, "人员类别": "退休"}
    _post(secretary_client, world, _upload(tmp_path, [row]), update=True)
    record = RosterImport.objects.get()
    assert record.updated_count == 1
    html = secretary_client.get(f"/members/import/{record.pk}/").content.decode()
    assert "更新的内容" in html and "离退休人员" in html


def test_files_that_are_not_rosters_are_refused_on_the_form(secretary_client, world):
    fake = SimpleUploadedFile("花名册.xlsx", b"just some text, not a workbook")
    html = _post(secretary_client, world, fake).content.decode()
    assert 'data-field-error="file"' in html and "不是有效的Excel" in html
    assert not RosterImport.objects.exists()
    empty = SimpleUploadedFile("r.csv", b"")
    html = _post(secretary_client, world, empty).content.decode()
    assert 'data-field-error="file"' in html
    html = secretary_client.post("/members/import/", {"organization": str(world.branch_a.pk)}).content.decode()
    assert 'data-field-error="file"' in html


def test_a_file_too_large_is_refused(secretary_client, world, tmp_path, settings):
    settings.DANGWU_ROSTER_MAX_BYTES = 1000
    html = _post(secretary_client, world, _upload(tmp_path, make_rows(20))).content.decode()
    assert "文件超过" in html and not RosterImport.objects.exists()


def test_a_broken_workbook_fails_with_a_message_on_the_status_page(secretary_client, world, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", make_rows(3), merge="C2:C3")
    _post(secretary_client, world, SimpleUploadedFile("m.xlsx", path.read_bytes()))
    record = RosterImport.objects.get()
    assert record.status == "failed"
    html = secretary_client.get(f"/members/import/{record.pk}/").content.decode()
    assert "合并单元格" in html


@pytest.mark.parametrize("kind", ["xlsx", "csv", "gbk.csv"])
def test_a_roster_with_a_classification_marking_is_refused_on_the_file_field(secretary_client, world, tmp_path, kind):
    """涉密不上网: refused at the upload, before anything is stored or queued."""
    rows = make_rows(3)
    rows[1]["工作单位及职务"] = "秘密★ 某单位 科员"
    if kind == "xlsx":
        upload = _upload(tmp_path, rows)
    else:
        path = write_csv(tmp_path / "r.csv", rows, encoding="gb18030" if kind == "gbk.csv" else "utf-8-sig")
        upload = SimpleUploadedFile("花名册.csv", path.read_bytes(), content_type="text/csv")
    audits = AuditEntry.objects.count()
    response = _post(secretary_client, world, upload)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field-error="file"' in html and "秘密★" in html and "涉密信息不上网" in html
    assert not RosterImport.objects.exists() and AuditEntry.objects.count() == audits
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()
    rows[1]["工作单位及职务"] = "某单位 科员"  # the same roster without the marking goes through
    assert _post(secretary_client, world, _upload(tmp_path, rows)).status_code == 302


def test_the_import_command_refuses_a_marked_roster(world, tmp_path):
    from django.core.management import CommandError, call_command

    rows = make_rows(2)
    path = write_xlsx(tmp_path / "r.xlsx", rows, title="绝密★ 党员花名册")
    with pytest.raises(CommandError, match="绝密★"):
        call_command("import_members", str(path), org=world.branch_a.code)
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()


def test_organization_choice_must_be_in_scope(secretary_client, world, tmp_path):
    html = secretary_client.post("/members/import/", {
        "organization": str(world.branch_b.pk), "file": _upload(tmp_path, make_rows(1))}).content.decode()
    assert 'data-field-error="organization"' in html and not RosterImport.objects.exists()


def test_a_department_with_many_organizations_types_a_code(client, people, world, tmp_path, monkeypatch):
    from dangwu.members import views

    monkeypatch.setattr(views, "ORG_CHOICES_LIMIT", 2)
    client.force_login(people["city_a"])
    assert 'name="org_code"' in client.get("/members/import/").content.decode()
    html = client.post("/members/import/", {"org_code": "nope", "file": _upload(tmp_path, make_rows(1))}).content.decode()
    assert 'data-field-error="org_code"' in html
    client.post("/members/import/", {"org_code": world.branch_a2.code, "file": _upload(tmp_path, make_rows(2))})
    record = RosterImport.objects.get()
    assert record.status == "done" and record.organization == world.branch_a2


def test_other_people_do_not_see_an_import(client, secretary_client, world, tmp_path, people):
    _post(secretary_client, world, _upload(tmp_path, make_rows(1)))
    record = RosterImport.objects.get()
    client.force_login(people["sibling"])
    assert client.get(f"/members/import/{record.pk}/").status_code == 404
    assert client.get(f"/members/import/{record.pk}/progress/").status_code == 404
    assert AuditEntry.objects.filter(action="access.denied").exists()
    client.force_login(people["city_a"])  # member.edit over the branch
    assert client.get(f"/members/import/{record.pk}/").status_code == 200


def test_export_from_the_organization_and_search_pages(secretary_client, world, people):
    org_html = secretary_client.get(f"/orgs/{world.branch_a.pk}/").content.decode()
    assert f"/members/export/?org={world.branch_a.pk}" in org_html and "导出花名册" in org_html
    search_html = secretary_client.get(f"/members/?org={world.branch_a.pk}").content.decode()
    assert f"/members/export/?org={world.branch_a.pk}" in search_html
    response = secretary_client.get(f"/members/export/?org={world.branch_a.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-cache" in response.get("Cache-Control", "") or "no-store" in response.get("Cache-Control", "")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"李书记", "张三"}
    assert AuditEntry.objects.filter(action="member.export").latest("seq").summary["numbers"] == "full"


@pytest.mark.parametrize("query", ["", "?org=", "?org=abc", "?org=999999", "?org=1%00"])
def test_export_answers_bad_input_without_a_crash(secretary_client, query):
    assert secretary_client.get(f"/members/export/{query}").status_code in (400, 404)


def test_the_import_page_in_english(secretary_client, world):
    secretary_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = secretary_client.get("/members/import/").content.decode()
    assert 'lang="en"' in html


def test_an_unexpected_failure_is_reported_not_raised(secretary_client, world, tmp_path, monkeypatch):
    from dangwu.members import roster_import

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(roster_import, "import_roster", broken)
    response = _post(secretary_client, world, _upload(tmp_path, make_rows(2)))
    assert response.status_code == 302
    record = RosterImport.objects.get()
    assert record.status == "failed" and "意外错误" in record.message and not record.file
    assert "没有写入任何数据" in secretary_client.get(response["Location"]).content.decode()


def test_a_task_delivered_twice_runs_once(secretary_client, world, tmp_path):
    from dangwu.members.tasks import process_import

    _post(secretary_client, world, _upload(tmp_path, make_rows(2)))
    record = RosterImport.objects.get()
    assert process_import(record.pk) == "skipped"
    assert AuditEntry.objects.filter(action="member.import").count() == 1


def test_a_role_lost_before_the_task_runs(secretary_client, world, tmp_path, people, monkeypatch):
    from dangwu.core import access
    from dangwu.members import roster_import

    real = roster_import.import_roster

    def revoked(**kwargs):
        access.clear_cache(kwargs["actor"])
        people["secretary"].role_assignments.all().delete()
        return real(**kwargs)

    monkeypatch.setattr(roster_import, "import_roster", revoked)
    _post(secretary_client, world, _upload(tmp_path, make_rows(1)))
    record = RosterImport.objects.get()
    assert record.status == "failed" and "无权" in record.message


# --- exports of large subtrees: a background task with progress -------------------------

@pytest.fixture
def big_export(settings):
    settings.DANGWU_EXPORT_INLINE_ROWS = 1  # branch A's two members count as a large subtree


def test_a_large_export_is_built_in_the_background_then_downloaded(secretary_client, world, people, big_export):
    from dangwu.members.models import RosterExport

    response = secretary_client.get(f"/members/export/?org={world.branch_a.pk}")
    assert response.status_code == 302
    record = RosterExport.objects.get()
    assert response["Location"] == f"/members/export/{record.pk}/"
    # The test settings run tasks at once: the export is done when the page is first shown.
    assert record.status == "done" and record.total_rows == 2 and record.full_numbers
    html = secretary_client.get(response["Location"]).content.decode()
    assert "花名册已生成，共 2 名党员" in html and f"/members/export/{record.pk}/download.xlsx" in html
    fragment = secretary_client.get(f"/members/export/{record.pk}/progress/").content.decode()
    assert 'data-status="done"' in fragment and "hx-trigger" not in fragment  # polling stops
    download = secretary_client.get(f"/members/export/{record.pk}/download.xlsx")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"李书记", "张三"}
    entries = AuditEntry.objects.filter(action="member.export")
    assert entries.count() == 1 and entries.get().summary["rows"] == 2


def test_an_export_still_running_shows_its_progress_and_polls(secretary_client, world, people):
    from dangwu.members.models import RosterExport

    record = RosterExport.objects.create(created_by=people["secretary"], organization=world.branch_a,
                                         status=RosterExport.Status.RUNNING, total_rows=4000, processed_rows=1000)
    html = secretary_client.get(f"/members/export/{record.pk}/").content.decode()
    assert "正在生成花名册" in html and "25%" in html and "1000 / 4000 名党员" in html
    assert f'hx-get="/members/export/{record.pk}/progress/"' in html
    assert secretary_client.get(f"/members/export/{record.pk}/download.xlsx").status_code == 404


def test_only_the_asker_sees_an_export(client, secretary_client, world, people, big_export):
    from dangwu.members.models import RosterExport

    secretary_client.get(f"/members/export/?org={world.branch_a.pk}")
    record = RosterExport.objects.get()
    client.force_login(people["city_a"])  # may view branch A's members, but did not ask for this file
    for url in (f"/members/export/{record.pk}/", f"/members/export/{record.pk}/download.xlsx"):
        assert client.get(url).status_code == 404


def test_a_masked_export_for_a_caller_without_the_sensitive_capability(client, world, people, big_export):
    from dangwu.members.models import RosterExport

    client.force_login(people["sysadmin"])  # member.view, not member.view_sensitive
    client.get(f"/members/export/?org={world.branch_a.pk}")
    record = RosterExport.objects.get()
    assert record.status == "done" and not record.full_numbers
    assert "脱敏显示" in client.get(f"/members/export/{record.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="member.export").get().summary["numbers"] == "masked"


def test_a_failed_export_says_so_and_offers_to_retry(secretary_client, world, monkeypatch, big_export):
    from dangwu.members import roster_export
    from dangwu.members.models import RosterExport

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(roster_export, "export_roster", broken)
    response = secretary_client.get(f"/members/export/?org={world.branch_a.pk}")
    record = RosterExport.objects.get()
    assert record.status == "failed" and not record.file
    html = secretary_client.get(response["Location"]).content.decode()
    assert "导出时发生意外错误" in html and "重新导出" in html
    assert not AuditEntry.objects.filter(action="member.export").exists()


def test_expired_export_files_are_deleted(secretary_client, world, people, big_export):
    from datetime import timedelta

    from django.utils import timezone

    from dangwu.members.models import RosterExport
    from dangwu.members.tasks import prune_expired_exports

    secretary_client.get(f"/members/export/?org={world.branch_a.pk}")
    record = RosterExport.objects.get()
    path = record.file.path
    RosterExport.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert prune_expired_exports() == 1
    record.refresh_from_db()
    assert not record.file and not Path(path).exists()
    assert secretary_client.get(f"/members/export/{record.pk}/download.xlsx").status_code == 404
    assert "文件已过期删除" in secretary_client.get(f"/members/export/{record.pk}/").content.decode()
    RosterExport.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=9))
    prune_expired_exports()
    assert not RosterExport.objects.exists()


# --- the template, importing a checked upload, names beside the rows (issue 11) ----------------

def test_the_template_has_the_roster_columns_and_reads_back(secretary_client, world, tmp_path):
    from dangwu.members import roster

    page = secretary_client.get("/members/import/").content.decode()
    assert 'href="/members/import/template.xlsx"' in page and "下载导入模板" in page
    response = secretary_client.get("/members/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet, notes = workbook.worksheets
    headers = [c.value for c in sheet[1]]
    assert headers == [roster.COLUMN_BY_FIELD[f].header for f in roster.EXPORT_FIELDS]
    assert sheet.max_row == 1 or all(c.value is None for c in sheet[2])  # no example row to import by mistake
    required = {c.value for c in sheet[1] if c.font.color is not None and c.font.color.rgb.endswith("C00000")}
    assert required == {"姓名", "公民身份号码", "党员类型", "入党日期"}
    id_column = headers.index("公民身份号码") + 1
    assert sheet.cell(row=2, column=id_column).number_format == "@"  # Excel keeps all 18 digits
    explained = {row[0].value: row for row in notes.iter_rows(min_row=2)}
    assert set(explained) == set(headers) and explained["姓名"][1].value == "是"
    assert "身份证号" in explained["公民身份号码"][2].value and explained["学历"][3].value == "大学本科"
    # filled in, it imports
    person = make_rows(1)[0]
    values = {"姓名": person["姓名"], "公民身份号码": person["公民身份号码"], "党员类型": person["党员类型"],
              "入党日期": person["入党日期"], "转正日期": person["转正日期"], "联系电话": person["联系电话"]}
    for header, value in values.items():
        sheet.cell(row=2, column=headers.index(header) + 1, value=value)
    path = tmp_path / "filled.xlsx"
    workbook.save(path)
    _post(secretary_client, world, SimpleUploadedFile("filled.xlsx", path.read_bytes()))
    record = RosterImport.objects.get()
    assert record.status == "done" and record.created_count == 1, record.errors
    assert Member.objects.filter(name=person["姓名"], organization=world.branch_a).exists()


def test_a_passed_check_is_imported_without_choosing_the_file_again(secretary_client, world, tmp_path, people):
    rows = make_rows(4)
    response = _post(secretary_client, world, _upload(tmp_path, rows), action="validate", update=True)
    check = RosterImport.objects.get()
    assert check.dry_run and check.status == "done" and check.file  # kept, to be imported
    kept = Path(check.file.path)
    assert kept.exists()
    html = secretary_client.get(response["Location"]).content.decode()
    assert 'id="import-checked"' in html and "无需重新选择文件" in html
    assert not Member.objects.filter(name__in=[r["姓名"] for r in rows]).exists()

    response = secretary_client.post(f"/members/import/{check.pk}/import/")
    run = RosterImport.objects.exclude(pk=check.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/members/import/{run.pk}/"
    assert not run.dry_run and run.status == "done" and run.created_count == 4, run.errors
    assert run.update_existing and run.organization == world.branch_a and run.file_name == check.file_name
    assert Member.objects.filter(organization=world.branch_a, name__in=[r["姓名"] for r in rows]).count() == 4
    entry = AuditEntry.objects.get(action="member.import")
    assert entry.actor == people["secretary"] and entry.summary["created"] == 4
    check.refresh_from_db()
    run.refresh_from_db()
    assert check.imported_as == run and not check.file and not run.file and not kept.exists()  # read, deleted
    html = secretary_client.get(f"/members/import/{check.pk}/").content.decode()
    assert 'id="imported-as"' in html and 'id="import-checked"' not in html
    # once imported, the same check cannot import again
    response = secretary_client.post(f"/members/import/{check.pk}/import/")
    assert response.status_code == 302 and RosterImport.objects.count() == 2
    assert AuditEntry.objects.filter(action="member.import").count() == 1


def test_only_the_uploader_imports_a_checked_upload_and_only_while_kept(secretary_client, world, tmp_path, people):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from dangwu.members.tasks import prune_checked_uploads

    _post(secretary_client, world, _upload(tmp_path, make_rows(2)), action="validate")
    check = RosterImport.objects.get()
    client = Client()
    client.force_login(people["city_a"])  # sees the branch's imports, did not upload this one
    html = client.get(f"/members/import/{check.pk}/").content.decode()
    assert 'id="import-checked"' not in html and "只有上传这个文件的人可以据此导入" in html
    assert client.post(f"/members/import/{check.pk}/import/").status_code == 403
    assert client.post(f"/members/import/{check.pk}/discard/").status_code == 403
    assert RosterImport.objects.count() == 1 and check.file

    RosterImport.objects.filter(pk=check.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    response = secretary_client.post(f"/members/import/{check.pk}/import/", follow=True)
    assert "已不再保留" in response.content.decode() and RosterImport.objects.count() == 1
    path = Path(check.file.path)
    assert prune_checked_uploads() == 1
    check.refresh_from_db()
    assert not check.file and not path.exists()


def test_a_checked_upload_can_be_discarded(secretary_client, world, tmp_path):
    _post(secretary_client, world, _upload(tmp_path, make_rows(2)), action="validate")
    check = RosterImport.objects.get()
    path = Path(check.file.path)
    response = secretary_client.post(f"/members/import/{check.pk}/discard/", follow=True)
    assert "已删除上传的文件" in response.content.decode()
    check.refresh_from_db()
    assert not check.file and not path.exists()
    assert secretary_client.post(f"/members/import/{check.pk}/import/").status_code == 302
    assert RosterImport.objects.count() == 1 and not Member.objects.filter(name__in=[]).exists()


def test_a_failed_check_keeps_nothing(secretary_client, world, tmp_path):
    rows = make_rows(3)
    rows[1]["学历"] = "幼儿园"
    _post(secretary_client, world, _upload(tmp_path, rows), action="validate")
    check = RosterImport.objects.get()
    assert check.status == "failed" and not check.file
    assert 'id="import-checked"' not in secretary_client.get(f"/members/import/{check.pk}/").content.decode()


def test_error_rows_show_the_members_name(secretary_client, world, tmp_path):
    rows = make_rows(5)
    rows[2]["学历"] = "幼儿园"
    rows[4]["公民身份号码"] = "430102198001011234"
    _post(secretary_client, world, _upload(tmp_path, rows))
    record = RosterImport.objects.get()
    html = secretary_client.get(f"/members/import/{record.pk}/").content.decode()
    table = html[html.index('id="import-errors"'):]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert cells[:2] == ["第 4 行", rows[2]["姓名"]] and cells[5:7] == ["第 6 行", rows[4]["姓名"]]
    report = secretary_client.get(f"/members/import/{record.pk}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["行号", "姓名", "列", "值", "原因"]
    assert [c.value for c in sheet[2]][:3] == [4, rows[2]["姓名"], "学历"]


def test_the_page_answers_a_number_outside_the_scope_neutrally_and_audits_it(secretary_client, people, world,
                                                                            tmp_path):
    rows = make_rows(3)
    rows[1]["公民身份号码"] = people["m_other"].id_number  # a member of branch A2
    response = _post(secretary_client, world, _upload(tmp_path, rows))
    html = secretary_client.get(response["Location"]).content.decode()
    assert "不能导入您管理的党组织" in html
    assert "已登记在党员档案中" not in html and "不在您的管理范围内" not in html
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == people["secretary"] and entry.summary["rows"] == [3]
