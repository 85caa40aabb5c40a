"""A person's notices on the page: the header's bell with the unread count, the inbox, one notice,
read marks and the channels they choose — in the test client and in a browser at 360 px."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dangwu import testing
from dangwu.core import registries
from dangwu.core.models import AuditEntry, Notification, NotificationPreference
from dangwu.core.notifications import notify


@pytest.fixture
def meeting_kind():
    kind = registries.NotificationKind("test.meeting", "会议通知", channels=("email",))
    registries.notification_kinds.register(kind)
    yield kind
    registries.notification_kinds.unregister(kind.key)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _badge(html: str) -> str | None:
    found = re.search(r'id="unread-count"[^>]*>([^<]*)<', html)
    return found.group(1) if found else None


@pytest.mark.django_db
def test_the_bell_counts_the_unread_and_the_inbox_marks_them_read(meeting_kind, people, world):
    plain, secretary = people["plain"], people["secretary"]
    for n in range(3):
        notify(kind="test.meeting", recipients=[plain, secretary], title=f"第{n + 1}次支部党员大会",
               url="/orgs/", organization=world.branch_a)
    client = _client(plain)
    home = client.get("/")
    assert _badge(home.content.decode()) == "3"

    page = client.get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200 and html.count("dw-notice-unread") == 3
    assert html.index("第3次") < html.index("第1次")  # newest first

    first = Notification.objects.filter(user=plain).order_by("notice_id").first()
    opened = client.get(f"/notifications/{first.pk}/")
    assert opened.status_code == 200 and 'href="/orgs/"' in opened.content.decode()
    assert _badge(client.get("/").content.decode()) == "2"
    assert "第1次" not in client.get("/notifications/?unread=1").content.decode()

    second = Notification.objects.filter(user=plain, read_at__isnull=True).first()
    assert client.post(f"/notifications/{second.pk}/read/").status_code == 302
    assert client.post("/notifications/read-all/").status_code == 302
    assert _badge(client.get("/").content.decode()) is None
    assert _badge(_client(secretary).get("/").content.decode()) == "3"  # hers are her own


@pytest.mark.django_db
def test_another_persons_notice_answers_404_and_stays_unread(meeting_kind, people):
    notice = notify(kind="test.meeting", recipients=[people["plain"]], title="通知")
    row = Notification.objects.get(notice=notice)
    other = _client(people["secretary"])
    assert other.get(f"/notifications/{row.pk}/").status_code == 404
    assert other.post(f"/notifications/{row.pk}/read/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None
    assert AuditEntry.objects.filter(action="access.denied", actor=people["secretary"]).count() == 2


@pytest.mark.django_db
def test_the_unread_count_is_one_query_a_page(meeting_kind, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notify(kind="test.meeting", recipients=[people["plain"]], title="通知")
    client = _client(people["plain"])
    client.get("/notifications/preferences/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/notifications/preferences/")
    counts = [q["sql"] for q in queries.captured_queries if "core_notification" in q["sql"] and "COUNT" in q["sql"]]
    assert len(counts) == 1  # the bell and the page's heading share it


@pytest.mark.django_db
def test_the_preferences_page_keeps_the_choices(meeting_kind, people):
    client = _client(people["plain"])
    page = client.get("/notifications/preferences/").content.decode()
    assert 'value="test.meeting:email" aria-label="会议通知 · 电子邮件" checked' in page
    response = client.post("/notifications/preferences/", {"on": ["test.meeting:sms"]})
    assert response.status_code == 302
    assert set(NotificationPreference.objects.filter(user=people["plain"]).values_list("kind", "channel", "enabled")) == {
        ("test.meeting", "email", False), ("test.meeting", "sms", True)}
    assert AuditEntry.objects.filter(action="notice.preferences_change").count() == 1


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_inbox_on_a_phone_and_a_desk(page, transactional_db, meeting_kind):
    from dangwu.core.models import Notification as Row

    world = testing.make_world()
    people = testing.make_people(world)
    plain = people["plain"]
    for n, title in enumerate(("关于召开2026年度组织生活会的通知", "12月主题党日：学习贯彻党的二十届四中全会精神",
                               "党费缴纳提醒：请于12月10日前缴纳本月党费")):
        notify(kind="test.meeting" if n < 2 else "core.system", recipients=[plain], title=title,
               body="地点：社区党群服务中心二楼会议室。\n请带好笔记本。", url="/", organization=world.branch_a)
    testing.browser_login(page, "member_a", testing.PASSWORD)
    for width, height, suffix in ((360, 740, "phone"), (1280, 900, "desk")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/")
        bell = page.locator("#notification-bell")
        assert bell.is_visible()  # on the phone too, outside the folded menu
        assert page.locator("#unread-count").inner_text() == "3"
        box = bell.bounding_box()
        assert box["x"] + box["width"] <= width
        testing.screenshot(page, f"notifications-home-{suffix}")
        page.goto("/notifications/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        testing.screenshot(page, f"notifications-inbox-{suffix}")
        page.goto("/notifications/preferences/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        testing.screenshot(page, f"notifications-preferences-{suffix}")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/notifications/")
    page.locator("#inbox a", has_text="组织生活会").click()
    page.locator("#notice").wait_for()
    testing.screenshot(page, "notifications-notice-phone")
    assert page.locator("#unread-count").inner_text() == "2"
    page.goto("/notifications/")
    page.locator("#read-all").click()
    page.wait_for_url("**/notifications/")
    assert page.locator("#unread-count").count() == 0
    assert not Row.objects.filter(user=plain, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_pages_in_english(meeting_kind, people):
    from django.conf import settings

    notify(kind="core.system", recipients=[people["plain"]], title="通知")
    client = _client(people["plain"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    inbox_page = client.get("/notifications/").content.decode()
    assert "My notices" in inbox_page and "Mark all as read" in inbox_page and "Platform messages" in inbox_page
    assert 'aria-label="Notices (1 unread)"' in inbox_page
    preferences = client.get("/notifications/preferences/").content.decode()
    assert "How I receive notices" in preferences and "Kind of notice" in preferences


@pytest.mark.django_db
def test_the_home_page_shows_the_newest_unread_notices_until_they_are_read(meeting_kind, people, world):
    """我的党务: 未读通知 on the home page lists the newest three unread notices and the count; it is
    gone once they are read."""
    plain = people["plain"]
    for n in range(4):
        notify(kind="test.meeting", recipients=[plain], title=f"第{n + 1}次支部党员大会", url="/")
    client = _client(plain)
    page = client.get("/").content.decode()
    card = page[page.index('id="own-notices"'):]
    card = card[:card.index("</ul>")]
    assert [t for t in re.findall(r"第(\d)次支部党员大会", card)] == ["4", "3", "2"]
    assert ">4</span>" in card and "会议通知" in card
    client.post("/notifications/read-all/")
    assert 'id="own-notices"' not in client.get("/").content.decode()
