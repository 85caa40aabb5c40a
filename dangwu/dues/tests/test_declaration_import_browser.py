"""A branch secretary imports a declarations sheet in headless Chromium: the upload goes to the
background, the status page names the bad row, a fixed sheet goes in; the list is paged. At desktop
width and at 360 px; screenshots in test-artifacts/ (ignored by git) for a person to look at.
"""

import io
import re

import pytest
from django.utils import timezone
from openpyxl import Workbook

from dangwu import testing
from dangwu.testing import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _sheet(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "身份证号", "人员类别", "月工资收入"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def test_the_secretary_imports_declarations_and_pages_through_the_list(page, demo_province, tmp_path):
    from django.contrib.auth import get_user_model

    from dangwu.dues.models import DeclarationImport

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    members = [testing.make_member(branch, name=f"申报测试{i:02d}") for i in range(60)]  # none declared yet
    year = timezone.localdate().year
    browser_login(page, "demo-secretary")
    page.goto(f"/dues/org/{branch.pk}/declarations/?year={year}")
    assert page.locator("#declarations tbody tr").count() == 50
    assert page.get_by_role("link", name="下一页").is_visible()
    screenshot(page, "declarations-paged-desktop")

    bad = _sheet(tmp_path / "申报表.xlsx", [[1, members[0].name, members[0].id_number, "教师", 5000]])
    page.get_by_label("申报表文件（.xlsx 或 .csv）").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    page.wait_for_url(re.compile(r"/dues/declaration-imports/\d+/$"))
    result = page.locator("#import-result")
    assert "未导入" in result.inner_text() and "第 2 行" in page.locator("#import-errors").inner_text()
    screenshot(page, "declaration-import-failed-desktop")
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    _no_sideways_scroll(page)
    screenshot(page, "declaration-import-failed-360")

    held = DeclarationImport.objects.create(created_by=secretary, organization=branch, year=year,
                                            file_name="申报表（第二批）.xlsx", status="running", phase="checking",
                                            total_rows=1200)
    page.goto(f"/dues/declaration-imports/{held.pk}/")
    assert "共 1200 行" in page.locator("#import-status").inner_text()
    _no_sideways_scroll(page)
    screenshot(page, "declaration-import-running-360")
    DeclarationImport.objects.filter(pk=held.pk).update(status="done", created_count=1200, phase="")
    page.locator("#import-result").wait_for(timeout=5000)  # the poll brings the outcome and stops
    assert "新申报 1200 人" in page.locator("#import-result").inner_text()
    screenshot(page, "declaration-import-done-360")

    page.goto(f"/dues/org/{branch.pk}/declarations/?year={year}&page=2")
    assert page.locator("#declarations tbody tr").count() == branch.members.in_good_standing().count() - 50
    _no_sideways_scroll(page)
    screenshot(page, "declarations-paged-360")
    page.set_viewport_size({"width": 1280, "height": 900})
    good = _sheet(tmp_path / "申报表.xlsx", [[1, members[0].name, members[0].id_number, "在职", 5000]])
    page.get_by_label("申报表文件（.xlsx 或 .csv）").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    page.wait_for_url(re.compile(r"/dues/declaration-imports/\d+/$"))
    assert "新申报 1 人" in page.locator("#import-result").inner_text()
    screenshot(page, "declaration-import-done-desktop")
