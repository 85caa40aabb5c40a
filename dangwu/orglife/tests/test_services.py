"""Organizational life's services: each write is one audit entry; bad input names the field and
writes nothing; a QR check-in counts once whatever the number of scans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.orglife import selectors, services
from dangwu.orglife.models import Attendance, LeaveRequest, Meeting, Minutes

pytestmark = pytest.mark.django_db


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, meetings=Meeting.objects, attendance=Attendance.objects,
                            leave=LeaveRequest.objects, minutes=Minutes.objects)


def _meeting(people, world, *, starts_in=timedelta(minutes=10), hours=2, kind="theme_day", org=None):
    starts = timezone.now() + starts_in
    return services.plan_meeting(actor=people["secretary"], organization=org or world.branch_a, kind=kind,
                                 title="主题党日", starts_at=starts, ends_at=starts + timedelta(hours=hours))


# --- planning -------------------------------------------------------------------------------------

def test_plan_meeting_writes_the_meeting_and_one_audit_entry(people, world):
    snap = _snapshot()
    meeting = _meeting(people, world)
    # the meeting's entry, and the entry of the notice to its attendees (core.notifications.notify)
    assert snap.delta() == {"audit": 2, "meetings": 1, "attendance": 0, "leave": 0, "minutes": 0}
    entry = AuditEntry.objects.get(action="orglife.plan")
    assert entry.organization_id_value == world.branch_a.pk and testing.last_audit_entry().action == "notice.send"
    assert meeting.status == Meeting.Status.PLANNED and len(meeting.checkin_token) >= 32


@pytest.mark.parametrize(("changes", "field"), [
    ({"online_url": "javascript:alert(1)"}, "online_url"),
    ({"online_url": "ftp://example.com/x"}, "online_url"),
    ({"kind": "talk"}, "kind"),
    ({"title": ""}, "title"),
    ({"title": "标题\x00"}, "title"),
    ({"agenda": "议程\x07"}, "agenda"),
    ({"ends_at": "same"}, "ends_at"),
])
def test_plan_meeting_names_the_bad_field_and_writes_nothing(people, world, changes, field):
    starts = timezone.now() + timedelta(days=1)
    args = {"actor": people["secretary"], "organization": world.branch_a, "kind": "assembly", "title": "党员大会",
            "starts_at": starts, "ends_at": starts + timedelta(hours=1), **changes}
    if args["ends_at"] == "same":
        args["ends_at"] = starts
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.plan_meeting(**args)
    assert field in exc.value.message_dict
    assert snap.unchanged()


def test_an_online_link_may_be_any_http_or_https_url(people, world):
    starts = timezone.now() + timedelta(days=1)
    meeting = services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="lesson",
                                    title="党课", starts_at=starts, ends_at=starts + timedelta(hours=1),
                                    online_url="https://meeting.tencent.com/dm/abc?x=1", speaker=people["m_sec"])
    assert meeting.online_url.startswith("https://") and meeting.speaker == people["m_sec"]


def test_a_speaker_only_for_a_lesson(people, world):
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="assembly", title="大会",
                              starts_at=starts, ends_at=starts + timedelta(hours=1), speaker=people["m_sec"])
    assert "speaker" in exc.value.message_dict


def test_planning_outside_the_scope_is_refused(people, world):
    with pytest.raises(PermissionDenied):
        _meeting({"secretary": people["sibling"]}, world)
    with pytest.raises(PermissionDenied):
        _meeting({"secretary": people["plain"]}, world)


def test_a_recurring_plan_creates_the_second_tuesday_of_each_month_still_to_come(people, world):
    year = timezone.localdate().year + 1
    plan = services.plan_recurring(actor=people["secretary"], organization=world.branch_a, kind="committee",
                                   title="支委会", year=year, weekday=1, week_of_month=2, start_time=time(15, 0),
                                   minutes=90)
    days = [timezone.localtime(m.starts_at) for m in plan.meetings.order_by("starts_at")]
    assert len(days) == 12
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 and d.hour == 15 for d in days)
    assert [d.month for d in days] == list(range(1, 13))
    assert AuditEntry.objects.filter(action="orglife.plan_recurring").count() == 1


def test_a_recurring_plan_of_a_past_year_creates_nothing_and_says_why(people, world):
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.plan_recurring(actor=people["secretary"], organization=world.branch_a, kind="assembly",
                                title="党员大会", year=2020, weekday=4, week_of_month=-1, start_time=time(9, 0),
                                minutes=60)
    assert "year" in exc.value.message_dict and snap.unchanged()


def test_cancel_needs_a_reason_and_cancels_once(people, world):
    meeting = _meeting(people, world, starts_in=timedelta(days=2))
    with pytest.raises(ValidationError) as exc:
        services.cancel_meeting(actor=people["secretary"], meeting=meeting, reason=" ")
    assert "reason" in exc.value.message_dict
    services.cancel_meeting(actor=people["secretary"], meeting=meeting, reason="与上级会议冲突，改期")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.cancel_meeting(actor=people["secretary"], meeting=meeting, reason="再次取消")


# --- QR check-in ----------------------------------------------------------------------------------

def test_check_in_once_whatever_the_number_of_scans(people, world):
    meeting = _meeting(people, world)
    snap = _snapshot()
    first = services.check_in(actor=people["plain"], token=meeting.checkin_token)
    again = services.check_in(actor=people["plain"], token=meeting.checkin_token)
    assert first.created and not again.created and again.attendance.pk == first.attendance.pk
    assert snap.delta()["attendance"] == 1 and snap.delta()["audit"] == 1
    assert first.attendance.via == "qr" and first.attendance.status == "present"
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_a_scan_after_the_start_is_late(people, world):
    meeting = _meeting(people, world, starts_in=-timedelta(minutes=5))
    assert services.check_in(actor=people["plain"], token=meeting.checkin_token).attendance.status == "late"


def test_a_probationary_member_is_marked_as_such(people, world):
    user = testing.make_user("probationary_a")
    testing.make_member(world.branch_a, name="钱七", member_type="probationary", user=user)
    meeting = _meeting(people, world)
    assert services.check_in(actor=user, token=meeting.checkin_token).attendance.probationary


@pytest.mark.parametrize(("case", "message"), [
    ("too_early", "签到尚未开始"),
    ("too_early_by_a_second", "签到尚未开始"),
    ("ended", "签到已关闭"),
    ("cancelled", "会议已取消"),
    ("other_branch", "不是您所在党组织"),
    ("bad_token", "二维码无效"),
    ("no_record", "没有关联党员档案"),
])
def test_a_scan_that_may_not_check_in_says_why_and_writes_nothing(people, world, settings, case, message):
    settings.DANGWU_CHECKIN_OPENS_MINUTES = 30
    starts_in = {"too_early": timedelta(hours=3), "too_early_by_a_second": timedelta(minutes=30, seconds=5),
                 "ended": -timedelta(hours=3)}.get(case, timedelta(minutes=10))
    org = world.branch_a2 if case == "other_branch" else world.branch_a
    actor = people["plain"] if case != "no_record" else people["city_a"]
    planner = people["sibling"] if case == "other_branch" else people["secretary"]
    meeting = _meeting({"secretary": planner}, world, starts_in=starts_in, org=org)
    if case == "cancelled":
        services.cancel_meeting(actor=people["secretary"], meeting=meeting, reason="改期")
    token = "not-a-token" if case == "bad_token" else meeting.checkin_token
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.check_in(actor=actor, token=token)
    assert message in " ".join(exc.value.messages)
    assert snap.unchanged()


def test_the_window_opens_the_set_minutes_before_the_start_and_closes_at_the_end(people, world, settings):
    settings.DANGWU_CHECKIN_OPENS_MINUTES = 15
    meeting = _meeting(people, world, starts_in=timedelta(hours=1))
    starts, ends = meeting.starts_at, meeting.ends_at
    for now, ok in [(starts - timedelta(minutes=15, seconds=1), False), (starts - timedelta(minutes=15), True)]:
        Attendance.objects.filter(meeting=meeting).delete()
        if ok:
            assert services.check_in(actor=people["plain"], token=meeting.checkin_token, now=now).created
        else:
            with pytest.raises(ValidationError):
                services.check_in(actor=people["plain"], token=meeting.checkin_token, now=now)
    Attendance.objects.filter(meeting=meeting).delete()
    assert services.check_in(actor=people["plain"], token=meeting.checkin_token, now=ends).created
    Attendance.objects.filter(meeting=meeting).delete()
    with pytest.raises(ValidationError):
        services.check_in(actor=people["plain"], token=meeting.checkin_token, now=ends + timedelta(seconds=1))


def test_a_committee_meeting_checks_in_only_the_committee(people, world):
    from dangwu.orgs.models import CommitteePosition

    CommitteePosition.objects.create(organization=world.branch_a, member=people["m_sec"], post="secretary",
                                     term_start=date(2024, 1, 1), term_end=date(2029, 1, 1))
    meeting = _meeting(people, world, kind="committee")
    assert [m.pk for m in selectors.expected_attendees(meeting=meeting)] == [people["m_sec"].pk]
    assert services.check_in(actor=people["secretary"], token=meeting.checkin_token).created
    with pytest.raises(ValidationError):
        services.check_in(actor=people["plain"], token=meeting.checkin_token)


# --- attendance by hand, leave -------------------------------------------------------------------

def test_marking_by_hand_needs_a_reason_except_for_present(people, world):
    meeting = _meeting(people, world)
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_plain"], status="absent")
    assert "reason" in exc.value.message_dict and snap.unchanged()
    services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_plain"], status="present")
    with pytest.raises(ValidationError) as exc:  # a change of what was recorded needs a reason too
        services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_plain"], status="late")
    record = services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_plain"],
                                      status="late", reason="堵车迟到10分钟")
    assert record.status == "late" and record.via == "hand"
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert AuditEntry.objects.filter(action="orglife.mark").count() == 2


def test_marking_someone_not_expected_or_a_bad_status_names_the_field(people, world):
    meeting = _meeting(people, world)
    with pytest.raises(ValidationError) as exc:
        services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_other"],
                                 status="present")
    assert "member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.mark_attendance(actor=people["secretary"], meeting=meeting, member=people["m_plain"], status="here")
    assert "status" in exc.value.message_dict


def test_leave_before_the_start_approved_becomes_the_attendance(people, world):
    meeting = _meeting(people, world, starts_in=timedelta(days=1))
    leave = services.request_leave(actor=people["plain"], meeting=meeting, reason="出差在外")
    with pytest.raises(ValidationError) as exc:
        services.request_leave(actor=people["plain"], meeting=meeting, reason="再请一次")
    assert "meeting" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.decide_leave(actor=people["plain"], leave=leave, approve=True)
    services.decide_leave(actor=people["secretary"], leave=leave, approve=True)
    assert Attendance.objects.get(meeting=meeting, member=people["m_plain"]).status == "leave"
    with pytest.raises(ValidationError):
        services.decide_leave(actor=people["secretary"], leave=leave, approve=False)


def test_leave_is_refused_once_the_meeting_started(people, world):
    meeting = _meeting(people, world, starts_in=-timedelta(seconds=1))
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.request_leave(actor=people["plain"], meeting=meeting, reason="临时有事")
    assert "已经开始" in " ".join(exc.value.messages) and snap.unchanged()


def test_a_member_who_checked_in_cannot_ask_for_leave_and_the_page_offers_none(client, people, world):
    meeting = _meeting(people, world, starts_in=timedelta(minutes=10))  # check-in opens before the start
    services.check_in(actor=people["plain"], token=meeting.checkin_token)
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.request_leave(actor=people["plain"], meeting=meeting, reason="临时有事")
    assert "已签到" in " ".join(exc.value.messages) and snap.unchanged()
    client.force_login(people["plain"])
    assert 'id="ask-leave"' not in client.get(f"/orglife/meetings/{meeting.pk}/").content.decode()


def test_leave_needs_a_reason(people, world):
    meeting = _meeting(people, world, starts_in=timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.request_leave(actor=people["plain"], meeting=meeting, reason="")
    assert "reason" in exc.value.message_dict


# --- minutes --------------------------------------------------------------------------------------

def test_minutes_locked_after_sign_off_change_needs_a_reason_kept_on_the_history(people, world):
    meeting = _meeting(people, world, starts_in=-timedelta(minutes=30))
    sec = people["secretary"]
    minutes = services.record_minutes(actor=sec, meeting=meeting, topics="学习党章", recorder=people["m_plain"])
    services.sign_off_minutes(actor=sec, minutes=minutes)
    with pytest.raises(ValidationError):
        services.sign_off_minutes(actor=sec, minutes=minutes)
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.record_minutes(actor=sec, meeting=meeting, topics="学习党章（修订）")
    assert "reason" in exc.value.message_dict and snap.unchanged()
    services.record_minutes(actor=sec, meeting=meeting, topics="学习党章（修订）", reason="补记一项议题")
    minutes.refresh_from_db()
    assert minutes.topics == "学习党章（修订）" and minutes.signed_off_at is not None
    reasons = list(minutes.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons[-1] == "补记一项议题" and len(reasons) == 3
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_minutes_before_the_meeting_are_refused(people, world):
    meeting = _meeting(people, world, starts_in=timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.record_minutes(actor=people["secretary"], meeting=meeting, topics="x")
    assert "topics" in exc.value.message_dict


# --- the year at a glance -------------------------------------------------------------------------

def test_the_year_grid_shows_held_missed_planned(people, world):
    year = 2026
    today = date(2026, 5, 10)
    at = lambda d: timezone.make_aware(datetime.combine(d, time(9)))  # noqa: E731
    held = Meeting.objects.create(organization=world.branch_a, kind="theme_day", title="t", starts_at=at(date(2026, 1, 5)),
                                  ends_at=at(date(2026, 1, 5)) + timedelta(hours=1), status="held")
    Meeting.objects.create(organization=world.branch_a, kind="theme_day", title="t", starts_at=at(date(2026, 6, 5)),
                           ends_at=at(date(2026, 6, 5)) + timedelta(hours=1))
    Meeting.objects.create(organization=world.branch_a, kind="theme_day", title="t", starts_at=at(date(2026, 2, 5)),
                           ends_at=at(date(2026, 2, 5)) + timedelta(hours=1), status="cancelled")
    grid = {row.kind: {c.label: c.state for c in row.cells}
            for row in selectors.year_grid(organization=world.branch_a, year=year, today=today)}
    assert grid["theme_day"]["2026-01"] == "held" and held.pk
    assert grid["theme_day"]["2026-02"] == "missed"  # cancelled counts for nothing
    assert grid["theme_day"]["2026-05"] == "open" and grid["theme_day"]["2026-06"] == "planned"
    assert grid["assembly"]["2026-Q1"] == "missed" and grid["assembly"]["2026-Q2"] == "open"
    assert set(grid["committee"].values()) == {"not_due"}  # branch A has no committee
