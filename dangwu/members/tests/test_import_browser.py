"""A branch secretary imports a roster in headless Chromium: one bad row is named and nothing is
imported; fixed, the roster goes in, the progress bar runs to the end and the members are there.

Under `make test` tasks run at once (ImmediateBackend, settings_test), so an upload's own
progress is finished by the time the status page opens; the polling of a running import is
shown with an import held at 40 % and then finished behind the page's back.
"""

import re
from pathlib import Path

import pytest

from dangwu.members.models import Member, RosterImport

from .rosters import people as make_rows
from .rosters import write_xlsx
from .test_browser import _login, _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_secretary_imports_a_roster_fixes_a_bad_row_and_sees_the_members(page, demo_province, tmp_path: Path):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    rows = make_rows(8, start=7000)
    joined = rows[4]["入党日期"]
    rows[4]["入党日期"] = f"{joined.year}.02.30"  # a day that does not exist, on Excel's row 7 (title, header, rows)
    bad = write_xlsx(tmp_path / "芙蓉区花名册.xlsx", rows, title=f"{branch.name}党员花名册")
    before = Member.objects.count()

    _login(page, "demo-secretary")
    page.get_by_role("link", name="党员", exact=True).click()
    page.get_by_role("link", name="导入花名册").click()
    page.wait_for_url(re.compile(r"/members/import/$"))
    assert page.get_by_label("导入到党组织").input_value() == str(branch.pk)
    page.get_by_label("花名册文件（.xlsx 或 .csv）").set_input_files(str(bad))
    _shot(page, "20-import-form")
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_url(re.compile(r"/members/import/\d+/$"))
    result = page.locator("#import-result")
    result.wait_for()
    assert "未导入" in result.inner_text() and "没有写入任何数据" in result.inner_text()
    errors = page.locator("#import-errors")
    assert errors.locator("tbody tr").count() == 1
    row = errors.locator("tbody tr").first.inner_text()
    assert "第 7 行" in row and "入党日期" in row and f"{joined.year}.02.30" in row and "日期不存在" in row
    assert page.get_by_role("link", name="下载错误报告（.xlsx）").is_visible()
    _shot(page, "21-import-errors")
    assert Member.objects.count() == before  # nothing imported

    rows[4]["入党日期"] = f"{joined.year}年{joined.month}月{joined.day}日"
    good = write_xlsx(tmp_path / "芙蓉区花名册.xlsx", rows, title=f"{branch.name}党员花名册")
    page.get_by_role("link", name="修改后重新导入").click()
    page.get_by_label("花名册文件（.xlsx 或 .csv）").set_input_files(str(good))
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_url(re.compile(r"/members/import/\d+/$"))
    bar = page.get_by_role("progressbar", name="导入进度")
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "100"
    assert "新建 8 名党员" in page.locator("#import-result").inner_text()
    _shot(page, "22-import-done")
    assert Member.objects.count() == before + 8

    page.get_by_role("link", name="查看党员名册").click()
    page.wait_for_url(re.compile(rf"/orgs/{branch.pk}/"))
    page.get_by_role("link", name="在本组织及下级中查找").click()
    page.get_by_label("姓名 / 拼音 / 首字母 / 身份证号").fill(rows[4]["姓名"])
    page.get_by_role("button", name="查找").click()
    page.locator("#member-results").get_by_role("link", name=rows[4]["姓名"]).first.wait_for()


