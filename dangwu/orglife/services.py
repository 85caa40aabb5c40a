"""Every write of organizational life (组织生活): plan and cancel meetings, recurring plans, QR
check-in (扫码签到), attendance by hand, leave requests (请假), minutes (会议记录) and their sign-off,
and the files of a meeting: its materials (会议材料) and the attachments of its minutes (会议记录附件),
and the records of heart-to-heart talks (谈心谈话).

Each service is keyword-only, runs in one transaction and records one audit entry
(`core.audit.audited`). Bad input raises ValidationError keyed by the field and writes nothing.
Notices to the attendees are not sent here yet: see `notices.py`.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangwu.core import access, audit
from dangwu.core.audit import Origin, audited
from dangwu.core.roles import Cap
from dangwu.core.text import storable
from dangwu.core.validators import control_character_problem
from dangwu.members.models import Member
from dangwu.members.transfers import mobility_records
from dangwu.orgs.models import Organization

from . import files, notices, rollups, rules, selectors
from .models import (
    Attendance,
    AuditAction,
    Kind,
    LeaveRequest,
    Meeting,
    MeetingFile,
    Minutes,
    PartyGroupMember,
    RecurringPlan,
    TalkRecord,
)

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return timezone.now()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _check_kind(kind: Any) -> str:
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("请选择会议类型。")]})
    return str(kind)


def _check_group(kind: str, organization: Organization, party_group: Organization | None) -> None:
    """党小组会 is a party group's: one of the 党小组 under the organization; no other kind has one."""
    if kind != rules.GROUP:
        if party_group is not None:
            raise ValidationError({"party_group": [_("只有党小组会需要选择党小组。")]})
        return
    groups = selectors.party_groups(organization=organization)
    if not groups.exists():
        raise ValidationError({"kind": [_("本党组织未设党小组，不能安排党小组会。")]})
    if party_group is None or not groups.filter(pk=party_group.pk).exists():
        raise ValidationError({"party_group": [_("请选择本支部的一个党小组。")]})


def _check_joint(actor: User, kind: str, organization: Organization, joint: Any) -> list[Organization]:
    """联合党课: other organizations in the caller's own charge (orglife.manage) whose members attend
    and for which the lesson counts as their own; only a 党课 is held jointly."""
    joint = list(dict.fromkeys(joint or ()))
    if not joint:
        return []
    if kind != rules.LESSON:
        raise ValidationError({"joint_organizations": [_("只有党课可以联合其他党组织举办。")]})
    for other in joint:
        if not isinstance(other, Organization) or other.pk == organization.pk or other.dissolved_on is not None:
            raise ValidationError({"joint_organizations": [_("请选择其他未撤销的党组织。")]})
        if not access.can(actor, Cap.ORGLIFE_MANAGE, other):
            raise ValidationError({"joint_organizations": [
                _("您无权为%(name)s安排组织生活。") % {"name": other.name}]})
    return joint


def _check_speaker(kind: str, speaker: Member | None) -> None:
    if speaker is not None and kind != rules.LESSON:
        raise ValidationError({"speaker": [_("只有党课需要主讲人。")]})
    if speaker is not None and not speaker.in_good_standing:
        raise ValidationError({"speaker": [_("主讲人须为党籍正常的党员。")]})


@audited(AuditAction.PLAN)
def plan_meeting(
    *, actor: User, organization: Organization, kind: str, title: str, starts_at: datetime, ends_at: datetime,
    place: str = "", online_url: str = "", agenda: str = "", speaker: Member | None = None,
    party_group: Organization | None = None, joint_organizations: Any = (), origin: Origin | None = None,
) -> Meeting:
    """Plan one meeting of the organization (a branch, or a committee planning its own): a 党小组会
    for one of its party groups, a 党课 possibly with other organizations joining (联合党课)."""
    access.require(actor, Cap.ORGLIFE_MANAGE, organization)
    kind = _check_kind(kind)
    _check_speaker(kind, speaker)
    _check_group(kind, organization, party_group)
    joint = _check_joint(actor, kind, organization, joint_organizations)
    if isinstance(starts_at, datetime) and isinstance(ends_at, datetime) and ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("结束时间须晚于开始时间。")]})
    meeting = Meeting(organization=organization, kind=kind, title=_text(title), starts_at=starts_at, ends_at=ends_at,
                      place=_text(place), online_url=_text(online_url), agenda=agenda if isinstance(agenda, str) else "",
                      speaker=speaker, party_group=party_group, created_by=actor)
    meeting.full_clean()
    meeting.save()
    meeting.joint_organizations.set(joint)
    summary: dict[str, Any] = {"kind": kind, "starts_at": meeting.starts_at.isoformat(), "title": meeting.title}
    if party_group is not None:
        summary["party_group"] = party_group.name
    if joint:
        summary["joint"] = [o.name for o in joint]
    audit.record(actor=actor, action=AuditAction.PLAN, target=meeting, organization=organization, origin=origin,
                 summary=summary)
    notices.meeting_planned(actor=actor, meeting=meeting, origin=origin)
    return meeting


