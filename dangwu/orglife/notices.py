"""Notices of organizational life, sent through the platform's one notification service
(`core.notifications.notify`, decision 0025) from inside the service that causes them, so that a
notice goes out only when its write commits:

- `services.plan_meeting`: the meeting notice (会议通知) to every expected attendee
  (`selectors.expected_attendees`): kind, title, time, place, online link, agenda and how many
  materials (会议材料) wait on the meeting page (the notice's link), with an ICS
  invitation (`icalendar`; UID from the meeting's id, so that a calendar updates the same event);
  and a reminder `DANGWU_MEETING_REMINDER_MINUTES` before the start (`tasks.send_meeting_reminder`);
- `services.invite`: the same notice to the member invited (列席);
- `services.plan_recurring`: one notice of the year's plan, with one invitation holding every meeting;
- `services.cancel_meeting`: to the same attendees, with the reason and an ICS CANCEL of the event;
- `services.request_leave`: to those who may decide it (orglife.manage at the meeting's organization);
- `services.decide_leave`: to the member, approved or refused.

Only attendees with an account get a notice (a member without one has no inbox). The ICS times are
UTC, which every calendar converts to the reader's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangwu.core import access, registries
from dangwu.core.notifications import Attachment, notify
from dangwu.core.roles import Cap

from . import selectors
from .models import LeaveRequest, Meeting

MEETING = "orglife.meeting"
LEAVE = "orglife.leave"


def register_kinds() -> None:
    registries.notification_kinds.register(registries.NotificationKind(
        MEETING, gettext_lazy("会议通知"), channels=("email",), optional=False, order=20,
        description=gettext_lazy("三会一课等会议的通知、取消通知（附日历邀请）")))
    registries.notification_kinds.register(registries.NotificationKind(
        LEAVE, gettext_lazy("请假"), channels=(), order=21,
        description=gettext_lazy("会议请假的申请与审批结果")))


def _uid(meeting: Meeting) -> str:
    return f"dangwu-meeting-{meeting.pk}@{getattr(settings, 'DANGWU_CALENDAR_DOMAIN', 'dangwu.local')}"


def calendar(meetings: Sequence[Meeting], *, cancel: bool = False) -> bytes:
    """An iCalendar file (RFC 5545) with one event per meeting; METHOD:CANCEL for a cancellation."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//dangwu//orglife//ZH")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "PUBLISH")
    for meeting in meetings:
        event = Event()
        event.add("uid", _uid(meeting))
        event.add("dtstamp", timezone.now().astimezone(UTC))
        event.add("dtstart", meeting.starts_at.astimezone(UTC))
        event.add("dtend", meeting.ends_at.astimezone(UTC))
        event.add("summary", meeting.title)
        event.add("sequence", 1 if cancel else 0)
        event.add("status", "CANCELLED" if cancel else "CONFIRMED")
        if meeting.place:
            event.add("location", meeting.place)
        description = "\n".join(part for part in (meeting.agenda, meeting.online_url) if part)
        if description:
            event.add("description", description)
        if meeting.online_url:
            event.add("url", meeting.online_url)
        cal.add_component(event)
    return cal.to_ical()


def _when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    return f"{start:%Y-%m-%d %H:%M}–{timezone.localtime(meeting.ends_at):%H:%M}"


def _attendee_accounts(meeting: Meeting) -> Any:
    return selectors.expected_attendees(meeting=meeting).filter(user__isnull=False).values("user_id")


def _details(meeting: Meeting) -> str:
    lines = [_("时间：%(when)s") % {"when": _when(meeting)}]
    if meeting.place:
        lines.append(_("地点：%(place)s") % {"place": meeting.place})
    if meeting.online_url:
        lines.append(_("网络会议：%(url)s") % {"url": meeting.online_url})
    if meeting.agenda:
        lines.append(_("议程：%(agenda)s") % {"agenda": meeting.agenda})
    materials = selectors.material_count(meeting=meeting)
    if materials:
        lines.append(_("会议材料：%(n)d 份，请在会议页面查看、下载。") % {"n": materials})
    return "\n".join(lines)


