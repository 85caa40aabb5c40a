"""Every write of organizational life (组织生活): plan and cancel meetings, recurring plans, QR
check-in (扫码签到), attendance by hand, leave requests (请假), minutes (会议记录) and their sign-off,
and the records of heart-to-heart talks (谈心谈话).

Each service is keyword-only, runs in one transaction and records one audit entry
(`core.audit.audited`). Bad input raises ValidationError keyed by the field and writes nothing.
Notices to the attendees are not sent here yet: see `notices.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangwu.core import access, audit
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.members.models import Member
from dangwu.orgs.models import Organization

from . import notices, rollups, rules, selectors
from .models import Attendance, AuditAction, Kind, LeaveRequest, Meeting, Minutes, RecurringPlan, TalkRecord


def _now() -> datetime:
    return timezone.now()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_kind(kind: Any) -> str:
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("请选择会议类型。")]})
    return str(kind)


def _check_speaker(kind: str, speaker: Member | None) -> None:
    if speaker is not None and kind != rules.LESSON:
        raise ValidationError({"speaker": [_("只有党课需要主讲人。")]})
    if speaker is not None and not speaker.in_good_standing:
        raise ValidationError({"speaker": [_("主讲人须为党籍正常的党员。")]})


@audited(AuditAction.PLAN)
def plan_meeting(
    *, actor: User, organization: Organization, kind: str, title: str, starts_at: datetime, ends_at: datetime,
    place: str = "", online_url: str = "", agenda: str = "", speaker: Member | None = None,
    origin: Origin | None = None,
) -> Meeting:
    """Plan one meeting of the organization (a branch, or a committee planning its own)."""
    access.require(actor, Cap.ORGLIFE_MANAGE, organization)
    kind = _check_kind(kind)
    _check_speaker(kind, speaker)
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("结束时间须晚于开始时间。")]})
    meeting = Meeting(organization=organization, kind=kind, title=_text(title), starts_at=starts_at, ends_at=ends_at,
                      place=_text(place), online_url=_text(online_url), agenda=agenda if isinstance(agenda, str) else "",
                      speaker=speaker, created_by=actor)
    meeting.full_clean()
    meeting.save()
    audit.record(actor=actor, action=AuditAction.PLAN, target=meeting, organization=organization, origin=origin,
                 summary={"kind": kind, "starts_at": meeting.starts_at.isoformat(), "title": meeting.title})
    notices.meeting_planned(actor=actor, meeting=meeting, origin=origin)
    return meeting


@audited(AuditAction.PLAN_RECURRING)
def plan_recurring(
    *, actor: User, organization: Organization, kind: str, title: str, year: int, weekday: int, week_of_month: int,
    start_time: time, minutes: int, place: str = "", origin: Origin | None = None,
) -> RecurringPlan:
    """A plan of the year (支委会 on the second Tuesday of each month …) and its meetings: one a
    period of the kind, those not yet begun (a plan made in June creates no meeting in May)."""
    access.require(actor, Cap.ORGLIFE_MANAGE, organization)
    kind = _check_kind(kind)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("请填写有效的年度。")]})
    if weekday not in range(7):
        raise ValidationError({"weekday": [_("请选择星期几。")]})
    if week_of_month not in (1, 2, 3, 4, rules.LAST_WEEK):
        raise ValidationError({"week_of_month": [_("请选择第几周。")]})
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 15 <= minutes <= 12 * 60:
        raise ValidationError({"minutes": [_("时长应在 15 分钟到 12 小时之间。")]})
    if not isinstance(start_time, time):
        raise ValidationError({"start_time": [_("请填写开始时间。")]})
    plan = RecurringPlan(organization=organization, kind=kind, title=_text(title), year=year, weekday=weekday,
                         week_of_month=week_of_month, start_time=start_time, minutes=minutes, place=_text(place),
                         created_by=actor)
    plan.full_clean()
    now = _now()
    meetings = []
    for day in rules.recurring_days(kind=kind, year=year, weekday=weekday, week_of_month=week_of_month):
        starts_at = timezone.make_aware(datetime.combine(day, start_time))
        if starts_at <= now:
            continue
        meetings.append(Meeting(organization=organization, kind=kind, title=plan.title, starts_at=starts_at,
                                ends_at=starts_at + timedelta(minutes=minutes), place=plan.place, created_by=actor))
    if not meetings:
        raise ValidationError({"year": [_("该年度的会议日期均已过去，没有可安排的会议。")]})
    plan.save()
    for meeting in meetings:
        meeting.plan = plan
    Meeting.objects.bulk_create(meetings)
    audit.record(actor=actor, action=AuditAction.PLAN_RECURRING, target=plan, organization=organization,
                 origin=origin, summary={"kind": kind, "year": year, "meetings": len(meetings)})
    notices.year_planned(actor=actor, meetings=list(plan.meetings.order_by("starts_at")), origin=origin)
    return plan


@audited(AuditAction.CANCEL)
def cancel_meeting(*, actor: User, meeting: Meeting, reason: str, origin: Origin | None = None) -> Meeting:
    """Cancel a planned meeting, with a reason (it then counts for nothing)."""
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError({"status": [_("只能取消尚未召开的会议。")]})
    if not _text(reason):
        raise ValidationError({"reason": [_("请填写取消原因。")]})
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancel_reason = _text(reason)
    meeting.full_clean()
    meeting.save(update_fields=["status", "cancel_reason"])
    audit.record(actor=actor, action=AuditAction.CANCEL, target=meeting, organization=meeting.organization,
                 origin=origin, summary={"reason": meeting.cancel_reason})
    notices.meeting_cancelled(actor=actor, meeting=meeting, origin=origin)
    return meeting


def _mark_held(meeting: Meeting) -> None:
    """A meeting whose attendance or minutes are recorded was held (it counts for compliance)."""
    if meeting.status == Meeting.Status.PLANNED:
        if Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.PLANNED).update(status=Meeting.Status.HELD):
            rollups.meeting_held(meeting)  # the compliance roll-up, in this transaction
        meeting.status = Meeting.Status.HELD


def _refuse_cancelled(meeting: Meeting, field: str = "meeting") -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({field: [_("会议已取消。")]})


@dataclass
class CheckIn:
    attendance: Attendance
    created: bool  # False: the member was checked in already (a second scan changes nothing)


@audited(AuditAction.CHECK_IN, noop_allowed=True)
def check_in(*, actor: User, token: str, now: datetime | None = None, origin: Origin | None = None) -> CheckIn:
    """Check the caller in to the meeting whose QR code carried `token` (扫码签到): only from
    DANGWU_CHECKIN_OPENS_MINUTES before the start to the end, only a member expected at it, and once
    whatever the number of scans — a second scan answers the first check-in and writes nothing."""
    now = now or _now()
    meeting = selectors.meeting_by_token(token=token)
    if meeting is None:
        raise ValidationError({"token": [_("签到二维码无效，请重新扫描会场的二维码。")]})
    member = selectors.own_member(user=actor)
    if member is None:
        raise ValidationError({"member": [_("您的账号没有关联党员档案，不能签到。请联系支部书记。")]})
    _refuse_cancelled(meeting, "token")
    if not selectors.is_expected(meeting=meeting, member=member):
        raise ValidationError({"token": [_("这不是您所在党组织（或您应参加）的会议，不能签到。")]})
    problem = rules.checkin_window_problem(now=now, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
                                           opens_minutes=settings.DANGWU_CHECKIN_OPENS_MINUTES)
    if problem == rules.TOO_EARLY:
        opens = timezone.localtime(meeting.starts_at - timedelta(minutes=settings.DANGWU_CHECKIN_OPENS_MINUTES))
        raise ValidationError({"token": [_("签到尚未开始：%(time)s 起可以签到。") % {
            "time": date_format(opens, "DATETIME_FORMAT")}]})
    if problem == rules.CLOSED:
        raise ValidationError({"token": [_("会议已结束，签到已关闭。")]})
    existing = Attendance.objects.filter(meeting=meeting, member=member).first()
    if existing is not None:
        return CheckIn(existing, False)
    status = Attendance.Status.LATE if now > meeting.starts_at else Attendance.Status.PRESENT
    try:
        with transaction.atomic():  # a savepoint: a concurrent scan of the same member loses the race here
            attendance = Attendance.objects.create(
                meeting=meeting, member=member, status=status, checked_in_at=now, via=Attendance.Via.QR,
                probationary=member.member_type == "probationary", recorded_by=actor)
    except IntegrityError:
        return CheckIn(Attendance.objects.get(meeting=meeting, member=member), False)
    _mark_held(meeting)
    audit.record(actor=actor, action=AuditAction.CHECK_IN, target=attendance, organization=meeting.organization,
                 origin=origin, summary={"member": member.pk, "status": status})
    return CheckIn(attendance, True)


@audited(AuditAction.MARK)
def mark_attendance(
    *, actor: User, meeting: Meeting, member: Member, status: str, reason: str = "", origin: Origin | None = None,
) -> Attendance:
    """Record a member's attendance by hand (出席, 迟到, 请假, 缺席); a reason is needed for all but
    出席, and for any change of what was recorded."""
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    _refuse_cancelled(meeting)
    if status not in Attendance.Status.values:
        raise ValidationError({"status": [_("请选择出勤情况。")]})
    if meeting.starts_at > _now() + timedelta(minutes=settings.DANGWU_CHECKIN_OPENS_MINUTES):
        raise ValidationError({"status": [_("会议尚未开始，不能登记出勤。")]})
    if not selectors.is_expected(meeting=meeting, member=member):
        raise ValidationError({"member": [_("该党员不在本次会议的应到人员中。")]})
    reason = _text(reason)
    existing = Attendance.objects.select_for_update().filter(meeting=meeting, member=member).first()
    if not reason and (status != Attendance.Status.PRESENT or existing is not None):
        raise ValidationError({"reason": [_("请填写说明（出席以外的情况、或更改已有记录时须填写）。")]})
    before = existing.status if existing else None
    attendance = existing or Attendance(meeting=meeting, member=member)
    attendance.status = status
    attendance.via = Attendance.Via.HAND
    attendance.reason = reason
    attendance.recorded_by = actor
    attendance.probationary = member.member_type == "probationary"
    if status in (Attendance.Status.PRESENT, Attendance.Status.LATE) and attendance.checked_in_at is None:
        attendance.checked_in_at = _now()
    attendance.full_clean(exclude=["meeting", "member"])
    attendance.save()
    _mark_held(meeting)
    audit.record(actor=actor, action=AuditAction.MARK, target=attendance, organization=meeting.organization,
                 origin=origin, summary={"member": member.pk, "status": status, "before": before, "reason": reason})
    return attendance


@audited(AuditAction.LEAVE_REQUEST)
def request_leave(*, actor: User, meeting: Meeting, reason: str, origin: Origin | None = None) -> LeaveRequest:
    """The caller asks to be excused from a meeting of their organization, before it starts."""
    member = selectors.own_member(user=actor)
    if member is None:
        raise ValidationError({"member": [_("您的账号没有关联党员档案，不能请假。")]})
    if refusal := selectors.leave_refusal(meeting=meeting, member=member, now=_now()):
        raise ValidationError({"meeting": [refusal]})
    if not _text(reason):
        raise ValidationError({"reason": [_("请填写请假事由。")]})
    leave = LeaveRequest(meeting=meeting, member=member, reason=_text(reason))
    leave.full_clean()
    leave.save()
    audit.record(actor=actor, action=AuditAction.LEAVE_REQUEST, target=leave, organization=meeting.organization,
                 origin=origin, summary={"member": member.pk, "reason": leave.reason})
    notices.leave_requested(actor=actor, leave=leave, origin=origin)
    return leave


@audited(AuditAction.LEAVE_DECIDE)
def decide_leave(*, actor: User, leave: LeaveRequest, approve: bool, origin: Origin | None = None) -> LeaveRequest:
    """Approve or refuse a pending leave request; an approved one is the member's attendance (请假)."""
    meeting = leave.meeting
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    leave = LeaveRequest.objects.select_for_update().get(pk=leave.pk)
    if leave.status != LeaveRequest.Status.PENDING:
        raise ValidationError({"decision": [_("该请假申请已经审批。")]})
    if not isinstance(approve, bool):
        raise ValidationError({"decision": [_("请选择批准或不批准。")]})
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REFUSED
    leave.decided_by = actor
    leave.decided_at = _now()
    leave.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        Attendance.objects.update_or_create(
            meeting=meeting, member=leave.member,
            defaults={"status": Attendance.Status.LEAVE, "via": Attendance.Via.HAND, "reason": leave.reason[:200],
                      "recorded_by": actor, "probationary": leave.member.member_type == "probationary"})
    audit.record(actor=actor, action=AuditAction.LEAVE_DECIDE, target=leave, organization=meeting.organization,
                 origin=origin, summary={"member": leave.member_id, "approved": approve})
    notices.leave_decided(actor=actor, leave=leave, origin=origin)
    return leave


