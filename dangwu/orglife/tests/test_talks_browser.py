"""谈心谈话 in headless Chromium: on a 360 px phone the secretary opens the branch's talks from its
organizational-life page, picks a member not yet talked with, records the talk and sees the
coverage rise; the member then finds the day and the talker (not the notes) on the home page; and
the same pages at a desk's width. Screenshots land in test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dangwu import testing
from dangwu.orglife import services
from dangwu.orglife.models import TalkRecord
from dangwu.orgs.models import CommitteePosition

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1280, "height": 900}


def _wide(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


_login = testing.browser_context


def _branch_with_talks(people, world):
    """Branch A with its secretary seated, four more members, and talks with two of them."""
    today = timezone.localdate()
    CommitteePosition.objects.create(organization=world.branch_a, member=people["m_sec"], post="secretary",
                                     term_start=today - timedelta(days=300), term_end=today + timedelta(days=900))
    extra = [testing.make_member(world.branch_a, name=name) for name in ("欧阳晓红", "阿卜杜热合曼·买买提", "李明", "王芳")]
    for member, topic in ((extra[0], "思想动态和工作情况"), (extra[1], "关于家庭困难和子女入学问题以及对支部工作的意见建议")):
        services.record_talk(actor=people["secretary"], member=member, talker=people["m_sec"],
                             on=today - timedelta(days=1), topic=topic, summary="了解思想、工作和生活情况。\n提出意见两条。",
                             via="offline")
    return extra


def test_the_secretary_records_a_talk_on_a_phone_and_the_member_sees_it_at_home(chromium, live_server, people,
                                                                                world):
    _branch_with_talks(people, world)
    context, page = _login(chromium, live_server, "sec_a", PHONE)
    page.goto(f"/orglife/org/{world.branch_a.pk}/")
    assert "2 / 6 名党员" in page.locator("#talks-coverage").inner_text()
    testing.screenshot(page, "orglife-talks-branch-360")
    page.locator("#talks-link").click()
    page.locator("#talks").wait_for()
    assert not _wide(page)
    page.locator("#talks details").first.locator("summary").click()
    testing.screenshot(page, "orglife-talks-list-360")
    # the plain member 张三 is still waiting: a tap on the name opens the form with the name chosen
    page.locator(f'#without-talk-list [data-member="{people["m_plain"].pk}"] a').click()
    page.locator("#id_topic").wait_for()
    assert not _wide(page)
    testing.screenshot(page, "orglife-talk-form-360")
    page.locator("#id_topic").fill("年度组织生活会前谈心谈话")
    page.locator("#id_summary").fill("交流了学习体会，对支部工作提出建议。")
    page.select_option("#id_via", "phone")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/talks/\?year="))
    assert "已谈 3 / 6 名党员" in page.locator("#talk-coverage").inner_text()
    talk = TalkRecord.objects.get(member=people["m_plain"])
    assert talk.via == "phone" and talk.talker == people["m_sec"] and talk.recorded_by == people["secretary"]
    context.close()

    context, page = _login(chromium, live_server, "member_a", PHONE)
    card = page.locator("#own-talks")
    assert "李书记" in card.inner_text() and "电话" in card.inner_text()
    assert "交流了学习体会" not in page.content()
    testing.screenshot(page, "orglife-talks-member-home-360")
    context.close()


def test_the_talk_pages_at_a_desk(chromium, live_server, people, world):
    _branch_with_talks(people, world)
    context, page = _login(chromium, live_server, "sec_a", DESK)
    page.goto(f"/orglife/org/{world.branch_a.pk}/talks/")
    page.locator("#talks details").first.locator("summary").click()
    assert not _wide(page)
    testing.screenshot(page, "orglife-talks-list-1280")
    page.goto(f"/orglife/org/{world.branch_a.pk}/talks/new/")
    testing.screenshot(page, "orglife-talk-form-1280")
    page.goto(f"/orglife/org/{world.branch_a.pk}/")
    testing.screenshot(page, "orglife-talks-branch-1280")
    context.close()
