"""A branch secretary's record work in headless Chromium (issue 11): the timeline names people and
shows ID and phone changes masked; the roster import offers its template, names the bad rows, and
imports a checked file with one button. Desktop and a 360 px phone; screenshots in test-artifacts/."""

import re
from pathlib import Path

import pytest

from dangwu.members.models import Member, RosterImport
from dangwu.testing import make_id_number

from .rosters import people as make_rows
from .rosters import write_xlsx
from .test_browser import _login, _shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _phone(chromium, live_server):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 360, "height": 780}, base_url=live_server.url,
                                   is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def test_the_timeline_shows_masked_number_changes_and_names(page, chromium, live_server, demo_province):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="demo-secretary")
    target = Member.objects.filter(organization=secretary.member.organization).exclude(user=secretary).order_by(
        "id").first()
    old_id, old_phone = target.id_number_masked, target.phone_masked
    _login(page, "demo-secretary")
    page.goto(f"/members/{target.pk}/edit/")
    fixed = make_id_number(target.birth_date, male=target.gender == "male", region="430103", serial=412)
    page.get_by_label("公民身份号码").fill(fixed)
    page.get_by_label("联系电话").fill("13912340000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/members/{target.pk}/$"))
    event = page.locator("#timeline .dw-event").first
    text = event.inner_text()
    target.refresh_from_db()
    assert old_id in text and target.id_number_masked in text and "139****0000" in text and old_phone in text
    assert secretary.member.name in text and "demo-secretary" not in page.locator("#timeline").inner_text()
    assert fixed not in page.content()
    _shot(page, "records-01-timeline")

    context, phone = _phone(chromium, live_server)
    try:
        _login(phone, "demo-secretary")
        phone.goto(f"/members/{target.pk}/")
        phone.locator("#timeline").scroll_into_view_if_needed()
        _fits(phone)
        _shot(phone, "records-01-timeline-360")
    finally:
        context.close()


def test_the_import_offers_its_template_names_bad_rows_and_imports_a_checked_file(page, chromium, live_server,
                                                                                  demo_province, tmp_path: Path):
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username="demo-secretary")
    branch = secretary.member.organization
    rows = make_rows(6, start=8100)
    rows[3]["学历"] = "幼儿园"
    bad = write_xlsx(tmp_path / "花名册.xlsx", rows)

    _login(page, "demo-secretary")
    page.goto("/members/import/")
    with page.expect_download() as download:
        page.locator("#import-template").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    _shot(page, "records-02-import-page")
    page.get_by_label("花名册文件（.xlsx 或 .csv）").set_input_files(str(bad))
    page.get_by_role("button", name="仅校验").click()
    page.wait_for_url(re.compile(r"/members/import/\d+/$"))
    row = page.locator("#import-errors tbody tr").first
    assert "第 5 行" in row.inner_text() and rows[3]["姓名"] in row.inner_text()
    _shot(page, "records-03-import-errors")

    rows[3]["学历"] = "大学本科"
    good = write_xlsx(tmp_path / "花名册.xlsx", rows)
    page.get_by_role("link", name="修改后重新导入").click()
    page.get_by_label("花名册文件（.xlsx 或 .csv）").set_input_files(str(good))
    page.get_by_role("button", name="仅校验").click()
    page.wait_for_url(re.compile(r"/members/import/\d+/$"))
    page.locator("#import-checked").wait_for()
    assert "校验通过" in page.locator("#import-result").inner_text()
    _shot(page, "records-04-checked")
    check = RosterImport.objects.filter(dry_run=True, status="done").get()

    context, phone = _phone(chromium, live_server)
    try:
        _login(phone, "demo-secretary")
        for path, name in ((f"/members/import/{check.pk}/", "records-04-checked-360"),
                           ("/members/import/", "records-02-import-page-360"),
                           (f"/members/import/{RosterImport.objects.filter(status='failed').get().pk}/",
                            "records-03-import-errors-360")):
            phone.goto(path)
            if "errors" not in name:
                _fits(phone)  # the error table scrolls inside its card
            _shot(phone, name)
    finally:
        context.close()

    page.locator("#import-checked").click()
    page.wait_for_url(re.compile(r"/members/import/\d+/$"))
    page.get_by_text("导入完成").wait_for()
    assert Member.objects.filter(organization=branch, name__in=[r["姓名"] for r in rows]).count() == 6
    check.refresh_from_db()
    assert check.imported_as_id and not check.file