def test_the_progress_bar_follows_a_running_import(page, demo_province):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    record = RosterImport.objects.create(created_by=secretary, organization=branch, file_name="全市花名册.xlsx",
                                         status=RosterImport.Status.RUNNING, phase="checking", total_rows=30000,
                                         processed_rows=12000)
    _login(page, "demo-secretary")
    page.goto(f"/members/import/{record.pk}/")
    bar = page.get_by_role("progressbar", name="导入进度")
    assert bar.get_attribute("aria-valuenow") == "40"
    assert "正在逐行校验" in page.locator("#import-status").inner_text()
    assert "12000 / 30000 行" in page.locator("#import-status").inner_text()
    _shot(page, "23-import-progress")

    RosterImport.objects.filter(pk=record.pk).update(processed_rows=27000)
    # a locator, not wait_for_function: the pages' CSP allows no eval (decision 0024)
    page.locator("[role=progressbar][aria-valuenow='90']").wait_for(timeout=5000)
    RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.DONE, created_count=30000,
                                                     total_rows=30000, processed_rows=30000)
    page.locator("#import-result").wait_for(timeout=5000)  # the next poll brings the result and stops polling
    assert "新建 30000 名党员" in page.locator("#import-result").inner_text()
    assert page.locator("#import-status").get_attribute("hx-trigger") is None


def test_a_large_export_follows_its_progress_then_downloads(page, demo_province, settings):
    """The county's roster is more than the inline limit: the export runs as a task, the page
    polls it, then offers the file."""
    from django.contrib.auth import get_user_model

    from dangwu.members.models import RosterExport

    settings.DANGWU_EXPORT_INLINE_ROWS = 10
    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    _login(page, "demo-secretary")
    page.goto(f"/orgs/{branch.pk}/")
    page.get_by_role("link", name="导出花名册").click()
    page.wait_for_url(re.compile(r"/members/export/\d+/$"))
    result = page.locator("#export-result")
    result.wait_for()
    record = RosterExport.objects.get()
    assert f"共 {record.total_rows} 名党员" in result.inner_text() and record.total_rows > 10
    _shot(page, "24-export-done")
    with page.expect_download() as download:
        page.locator("#export-download").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # A running export: the bar follows it and the download appears when it is done.
    running = RosterExport.objects.create(created_by=secretary, organization=branch, total_rows=40000,
                                          processed_rows=10000, status=RosterExport.Status.RUNNING)
    page.goto(f"/members/export/{running.pk}/")
    bar = page.get_by_role("progressbar", name="导出进度")
    assert bar.get_attribute("aria-valuenow") == "25"
    _shot(page, "25-export-progress")
    RosterExport.objects.filter(pk=running.pk).update(processed_rows=30000)
    page.locator("[role=progressbar][aria-valuenow='75']").wait_for(timeout=5000)
    RosterExport.objects.filter(pk=running.pk).update(status=RosterExport.Status.DONE, file=record.file.name)
    page.locator("#export-download").wait_for(timeout=5000)
    assert page.locator("#export-status").get_attribute("hx-trigger") is None


def test_a_stuck_import_is_cancelled_from_its_page_on_a_phone(page, demo_province):
    """The run stands at 99 % (its worker died): 取消导入 fails it, deletes the upload, and the page
    offers to choose the file again."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from dangwu.core.models import AuditEntry
    from dangwu.testing import screenshot

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    record = RosterImport.objects.create(created_by=secretary, organization=branch, file_name="全市花名册.xlsx",
                                         status=RosterImport.Status.RUNNING, phase="checking", total_rows=200000,
                                         processed_rows=199000)
    record.file.save("stuck.xlsx", ContentFile(b"PK"), save=True)
    path = record.file.path
    page.set_viewport_size({"width": 360, "height": 740})
    _login(page, "demo-secretary")
    page.goto(f"/members/import/{record.pk}/")
    assert page.get_by_role("progressbar", name="导入进度").get_attribute("aria-valuenow") == "99"
    screenshot(page, "recovery-import-stuck-360")
    page.locator("#cancel-import").click()
    page.locator("#import-result").wait_for()
    assert "已取消" in page.locator("#import-result").inner_text()
    screenshot(page, "recovery-import-cancelled-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "recovery-import-cancelled-desktop")
    record.refresh_from_db()
    assert record.status == "failed" and not record.file and not Path(path).exists()
    assert AuditEntry.objects.filter(action="member.import_failed", target_id=str(record.pk)).count() == 1
    page.locator("#retry-import").click()
    page.wait_for_url(re.compile(rf"/members/import/\?org={branch.pk}$"))
