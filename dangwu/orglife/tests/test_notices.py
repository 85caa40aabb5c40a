"""Organizational life sends its notices through the platform's notification service (issue 13):
the meeting notice with a calendar invitation that parses back, the cancellation, leave requests
to the branch and the decision to the member. Each notice is the service's own audited write."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from dangwu.core.models import Notification
from dangwu.orglife import notices, services


def _plan(people, world, **extra):
    starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    return services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="assembly",
                                 title="第四季度支部党员大会", starts_at=starts, ends_at=starts + timedelta(hours=2),
                                 place="党员活动室", online_url="https://meeting.example.cn/j/123",
                                 agenda="学习传达会议精神", **extra)


def _inbox(user):
    return list(Notification.objects.filter(user=user).values_list("notice__title", flat=True))


def test_the_attendees_get_the_notice_and_an_invitation_their_calendar_reads(
        people, world, django_capture_on_commit_callbacks):
    for user in (people["plain"], people["secretary"]):
        user.email = f"{user.username}@example.org"
        user.save()
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(people, world)
    assert _inbox(people["plain"]) == ["会议通知：第四季度支部党员大会"]
    assert _inbox(people["secretary"]) == ["会议通知：第四季度支部党员大会"]  # a member of the branch too
    assert _inbox(people["sibling"]) == []  # not of this branch
    assert sorted(m.to[0] for m in mail.outbox) == ["member_a@example.org", "sec_a@example.org"]
    message = next(m for m in mail.outbox if m.to == ["member_a@example.org"])
    assert "党员活动室" in message.body and "https://meeting.example.cn/j/123" in message.body
    (name, content, kind), = message.attachments
    assert (name, kind) == ("meeting.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH" and str(event["UID"]).startswith(f"dangwu-meeting-{meeting.pk}@")
    assert event.decoded("DTSTART") == meeting.starts_at.astimezone(UTC)
    assert event.decoded("DTEND") == meeting.ends_at.astimezone(UTC)
    assert str(event["SUMMARY"]) == "第四季度支部党员大会" and str(event["LOCATION"]) == "党员活动室"


def test_a_cancellation_cancels_the_same_calendar_event(people, world):
    meeting = _plan(people, world)
    services.cancel_meeting(actor=people["secretary"], meeting=meeting, reason="与上级会议冲突")
    assert sorted(_inbox(people["plain"])) == ["会议取消：第四季度支部党员大会", "会议通知：第四季度支部党员大会"]
    meeting.refresh_from_db()
    cancel = Calendar.from_ical(notices.calendar([meeting], cancel=True))
    (event,) = cancel.walk("VEVENT")
    assert str(cancel["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(Calendar.from_ical(notices.calendar([meeting])).walk("VEVENT")[0]["UID"])


def test_a_year_plan_sends_one_notice_with_every_meeting_in_its_invitation(people, world):
    year = timezone.localdate().year + 1
    plan = services.plan_recurring(actor=people["secretary"], organization=world.branch_a, kind="theme_day",
                                   title="主题党日", year=year, weekday=4, week_of_month=1,
                                   start_time=timezone.localtime().time().replace(hour=14, minute=0, second=0,
                                                                                microsecond=0), minutes=90)
    (title,) = _inbox(people["plain"])
    assert title == "会议安排：主题党日（共12次）"
    uids = {str(e["UID"]) for e in Calendar.from_ical(
        notices.calendar(list(plan.meetings.all()))).walk("VEVENT")}
    assert len(uids) == 12


def test_a_leave_request_goes_to_the_branch_and_the_decision_to_the_member(people, world):
    meeting = _plan(people, world)
    leave = services.request_leave(actor=people["plain"], meeting=meeting, reason="出差")
    assert "请假申请：张三（第四季度支部党员大会）" in _inbox(people["secretary"])
    assert not any(t.startswith("请假申请") for t in _inbox(people["city_a"]))  # not every cadre above
    services.decide_leave(actor=people["secretary"], leave=leave, approve=True)
    assert "请假已批准：第四季度支部党员大会" in _inbox(people["plain"])


def test_the_reminder_is_deferred_to_before_the_start_and_skips_a_cancelled_meeting(
        people, world, database_worker, django_capture_on_commit_callbacks, settings):
    """On the database backend (make run, production) planning queues the reminder with run_after;
    the worker sends it when due, and sends nothing for a meeting cancelled meanwhile."""
    from django_tasks_db.models import DBTaskResult

    settings.DANGWU_MEETING_REMINDER_MINUTES = 60
    soon = (timezone.now() + timedelta(minutes=20)).replace(microsecond=0)  # within the hour: due now
    later = soon + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        due = services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="theme_day",
                                    title="主题党日", starts_at=soon, ends_at=soon + timedelta(hours=1))
        cancelled = services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="lesson",
                                          title="专题党课", starts_at=soon + timedelta(minutes=5),
                                          ends_at=soon + timedelta(hours=1))
        waiting = services.plan_meeting(actor=people["secretary"], organization=world.branch_a, kind="assembly",
                                        title="支部党员大会", starts_at=later, ends_at=later + timedelta(hours=2))
        services.cancel_meeting(actor=people["secretary"], meeting=cancelled, reason="改期")
    reminders = DBTaskResult.objects.filter(task_path__endswith="send_meeting_reminder")
    run_after = {r.args_kwargs["args"][0]: r.run_after for r in reminders}
    assert set(run_after) == {due.pk, cancelled.pk, waiting.pk}
    assert run_after[waiting.pk] == later - timedelta(minutes=60)
    database_worker()  # runs what is due: the first two
    assert "会议提醒：主题党日" in _inbox(people["plain"])
    assert "会议提醒：专题党课" not in _inbox(people["plain"])  # cancelled meanwhile
    assert "会议提醒：支部党员大会" not in _inbox(people["plain"])  # not due yet
    assert reminders.get(args_kwargs__args=[waiting.pk]).status == "READY"