def meeting_planned(*, actor: Any, meeting: Meeting, origin: Any = None, invited: Any = None) -> None:
    """The meeting notice with its invitation, to every attendee (or to one member `invited` later:
    the reminder, read when it is sent, then reaches them with the others)."""
    recipients = _attendee_accounts(meeting) if invited is None else [invited.user_id] if invited.user_id else []
    notify(kind=MEETING, recipients=recipients,
           title=_("会议通知：%(title)s") % {"title": meeting.title}, body=_details(meeting),
           url=reverse("orglife:meeting", args=[meeting.pk]), organization=meeting.organization, actor=actor,
           attachments=[Attachment("meeting.ics", "text/calendar", calendar([meeting]))], origin=origin)
    if invited is None:
        schedule_reminder(meeting=meeting)


def year_planned(*, actor: Any, meetings: Sequence[Meeting], origin: Any = None) -> None:
    first = meetings[0]
    days = "、".join(f"{timezone.localtime(m.starts_at):%m-%d}" for m in meetings)
    notify(kind=MEETING, recipients=_attendee_accounts(first),
           title=_("会议安排：%(title)s（共%(n)d次）") % {"title": first.title, "n": len(meetings)},
           body=_("日期：%(days)s；时间：%(time)s") % {"days": days, "time": _when(first).split(" ", 1)[1]},
           url=reverse("orglife:org", args=[first.organization_id]), organization=first.organization, actor=actor,
           attachments=[Attachment("meetings.ics", "text/calendar", calendar(meetings))], origin=origin)
    for meeting in meetings:
        schedule_reminder(meeting=meeting)


def schedule_reminder(*, meeting: Meeting) -> None:
    """Queue the meeting's reminder once the plan commits, where the task backend can defer a task."""
    from django_tasks import task_backends

    from .tasks import send_meeting_reminder

    def enqueue() -> None:
        if not task_backends[send_meeting_reminder.backend].supports_defer:
            return  # the tests' immediate backend would send it now: no reminder there
        remind_at = meeting.starts_at - timedelta(minutes=settings.DANGWU_MEETING_REMINDER_MINUTES)
        send_meeting_reminder.using(run_after=max(remind_at, timezone.now())).enqueue(meeting.pk)

    transaction.on_commit(enqueue)


def meeting_reminder(*, meeting: Meeting) -> None:
    notify(kind=MEETING, recipients=_attendee_accounts(meeting),
           title=_("会议提醒：%(title)s") % {"title": meeting.title},
           body=_details(meeting),
           url=reverse("orglife:meeting", args=[meeting.pk]), organization=meeting.organization)


def meeting_cancelled(*, actor: Any, meeting: Meeting, origin: Any = None) -> None:
    notify(kind=MEETING, recipients=_attendee_accounts(meeting),
           title=_("会议取消：%(title)s") % {"title": meeting.title},
           body=_("原定 %(when)s 的会议已取消。原因：%(reason)s") % {"when": _when(meeting),
                                                           "reason": meeting.cancel_reason},
           url=reverse("orglife:meeting", args=[meeting.pk]), organization=meeting.organization, actor=actor,
           attachments=[Attachment("meeting-cancel.ics", "text/calendar", calendar([meeting], cancel=True))],
           origin=origin)


def leave_requested(*, actor: Any, leave: LeaveRequest, origin: Any = None) -> None:
    deciders = access.holders_at(Cap.ORGLIFE_MANAGE, leave.meeting.organization)
    notify(kind=LEAVE, recipients=deciders,
           title=_("请假申请：%(name)s（%(title)s）") % {"name": leave.member.name, "title": leave.meeting.title},
           body=leave.reason, url=reverse("orglife:meeting", args=[leave.meeting_id]),
           organization=leave.meeting.organization, actor=actor, origin=origin)


def leave_decided(*, actor: Any, leave: LeaveRequest, origin: Any = None) -> None:
    if leave.member.user_id is None:
        return
    approved = leave.status == LeaveRequest.Status.APPROVED
    notify(kind=LEAVE, recipients=[leave.member.user_id],
           title=(_("请假已批准：%(title)s") if approved else _("请假未批准：%(title)s")) % {"title": leave.meeting.title},
           url=reverse("orglife:meeting", args=[leave.meeting_id]), organization=leave.meeting.organization,
           actor=actor, origin=origin)
