"""Organizational life's pages through the test client: plan, the meeting page with its QR code,
the check-in page a scan opens, leave, hand marking, minutes, and bad input answered in the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangwu.core.models import AuditEntry
from dangwu.orglife import services
from dangwu.orglife.models import Attendance, LeaveRequest, Meeting, Minutes

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _meeting(people, world, starts_in=timedelta(minutes=10)):
    starts = timezone.now() + starts_in
    return services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="theme_day",
                                 title="主题党日：学习二十大精神", starts_at=starts, ends_at=starts + timedelta(hours=2),
                                 online_url="https://meeting.example.cn/j/123")


def test_plan_a_meeting_on_the_page(people, world):
    client = _client(people["secretary"])
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(f"/orglife/org/{world.branch_a.pk}/plan/", {
        "kind": "assembly", "title": "第二季度党员大会", "day": day, "start": "14:30", "end": "16:00",
        "place": "三楼会议室", "online_url": "", "agenda": "一、学习\n二、讨论", "speaker": ""})
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="第二季度党员大会")
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") == "14:30"
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and meeting.checkin_token in page  # the QR code and the URL it encodes


@pytest.mark.parametrize(("field", "value"), [("online_url", "javascript:alert(1)"), ("end", "13:00"),
                                              ("title", ""), ("speaker", "999999")])
def test_bad_input_on_the_plan_page_names_the_field(people, world, field, value):
    client = _client(people["secretary"])
    data = {"kind": "assembly", "title": "大会", "day": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "start": "14:30", "end": "16:00", "online_url": "", "speaker": "", field: value}
    audits = AuditEntry.objects.count()
    response = client.post(f"/orglife/org/{world.branch_a.pk}/plan/", data)
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in response.content.decode()
    assert Meeting.objects.count() == 0 and AuditEntry.objects.count() == audits


def test_a_member_scans_sees_the_meeting_and_checks_in_once(people, world):
    meeting = _meeting(people, world)
    client = _client(people["plain"])
    url = f"/orglife/check-in/{meeting.checkin_token}/"
    page = client.get(url)
    assert page.status_code == 200 and "确认签到" in page.content.decode()
    assert Attendance.objects.count() == 0  # opening the link writes nothing
    first = client.post(url).content.decode()
    again = client.post(url).content.decode()
    assert 'data-created="1"' in first and "签到成功" in first
    assert 'data-created="0"' in again and "无需重复签到" in again
    assert Attendance.objects.filter(meeting=meeting).count() == 1


def test_an_anonymous_scan_is_sent_to_log_in_and_back(people, world):
    meeting = _meeting(people, world)
    response = Client().get(f"/orglife/check-in/{meeting.checkin_token}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert meeting.checkin_token in response["Location"]


def test_a_scan_of_another_branchs_meeting_says_so_and_writes_nothing(people, world):
    meeting = _meeting(people, world)
    client = _client(people["sibling"])  # no member record at branch A
    response = client.post(f"/orglife/check-in/{meeting.checkin_token}/")
    assert response.status_code == 400 and 'id="check-in-error"' in response.content.decode()
    assert Attendance.objects.count() == 0


def test_an_unknown_token_answers_404_with_a_clear_message(people):
    response = _client(people["plain"]).get("/orglife/check-in/nonsense/")
    assert response.status_code == 404 and "二维码无效" in response.content.decode()


def test_a_plain_member_asks_for_leave_and_the_secretary_approves(people, world):
    meeting = _meeting(people, world, starts_in=timedelta(days=1))
    member = _client(people["plain"])
    assert 'id="ask-leave"' in member.get(f"/orglife/meetings/{meeting.pk}/").content.decode()
    assert member.post(f"/orglife/meetings/{meeting.pk}/leave/", {"reason": "出差"}).status_code == 302
    leave = LeaveRequest.objects.get()
    secretary = _client(people["secretary"])
    assert "出差" in secretary.get(f"/orglife/meetings/{meeting.pk}/").content.decode()
    secretary.post(f"/orglife/leave/{leave.pk}/decide/", {"decision": "approve"})
    assert Attendance.objects.get(member=people["m_plain"]).status == "leave"


def test_a_plain_member_sees_no_qr_code_nor_attendance_list(people, world):
    meeting = _meeting(people, world)
    page = _client(people["plain"]).get(f"/orglife/meetings/{meeting.pk}/").content.decode()
    assert "<svg" not in page and meeting.checkin_token not in page and 'id="attendance"' not in page


def test_hand_marking_without_a_reason_is_refused_with_a_message(people, world):
    meeting = _meeting(people, world)
    client = _client(people["secretary"])
    response = client.post(f"/orglife/meetings/{meeting.pk}/attendance/",
                           {"member": people["m_plain"].pk, "status": "absent", "reason": ""}, follow=True)
    assert "请填写说明" in response.content.decode() and Attendance.objects.count() == 0
    client.post(f"/orglife/meetings/{meeting.pk}/attendance/",
                {"member": people["m_plain"].pk, "status": "absent", "reason": "未请假未到会"})
    assert Attendance.objects.get().status == "absent"


def test_minutes_saved_signed_then_changed_with_a_reason(people, world):
    meeting = _meeting(people, world, starts_in=-timedelta(minutes=20))
    client = _client(people["secretary"])
    base = f"/orglife/meetings/{meeting.pk}"
    assert client.post(f"{base}/minutes/", {"topics": "学习党章", "resolutions": "", "recorder": ""}).status_code == 302
    client.post(f"{base}/minutes/sign-off/")
    assert Minutes.objects.get().signed_off_at is not None
    refused = client.post(f"{base}/minutes/", {"topics": "改", "resolutions": "", "recorder": "", "reason": ""})
    assert refused.status_code == 400 and 'data-field-error="reason"' in refused.content.decode()
    client.post(f"{base}/minutes/", {"topics": "改", "resolutions": "", "recorder": "", "reason": "补记"})
    assert Minutes.objects.get().topics == "改"


def test_the_year_grid_on_the_organization_page(people, world):
    page = _client(people["plain"]).get(f"/orglife/org/{world.branch_a.pk}/?year=2026").content.decode()
    cells = re.findall(r'data-period="([^"]+)" data-state="([^"]+)"', page)
    assert len(cells) == 4 + 12 + 12 + 4 + 12 + 1
    assert ("2026-01", "missed") in cells  # nothing was held in January 2026 (today is later)


def test_a_bad_year_shows_this_year(people, world):
    page = _client(people["plain"]).get(f"/orglife/org/{world.branch_a.pk}/?year=abc").content.decode()
    assert f"{timezone.localdate().year} 年" in page


def test_the_register_opens_in_openpyxl_with_the_meetings_attendance_and_minutes(people, world):
    import io

    from openpyxl import load_workbook

    meeting = _meeting(people, world, starts_in=-timedelta(minutes=30))
    services.check_in(actor=people["plain"], token=meeting.checkin_token)
    services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_sec"], status="absent",
                             reason="=HYPERLINK(\"http://x\")")  # text that looks like a formula stays text
    services.record_minutes(actor=people["secretary"], meeting=meeting, topics="=1+1 学习", recorder=people["m_plain"])
    cancelled = _meeting(people, world, starts_in=timedelta(days=2))
    services.cancel_meeting(actor=people["secretary"], meeting=cancelled, reason="改期")
    year = timezone.localtime(meeting.starts_at).year
    response = _client(people["secretary"]).get(f"/orglife/org/{world.branch_a.pk}/register.xlsx?year={year}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][:2] == ("会议类型", "会议名称")
    assert len(rows) == 3  # the title, the header, the one meeting held (the cancelled one is left out)
    row = rows[2]
    assert row[0] == "主题党日" and row[6:10] == (0, 1, 0, 1)  # present, late, leave, absent
    assert row[10] == "张三" and row[11] == "=1+1 学习"
    assert book.worksheets[0].cell(3, 12).data_type == "s"
    glance = list(book.worksheets[1].iter_rows(values_only=True))
    assert glance[1][0] == "支部党员大会" and len(glance) == 1 + 2 * 6


def test_the_register_prints_as_a_pdf_with_the_meetings_and_the_year_at_a_glance(people, world):
    import io

    from pypdf import PdfReader

    meeting = _meeting(people, world, starts_in=-timedelta(minutes=30))
    services.check_in(actor=people["plain"], token=meeting.checkin_token)
    services.record_minutes(actor=people["secretary"], meeting=meeting, topics="学习党章第一章",
                            recorder=people["m_plain"])
    year = timezone.localtime(meeting.starts_at).year
    response = _client(people["secretary"]).get(f"/orglife/org/{world.branch_a.pk}/register.pdf?year={year}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2 and f"{year} 年三会一课登记簿" in text.replace("\n", "")
    for expected in ("主题党日", "学习党章第一章", "记录人：张三", "迟到 1", "年度一览", "支部党员大会", "√"):
        assert expected in text, expected
    assert reader.metadata.title.endswith(f"{year} 年三会一课登记簿")


def test_a_committee_meetings_minutes_are_not_shown_to_a_member_who_does_not_attend(people, world):
    starts = timezone.now() - timedelta(minutes=30)
    meeting = services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="committee",
                                    title="支委会", starts_at=starts, ends_at=starts + timedelta(hours=1))
    services.record_minutes(actor=people["secretary"], meeting=meeting, topics="讨论发展对象人选")
    assert "讨论发展对象人选" in _client(people["secretary"]).get(f"/orglife/meetings/{meeting.pk}/").content.decode()
    page = _client(people["plain"]).get(f"/orglife/meetings/{meeting.pk}/")  # branch A has no committee seat for him
    assert page.status_code == 200 and "讨论发展对象人选" not in page.content.decode()


def test_a_members_home_shows_the_coming_meetings_and_the_menu_entry(people, world):
    meeting = _meeting(people, world, starts_in=timedelta(days=1))
    page = _client(people["plain"]).get("/").content.decode()
    assert 'id="own-meetings"' in page and meeting.title in page
    assert 'data-menu="orglife"' in page
    assert 'data-menu="orglife"' not in _client(people["auditor"]).get("/").content.decode()


def test_a_member_sees_this_year_s_attendance_on_the_home_page(client, people, world):
    """我的党务: the home card counts the held meetings the member was to attend this year (the
    branch's for everyone; 支委会 only where the member's attendance was recorded) against their
    attendance, leave excused."""
    from datetime import datetime, timedelta

    from django.utils import timezone

    from dangwu.orglife.models import Attendance, Meeting
    from dangwu.orglife.selectors import year_attendance

    year = timezone.localdate().year
    member = people["m_plain"]

    def held(kind, day, status=None):
        starts = timezone.make_aware(datetime(year, 1, day, 14))
        meeting = Meeting.objects.create(organization=world.branch_a, kind=kind, title=f"{kind}{day}",
                                         starts_at=starts, ends_at=starts + timedelta(hours=1),
                                         status=Meeting.Status.HELD)
        if status:
            Attendance.objects.create(meeting=meeting, member=member, status=status, via=Attendance.Via.HAND)

    held("theme_day", 5, Attendance.Status.PRESENT)
    held("assembly", 6, Attendance.Status.LATE)
    held("lesson", 7, Attendance.Status.LEAVE)
    held("theme_day", 8)  # absent, nothing recorded
    held("committee", 9)  # not on the committee: not counted
    attendance = year_attendance(member=member, year=year)
    assert (attendance.attended, attendance.on_leave, attendance.held, attendance.rate) == (2, 1, 4, 67)
    assert year_attendance(member=member, year=year - 1).rate is None
    client.force_login(people["plain"])
    page = client.get("/").content.decode()
    card = page[page.index('id="own-attendance"'):]
    assert "今年出勤" in card and "<strong>2</strong> / 4" in card and "请假 1 次" in card and "出勤率 67%" in card


def test_a_committee_s_own_grid_marks_nothing_missed_and_a_branch_s_does(people, world):
    """The 三会一课 are a branch's duty: a committee's own year shows what it held or planned, never
    "missed" (what its branches missed is the drill-down's), while a branch's shows its gaps."""
    from datetime import date

    from dangwu.orglife.selectors import MISSED, year_grid

    today = date(timezone.localdate().year, 12, 31)
    city = [c.state for row in year_grid(organization=world.city_a, year=today.year, today=today) for c in row.cells]
    branch = [c.state for row in year_grid(organization=world.branch_a, year=today.year, today=today)
              for c in row.cells]
    assert MISSED not in city and MISSED in branch