@audited(AuditAction.MINUTES)
def record_minutes(
    *, actor: User, meeting: Meeting, topics: str, resolutions: str = "", recorder: Member | None = None,
    reason: str = "", origin: Origin | None = None,
) -> Minutes:
    """Write (or change) the minutes of a meeting. Once signed off they are locked: a change then
    needs a reason, which the history keeps with the changed version."""
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    _refuse_cancelled(meeting)
    if meeting.starts_at > _now():
        raise ValidationError({"topics": [_("会议尚未开始，不能记录会议纪要。")]})
    if recorder is not None and recorder.organization_id != meeting.organization_id:
        raise ValidationError({"recorder": [_("记录人须为本党组织的党员。")]})
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    reason = _text(reason)
    if minutes is not None and minutes.signed_off_at is not None and not reason:
        raise ValidationError({"reason": [_("会议记录已签发，修改须填写原因。")]})
    minutes = minutes or Minutes(meeting=meeting)
    minutes.topics = topics.strip() if isinstance(topics, str) else ""
    minutes.resolutions = resolutions.strip() if isinstance(resolutions, str) else ""
    minutes.recorder = recorder
    minutes.full_clean(exclude=["meeting"])
    if reason:
        minutes._change_reason = reason  # type: ignore[attr-defined]
    minutes.save()
    _mark_held(meeting)
    audit.record(actor=actor, action=AuditAction.MINUTES, target=minutes, organization=meeting.organization,
                 origin=origin, summary={"reason": reason} if reason else {})
    return minutes


