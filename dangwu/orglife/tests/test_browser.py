"""Organizational life in headless Chromium: a member scans the QR code on a 360 px phone, logs in,
is checked in and sees it, and opens the meeting from its notice behind the bell; the secretary sees the attendance, the QR code and signs the minutes off.
Screenshots land in test-artifacts/ (ignored by git) for a person to look at."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.orglife import services
from dangwu.orglife.models import Attendance, Meeting

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _wide(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def _year_of_meetings(people, world):
    """Meetings of branch A this year: some held, one planned, one cancelled; and one starting now."""
    sec = people["secretary"]
    today = timezone.localdate()
    for month in range(1, today.month):
        day = timezone.make_aware(datetime.combine(today.replace(month=month, day=8), time(9)))
        m = Meeting.objects.create(organization=world.branch_a, kind="theme_day", title=f"{month}月主题党日",
                                   starts_at=day, ends_at=day + timedelta(hours=2), status="held")
        if month % 3 == 1:
            Meeting.objects.create(organization=world.branch_a, kind="assembly", title="党员大会", starts_at=day,
                                   ends_at=day + timedelta(hours=1), status="held")
        assert m.pk
    starts = timezone.now() + timedelta(minutes=10)
    return services.plan_meeting(actor=sec, organization=world.branch_a, kind="theme_day",
                                 title="主题党日：重温入党誓词", starts_at=starts, ends_at=starts + timedelta(hours=2),
                                 place="党员活动室", online_url="https://meeting.example.cn/j/2026",
                                 agenda="一、重温入党誓词\n二、学习党章第一章")


def test_a_member_scans_on_a_phone_and_the_secretary_signs_the_minutes(chromium, live_server, people, world):
    meeting = _year_of_meetings(people, world)
    phone = chromium.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url)
    page = phone.new_page()
    page.set_default_timeout(15000)
    page.goto(f"/orglife/check-in/{meeting.checkin_token}/")
    page.get_by_label("用户名").fill("member_a")
    page.get_by_label("密码").fill(testing.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/check-in/"))
    page.locator("#check-in-button").click()
    page.locator("#check-in-result").wait_for()
    assert "签到成功" in page.locator("#check-in-result").inner_text()
    assert not _wide(page)
    testing.screenshot(page, "orglife-check-in-360")
    page.goto(f"/orglife/check-in/{meeting.checkin_token}/")
    page.locator("#check-in-button").click()
    assert "无需重复签到" in page.locator("#check-in-result").inner_text()
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    # the meeting's notice waits behind the bell; it opens the meeting, where the check-in shows
    page.goto("/")
    assert page.locator("#unread-count").inner_text() == "1"
    page.locator("#notification-bell").click()
    page.get_by_role("link", name="会议通知：主题党日：重温入党誓词").click()
    page.locator("#notice-open").click()
    page.wait_for_url(re.compile(rf"/orglife/meetings/{meeting.pk}/$"))
    assert "主题党日：重温入党誓词" in page.locator("h1").inner_text() and not _wide(page)
    assert page.locator("#ask-leave").count() == 0  # checked in: no leave to ask for
    testing.screenshot(page, "orglife-meeting-from-notice-360")
    page.goto(f"/orglife/org/{world.branch_a.pk}/")
    assert page.locator("#year-grid [data-state=held]").count() >= 1 and not _wide(page)
    testing.screenshot(page, "orglife-org-360")
    phone.close()

    for name, viewport in (("360", PHONE), ("desktop", {"width": 1280, "height": 900})):
        context = chromium.new_context(locale="zh-CN", viewport=viewport, base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        testing.browser_login(page, "sec_a", testing.PASSWORD)
        page.goto(f"/orglife/meetings/{meeting.pk}/")
        assert page.locator("#qr svg").count() == 1
        assert page.locator("#attendance tr[data-member] [data-status=present]").count() == 1
        assert not _wide(page)
        testing.screenshot(page, f"orglife-meeting-{name}")
        page.goto(f"/orglife/org/{world.branch_a.pk}/")
        assert not _wide(page)
        testing.screenshot(page, f"orglife-org-{name}")
        context.close()

    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=1))
    meeting.refresh_from_db()
    services.record_minutes(actor=people["secretary"], meeting=meeting, topics="重温入党誓词", resolutions="")
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    testing.browser_login(page, "sec_a", testing.PASSWORD)
    page.goto(f"/orglife/meetings/{meeting.pk}/")
    page.locator("#sign-off").click()
    page.locator("#minutes-signed").wait_for()
    assert not _wide(page)
    context.close()