@audited(AuditAction.PLAN_RECURRING)
def plan_recurring(
    *, actor: User, organization: Organization, kind: str, title: str, year: int, weekday: int, week_of_month: int,
    start_time: time, minutes: int, place: str = "", party_group: Organization | None = None,
    origin: Origin | None = None,
) -> RecurringPlan:
    """A plan of the year (支委会 on the second Tuesday of each month …) and its meetings: one a
    period of the kind, those not yet begun (a plan made in June creates no meeting in May)."""
    access.require(actor, Cap.ORGLIFE_MANAGE, organization)
    kind = _check_kind(kind)
    _check_group(kind, organization, party_group)
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
                         party_group=party_group, created_by=actor)
    plan.full_clean()
    now = _now()
    meetings = []
    for day in rules.recurring_days(kind=kind, year=year, weekday=weekday, week_of_month=week_of_month):
        starts_at = timezone.make_aware(datetime.combine(day, start_time))
        if starts_at <= now:
            continue
        meetings.append(Meeting(organization=organization, kind=kind, title=plan.title, starts_at=starts_at,
                                ends_at=starts_at + timedelta(minutes=minutes), place=plan.place,
                                party_group=party_group, created_by=actor))
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


_ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


def _took_part(actor: User, meeting: Meeting, member: Member, status: str) -> dict[str, Any]:
    """A mobile member (流动党员) who attends at their host organization: the host's record of their
    taking part goes on their outflow, which the home organization reads (it counts at home, and
    as contact). The audit summary's addition, or nothing."""
    if status not in _ATTENDED or member.organization_id == meeting.organization_id:
        return {}
    record = mobility_records.note_participation(
        actor=actor, member=member, host=meeting.organization, on=_local_day(meeting.starts_at),
        note=_("参加%(kind)s：%(title)s") % {"kind": Kind(meeting.kind).label, "title": meeting.title})
    return {"mobility_record": record.pk} if record is not None else {}


def _local_day(moment: datetime) -> Any:
    return timezone.localtime(moment).date()


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
    summary = {"member": member.pk, "status": status, **_took_part(actor, meeting, member, str(status))}
    audit.record(actor=actor, action=AuditAction.CHECK_IN, target=attendance, organization=meeting.organization,
                 origin=origin, summary=summary)
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
    took_part = _took_part(actor, meeting, member, status) if before not in _ATTENDED else {}
    audit.record(actor=actor, action=AuditAction.MARK, target=attendance, organization=meeting.organization,
                 origin=origin, summary={"member": member.pk, "status": status, "before": before, "reason": reason,
                                         **took_part})
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


def _open_to_changes(meeting: Meeting, field: str) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _refuse_cancelled(meeting, field)
    if meeting.ends_at <= _now():
        raise ValidationError({field: [_("会议已经结束，不能再调整列席人员。")]})
    return meeting


@audited(AuditAction.INVITE)
def invite(*, actor: User, meeting: Meeting, member: Member, origin: Origin | None = None) -> Meeting:
    """Invite a member to attend besides those the kind brings (列席: a leader of the committee
    above, a member of another branch): a member in good standing whom the caller may see. They get
    the meeting notice, may check in and ask for leave like any attendee."""
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    meeting = _open_to_changes(meeting, "member")
    if not isinstance(member, Member) or not member.in_good_standing:
        raise ValidationError({"member": [_("列席人员须为党籍正常的党员。")]})
    if not selectors.may_invite(actor=actor, member=member):
        raise ValidationError({"member": [_("未找到该党员。")]})
    if selectors.is_expected(meeting=meeting, member=member):
        raise ValidationError({"member": [_("%(name)s已在本次会议的应到人员中。") % {"name": member.name}]})
    meeting.invitees.add(member)
    audit.record(actor=actor, action=AuditAction.INVITE, target=meeting, organization=meeting.organization,
                 origin=origin, summary={"member": member.pk})
    notices.meeting_planned(actor=actor, meeting=meeting, origin=origin, invited=member)
    return meeting


