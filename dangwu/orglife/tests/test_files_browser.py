"""Meeting files in headless Chromium: the secretary uploads a material on a 360 px phone and sees
it listed, a member downloads it from the meeting page, the minutes' attachments show under the
minutes; at 360 px and on a desk. Screenshots land in test-artifacts/ (ignored by git)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.orglife import services
from dangwu.orglife.models import MeetingFile

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def _wide(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_the_secretary_uploads_a_material_and_a_member_downloads_it(chromium, live_server, people, world, tmp_path,
                                                                     settings):
    settings.MEDIA_ROOT = str(tmp_path)
    starts = timezone.now() - timedelta(minutes=20)
    meeting = services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="theme_day",
                                    title="主题党日：学习新修订的《中国共产党纪律处分条例》", starts_at=starts,
                                    ends_at=starts + timedelta(hours=2), place="党员活动室",
                                    agenda="一、学习条例\n二、交流发言")
    services.add_meeting_file(actor=people["secretary"], meeting=meeting, part="material",
                              name="中国共产党纪律处分条例（2024年修订）学习辅导材料.pdf",
                              data=testing.pdf_with("学习辅导材料"))
    minutes = services.record_minutes(actor=people["secretary"], meeting=meeting, topics="学习条例，交流发言")
    services.add_meeting_file(actor=people["secretary"], meeting=meeting, part="minutes", name="签到表.jpg",
                              data=b"\xff\xd8\xff\xe0" + b"\x00" * 180_000)
    agenda = tmp_path / "会议议程.txt"
    agenda.write_bytes("一、学习条例\n二、交流发言\n".encode())

    phone = chromium.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url)
    page = phone.new_page()
    page.set_default_timeout(15000)
    testing.browser_login(page, "sec_a", testing.PASSWORD)
    page.goto(f"/orglife/meetings/{meeting.pk}/")
    page.locator("#materials input[type=file]").set_input_files(str(agenda))
    page.locator("#materials button[type=submit]", has_text="上传").click()
    page.wait_for_url(f"**/orglife/meetings/{meeting.pk}/#materials")
    assert page.locator("#materials [data-file]").count() == 2
    assert "会议议程.txt" in page.locator("#materials").inner_text()
    assert page.locator("#minutes-attachments [data-file]").count() == 1
    assert not _wide(page)
    testing.screenshot(page, "orglife-materials-secretary-360")
    phone.close()

    services.sign_off_minutes(actor=people["secretary"], minutes=minutes)
    for name, viewport in (("360", PHONE), ("desktop", DESK)):
        context = chromium.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url,
                                       accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        testing.browser_login(page, "member_a", testing.PASSWORD)
        page.goto(f"/orglife/meetings/{meeting.pk}/")
        assert page.locator("#materials [data-file]").count() == 2
        assert page.locator("#materials form").count() == 0  # a member uploads and removes nothing
        assert not _wide(page)
        testing.screenshot(page, f"orglife-materials-member-{name}")
        row = page.locator("#materials [data-file]", has_text="会议议程.txt")
        with page.expect_download() as download:
            row.locator("a.btn").click()
        assert download.value.suggested_filename == "会议议程.txt"
        assert open(download.value.path(), "rb").read() == agenda.read_bytes()
        context.close()

    context = chromium.new_context(locale="zh-CN", viewport=DESK, base_url=live_server.url)
    page = context.new_page()
    testing.browser_login(page, "sec_a", testing.PASSWORD)
    page.goto(f"/orglife/meetings/{meeting.pk}/")
    assert page.locator("#materials form").count() == 0  # locked with the signed-off minutes
    assert page.locator("#minutes-attachments .dw-upload input[name=reason]").count() == 1  # a change needs a reason now
    testing.screenshot(page, "orglife-materials-secretary-desktop")
    context.close()
    assert MeetingFile.objects.filter(meeting=meeting).count() == 3