@audited(AuditAction.MINUTES_SIGN_OFF)
def sign_off_minutes(*, actor: User, minutes: Minutes, origin: Origin | None = None) -> Minutes:
    """The secretary signs the minutes off (签发): they are locked from then on."""
    meeting = minutes.meeting
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    minutes = Minutes.objects.select_for_update().get(pk=minutes.pk)
    if minutes.signed_off_at is not None:
        raise ValidationError({"minutes": [_("会议记录已经签发。")]})
    minutes.signed_off_by = actor
    minutes.signed_off_at = _now()
    minutes._change_reason = _("签发")  # type: ignore[attr-defined]
    minutes.save()
    audit.record(actor=actor, action=AuditAction.MINUTES_SIGN_OFF, target=minutes, organization=meeting.organization,
                 origin=origin)
    return minutes


# 谈心谈话 -----------------------------------------------------------------------------------------

@audited(AuditAction.TALK)
def record_talk(
    *, actor: User, member: Member, talker: Member, on: date, topic: str, summary: str, via: str,
    origin: Origin | None = None,
) -> TalkRecord:
    """Record a heart-to-heart talk (谈心谈话) of `talker` — a serving committee member (书记, 委员)
    of the member's organization or of one above it — with `member`, held `on` a day not in the
    future, face to face, by phone, online or through the mailbox (谈心信箱: `via`). The record
    belongs to the member's organization of the day; whoever holds orglife.manage there records it."""
    access.require(actor, Cap.ORGLIFE_MANAGE, member.organization)
    if not member.in_good_standing:
        raise ValidationError({"member": [_("谈话对象须为党籍正常的党员。")]})
    if via not in TalkRecord.Via.values:
        raise ValidationError({"via": [_("请选择谈话方式。")]})
    if not isinstance(on, date) or isinstance(on, datetime):
        raise ValidationError({"on": [_("请填写谈话日期。")]})
    if on > timezone.localdate():
        raise ValidationError({"on": [_("谈话日期不能晚于今天。")]})
    if talker.pk == member.pk:
        raise ValidationError({"talker": [_("谈话人不能是谈话对象本人。")]})
    if not selectors.may_talk(organization=member.organization, talker=talker):
        raise ValidationError({"talker": [_("谈话人须为本党组织或上级党组织在任的书记、委员。")]})
    if not _text(topic):
        raise ValidationError({"topic": [_("请填写谈话主题。")]})
    if not _text(summary):
        raise ValidationError({"summary": [_("请填写谈话要点。")]})
    talk = TalkRecord(organization=member.organization, member=member, talker=talker, on=on, via=via,
                      topic=_text(topic), summary=_text(summary), recorded_by=actor)
    talk.full_clean()
    talk.save()
    audit.record(actor=actor, action=AuditAction.TALK, target=talk, organization=talk.organization, origin=origin,
                 summary={"member": member.pk, "talker": talker.pk, "on": on.isoformat(), "via": via})
    return talk


@audited(AuditAction.TALK_WITHDRAW)
def withdraw_talk(*, actor: User, talk: TalkRecord, reason: str, origin: Origin | None = None) -> TalkRecord:
    """Withdraw (撤销) a talk record entered wrongly, with a reason: it stays on the record, marked,
    and counts for nothing; the right one is recorded anew. Records are never edited."""
    access.require(actor, Cap.ORGLIFE_MANAGE, talk.organization)
    talk = TalkRecord.objects.select_for_update().get(pk=talk.pk)
    if talk.withdrawn_at is not None:
        raise ValidationError({"talk": [_("该谈话记录已经撤销。")]})
    if not _text(reason):
        raise ValidationError({"reason": [_("请填写撤销原因。")]})
    talk.withdrawn_at = _now()
    talk.withdrawn_by = actor
    talk.withdraw_reason = _text(reason)
    talk.full_clean()
    talk.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit.record(actor=actor, action=AuditAction.TALK_WITHDRAW, target=talk, organization=talk.organization,
                 origin=origin, summary={"member": talk.member_id, "reason": talk.withdraw_reason})
    return talk