@audited(AuditAction.UNINVITE)
def uninvite(*, actor: User, meeting: Meeting, member: Member, origin: Origin | None = None) -> Meeting:
    """Withdraw an invitation (列席) whose attendance was not recorded yet."""
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    meeting = _open_to_changes(meeting, "member")
    if not meeting.invitees.filter(pk=member.pk).exists():
        raise ValidationError({"member": [_("该党员不在列席人员中。")]})
    if Attendance.objects.filter(meeting=meeting, member=member).exists():
        raise ValidationError({"member": [_("已登记该党员的出勤，不能取消邀请。")]})
    meeting.invitees.remove(member)
    LeaveRequest.objects.filter(meeting=meeting, member=member, status=LeaveRequest.Status.PENDING).delete()
    audit.record(actor=actor, action=AuditAction.UNINVITE, target=meeting, organization=meeting.organization,
                 origin=origin, summary={"member": member.pk})
    return meeting


@audited(AuditAction.PARTY_GROUPS)
def set_party_groups(
    *, actor: User, organization: Organization, assignments: dict[int, int | None], origin: Origin | None = None,
) -> int:
    """Put the branch's members into its party groups (党小组分组): member id -> group id, or None
    to take a member out of every group. Every id must be the branch's member and one of its groups;
    returns how many members changed group."""
    access.require(actor, Cap.ORGLIFE_MANAGE, organization)
    groups = {g.pk: g for g in selectors.party_groups(organization=organization)}
    if not groups:
        raise ValidationError({"groups": [_("本党组织未设党小组。请先在组织管理中设立党小组。")]})
    if not isinstance(assignments, dict):
        raise ValidationError({"groups": [_("请选择党员所在的党小组。")]})
    members = {m.pk: m for m in Member.objects.filter(organization=organization, pk__in=[
        k for k in assignments if isinstance(k, int) and not isinstance(k, bool)])}
    for member_id, group_id in assignments.items():
        if member_id not in members:
            raise ValidationError({"groups": [_("第%(id)s号党员不是本支部的党员。") % {"id": member_id}]})
        if group_id is not None and group_id not in groups:
            raise ValidationError({f"group_{member_id}": [
                _("%(name)s：请选择本支部的党小组。") % {"name": members[member_id].name}]})
    current = selectors.groups_of_members(organization=organization)
    changed = {pk: g for pk, g in assignments.items() if current.get(pk) != g}
    PartyGroupMember.objects.filter(member_id__in=list(changed)).delete()
    PartyGroupMember.objects.bulk_create([PartyGroupMember(member_id=pk, group_id=g, assigned_by=actor)
                                          for pk, g in changed.items() if g is not None])
    audit.record(actor=actor, action=AuditAction.PARTY_GROUPS, target=organization, organization=organization,
                 origin=origin, summary={"changed": {str(pk): groups[g].name if g else None
                                                     for pk, g in changed.items()}})
    return len(changed)


# --- files of a meeting: materials (会议材料) and attachments of the minutes (会议记录附件) -----------


def _file_lock_errors(*, meeting: Meeting, part: str, minutes: Minutes | None, reason: str,
                      adding: bool) -> dict[str, list[str]]:
    """Why the files of `part` may not change now: a cancelled meeting takes none; the materials
    are locked once the minutes are signed off; an attachment of the minutes may change after
    that only with a reason (kept on the minutes' history, as `record_minutes` keeps its changes)."""
    if adding and meeting.status == Meeting.Status.CANCELLED:
        return {"file": [_("会议已取消，不能再上传文件。")]}
    signed = minutes is not None and minutes.signed_off_at is not None
    if part == MeetingFile.Part.MATERIAL and signed:
        return {"file": [_("会议记录已签发，会议材料已锁定，不能再更改。")]}
    if part == MeetingFile.Part.MINUTES:
        if adding and meeting.starts_at > _now():
            return {"file": [_("会议尚未开始，不能上传会议记录附件。")]}
        if signed and not reason:
            return {"reason": [_("会议记录已签发，更改附件须填写原因。")]}
    return {}


def _reason_errors(reason: Any, *, required: str | None = None) -> dict[str, list[str]]:
    if required and not _text(reason):
        return {"reason": [required]}
    if len(_text(reason)) > 200:
        return {"reason": [_("原因最多200个字")]}
    if problem := control_character_problem(reason):
        return {"reason": [problem]}
    return {}


def _on_minutes_history(minutes: Minutes | None, note: str) -> None:
    """A change of a signed-off record's attachments, as a version of the minutes with its reason."""
    if minutes is not None and minutes.signed_off_at is not None:
        minutes._change_reason = note[:100]  # type: ignore[attr-defined]  # simple-history's column
        minutes.save(update_fields=["updated_at"])


@audited(AuditAction.FILE_ADD)
def add_meeting_file(
    *, actor: User, meeting: Meeting, part: str, name: str, data: bytes, reason: str = "",
    origin: Origin | None = None,
) -> MeetingFile:
    """The secretary uploads a material of the meeting (会议材料: while planning or later, until the
    minutes are signed off) or an attachment of its minutes (会议记录附件: once it has begun; after
    sign-off only with a reason, which the minutes' history keeps). The file passes the door of
    `files.check_meeting_file` (types, size, 密级 marking). Nothing is written on a refusal, and the
    stored file is deleted again when the write fails after storing it."""
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    if part not in MeetingFile.Part.values:
        raise ValidationError({"part": [_("请选择文件类别。")]})
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    reason = _text(reason)
    name = storable(PurePath(name).name if isinstance(name, str) else "").strip()
    errors = _reason_errors(reason)
    errors.update(_file_lock_errors(meeting=meeting, part=part, minutes=minutes, reason=reason, adding=True))
    if "file" not in errors and (problem := files.check_meeting_file(name=name, data=data or b"")):
        errors["file"] = [problem]
    if errors:
        raise ValidationError(errors)
    record = MeetingFile(meeting=meeting, part=part, file_name=name[-200:], size=len(data), uploaded_by=actor)
    record.file.save(f"{secrets.token_hex(16)}{files.stored_suffix(name)}", ContentFile(data), save=False)
    try:
        record.save()
        _on_minutes_history(minutes, _("添加附件 %(f)s：%(r)s") % {"f": record.file_name, "r": reason})
        audit.record(actor=actor, action=AuditAction.FILE_ADD, target=record, organization=meeting.organization,
                     origin=origin, summary={"part": part, "file": record.file_name, "size": record.size,
                                             **({"reason": reason} if reason else {})})
    except BaseException:
        _delete_stored(record.file.name)  # a failed upload leaves no file behind
        raise
    return record


def _delete_stored(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not delete the meeting file %s", name)


@audited(AuditAction.FILE_REMOVE)
def remove_meeting_file(*, actor: User, record: MeetingFile, reason: str, origin: Origin | None = None) -> MeetingFile:
    """Remove a file of a meeting, with a reason: attendees no longer see it, its row keeps who
    removed it, when and why, and its bytes are deleted once this commits. Materials are locked with
    the signed-off minutes; an attachment of signed-off minutes is removed onto their history."""
    meeting = record.meeting
    access.require(actor, Cap.ORGLIFE_MANAGE, meeting.organization)
    record = MeetingFile.objects.select_for_update().get(pk=record.pk)
    if record.removed_at is not None:
        raise ValidationError({"file": [_("该文件已经删除。")]})
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    reason = _text(reason)
    errors = _reason_errors(reason, required=_("请填写删除原因。"))
    errors.update(_file_lock_errors(meeting=meeting, part=record.part, minutes=minutes, reason=reason,
                                    adding=False))
    if errors:
        raise ValidationError(errors)
    stored = record.file.name
    record.removed_by, record.removed_at, record.removal_reason, record.file = actor, _now(), reason, ""
    record.save(update_fields=["removed_by", "removed_at", "removal_reason", "file"])
    _on_minutes_history(minutes, _("删除附件 %(f)s：%(r)s") % {"f": record.file_name, "r": reason})
    audit.record(actor=actor, action=AuditAction.FILE_REMOVE, target=record, organization=meeting.organization,
                 origin=origin, summary={"part": record.part, "file": record.file_name, "reason": reason})
    if stored:
        transaction.on_commit(lambda: _delete_stored(stored))
    return record

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
