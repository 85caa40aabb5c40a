"""Tables of organizational life (组织生活, 三会一课): meetings and the recurring plans that create
them, attendance, leave requests (请假) and minutes (会议记录)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dangwu.core.models import AuditActionChoices
from dangwu.core.validators import validate_single_line, validate_text

from . import rules


class AuditAction(AuditActionChoices):
    """What the orglife services record in the audit log: one action per service (decision 0015)."""

    PLAN = "orglife.plan", _("安排会议")
    PLAN_RECURRING = "orglife.plan_recurring", _("制定会议计划")
    CANCEL = "orglife.cancel", _("取消会议")
    CHECK_IN = "orglife.check_in", _("扫码签到")
    MARK = "orglife.mark", _("登记出勤")
    LEAVE_REQUEST = "orglife.leave_request", _("请假")
    LEAVE_DECIDE = "orglife.leave_decide", _("审批请假")
    MINUTES = "orglife.minutes", _("记录会议纪要")
    MINUTES_SIGN_OFF = "orglife.minutes_sign_off", _("签发会议记录")
    INVITE = "orglife.invite", _("邀请列席")
    UNINVITE = "orglife.uninvite", _("取消列席邀请")
    PARTY_GROUPS = "orglife.party_groups", _("调整党小组成员")
    STATS_REBUILD = "orglife.stats_rebuild", _("重算三会一课统计")
    FILE_ADD = "orglife.file_add", _("上传会议文件")
    FILE_REMOVE = "orglife.file_remove", _("删除会议文件")
    TALK = "orglife.talk", _("记录谈心谈话")
    TALK_WITHDRAW = "orglife.talk_withdraw", _("撤销谈心谈话记录")


class Kind(models.TextChoices):
    ASSEMBLY = rules.ASSEMBLY, _("支部党员大会")
    COMMITTEE = rules.COMMITTEE, _("支委会")
    GROUP = rules.GROUP, _("党小组会")
    LESSON = rules.LESSON, _("党课")
    THEME_DAY = rules.THEME_DAY, _("主题党日")
    LIFE_MEETING = rules.LIFE_MEETING, _("组织生活会")


def new_checkin_token() -> str:
    return secrets.token_urlsafe(24)


validate_online_url = URLValidator(schemes=["http", "https"], message=_("请输入以 http:// 或 https:// 开头的网址。"))


class RecurringPlan(models.Model):
    """A plan of the year (e.g. 支委会 on the second Tuesday of each month) that created its meetings."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党组织"))
    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("会议名称"), max_length=120, validators=[validate_single_line])
    year = models.PositiveSmallIntegerField(_("年度"))
    week_of_month = models.SmallIntegerField(_("第几周"))  # 1–4, or -1 for the month's last such weekday
    weekday = models.PositiveSmallIntegerField(_("星期"))  # 0 = Monday … 6 = Sunday
    start_time = models.TimeField(_("开始时间"))
    minutes = models.PositiveSmallIntegerField(_("时长（分钟）"))
    place = models.CharField(_("地点"), max_length=200, blank=True, validators=[validate_single_line])
    party_group = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("党小组"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议计划")
        verbose_name_plural = _("会议计划")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class PartyGroupMember(models.Model):
    """A member's party group (党小组): one of the 党小组 (organizations of type "group") under the
    member's branch. The organizational relation stays with the branch; this only says which group
    the member meets with. A row whose group is no longer under the member's organization (the member
    moved on) counts for nothing (`selectors.group_members`)."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("党员"))
    group = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("党小组"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    assigned_at = models.DateTimeField(_("分组时间"), auto_now=True)

    class Meta:
        verbose_name = _("党小组成员")
        verbose_name_plural = _("党小组成员")

    def __str__(self) -> str:
        return f"{self.member_id} → {self.group_id}"


class Meeting(models.Model):
    """One meeting of an organization (支部党员大会, 支委会, 党小组会, 党课, 主题党日, 组织生活会)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("党组织"))
    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("会议名称"), max_length=120, validators=[validate_single_line])
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True, validators=[validate_single_line])
    online_url = models.CharField(_("网络会议链接"), max_length=500, blank=True, validators=[validate_online_url])
    agenda = models.TextField(_("议程"), blank=True, validators=[validate_text])
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    speaker = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("主讲人"))
    plan = models.ForeignKey(RecurringPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings",
                             verbose_name=_("会议计划"))
    # 党小组会: the party group (a 党小组 under the branch) whose members attend.
    party_group = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("党小组"))
    # 联合党课: other organizations whose members attend, and for which the lesson counts as theirs.
    joint_organizations = models.ManyToManyField("orgs.Organization", blank=True, related_name="+",
                                                 verbose_name=_("联合参加的党组织"))
    # 列席: members invited besides those the kind brings.
    invitees = models.ManyToManyField("members.Member", blank=True, related_name="+", verbose_name=_("列席人员"))
    checkin_token = models.CharField(max_length=64, unique=True, default=new_checkin_token, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True, validators=[validate_single_line])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["organization", "starts_at"], name="orglife_meeting_org_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="orglife_meeting_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Whether a member attended a meeting: by a QR scan (签到) or marked by hand; once per member."""

    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LATE = "late", _("迟到")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")

    class Via(models.TextChoices):
        QR = "qr", _("扫码签到")
        HAND = "hand", _("手工登记")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    status = models.CharField(_("出勤"), max_length=12, choices=Status.choices)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    via = models.CharField(_("方式"), max_length=8, choices=Via.choices)
    reason = models.CharField(_("说明"), max_length=200, blank=True, validators=[validate_single_line])
    probationary = models.BooleanField(_("预备党员"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = _("出勤")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="orglife_attendance_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.member}"


class LeaveRequest(models.Model):
    """A member's request to be excused from a meeting (请假), decided by the branch."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="leave_requests")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员"))
    reason = models.CharField(_("请假事由"), max_length=200, validators=[validate_single_line])
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("请假")
        verbose_name_plural = _("请假")
        constraints = [
            # one request that stands (pending or approved) per member and meeting
            models.UniqueConstraint(fields=["meeting", "member"], condition=~models.Q(status="refused"),
                                    name="orglife_one_standing_leave_request"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.member}"


class Minutes(models.Model):
    """The record of a meeting (会议记录); locked once signed off: a later change needs a reason,
    which the history keeps with the change."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    recorder = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("记录人"))
    topics = models.TextField(_("议题"), validators=[validate_text])
    resolutions = models.TextField(_("决议"), blank=True, validators=[validate_text])
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("签发人"))
    signed_off_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")

    def __str__(self) -> str:
        return str(self.meeting)


def meeting_file_path(instance: MeetingFile, filename: str) -> str:
    return f"orglife/meetings/{instance.meeting_id}/{filename}"


class MeetingFile(models.Model):
    """A file of a meeting: a material handed to the attendees (会议材料), or an attachment of its
    minutes (会议记录附件: the photo of the sign-in sheet, the slides). Stored under MEDIA_ROOT by a
    random name (the uploader's name is kept apart) and downloaded only through a view that checks
    the caller may read the meeting's records. A removed file keeps its row (who, when, why); its
    bytes are deleted (docs/decisions/0028-meeting-files.md)."""

    class Part(models.TextChoices):
        MATERIAL = "material", _("会议材料")
        MINUTES = "minutes", _("会议记录附件")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="files")
    part = models.CharField(_("类别"), max_length=12, choices=Part.choices)
    file = models.FileField(_("文件"), upload_to=meeting_file_path, max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("删除人"))
    removed_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    removal_reason = models.CharField(_("删除原因"), max_length=200, blank=True, validators=[validate_single_line])

    class Meta:
        verbose_name = _("会议文件")
        verbose_name_plural = _("会议文件")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["meeting", "part"], name="orglife_file_meeting_part")]

    def __str__(self) -> str:
        return self.file_name


class OrglifeStat(models.Model):
    """A roll-up of 三会一课 (三会一课统计汇总): for one organization's WHOLE SUBTREE and one (kind,
    period), how many meetings of that kind were held in the period (`meetings`) and how many
    branches held at least one (`branches`). Kept exact by `orglife.rollups`, which the services
    call when a meeting becomes held; read by the committee's drill-down, never the meetings
    (docs/decisions/0027-orglife-compliance-rollup.md)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("党组织"),
        db_index=False, db_constraint=False,  # derived rows: the unique index serves lookups
    )
    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices)
    period = models.CharField(_("期间"), max_length=7)  # "2026-03", "2026-Q1" or "2026" (rules.period_of)
    meetings = models.BigIntegerField(_("已召开次数"), default=0)
    branches = models.BigIntegerField(_("已召开支部数"), default=0)

    class Meta:
        verbose_name = _("三会一课统计汇总")
        verbose_name_plural = _("三会一课统计汇总")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "period"], name="orglife_stat_one_per_org_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind} {self.period}: {self.branches}/{self.meetings}"


class TalkRecord(models.Model):
    """A heart-to-heart talk (谈心谈话) of a committee member (书记, 委员) with a member, recorded by
    the branch: each year every member is talked with (usually before the 组织生活会). The summary
    is the talker's note, for the branch's cadres: the member sees only the day and who talked.

    A record is never edited: one entered wrongly is withdrawn (撤销) with a reason and recorded
    again (docs/decisions/0029-talk-records.md); a withdrawn record stays, and counts for nothing."""

    class Via(models.TextChoices):
        OFFLINE = "offline", _("面谈")
        PHONE = "phone", _("电话")
        ONLINE = "online", _("网上")
        MAILBOX = "mailbox", _("谈心信箱")

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("党组织"))  # the member's organization at the time
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("谈话对象"))
    talker = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("谈话人"))
    on = models.DateField(_("谈话日期"))
    via = models.CharField(_("谈话方式"), max_length=12, choices=Via.choices, default=Via.OFFLINE)
    topic = models.CharField(_("谈话主题"), max_length=120, validators=[validate_single_line])
    summary = models.TextField(_("谈话要点"), validators=[validate_text])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdraw_reason = models.CharField(_("撤销原因"), max_length=200, blank=True, validators=[validate_single_line])

    class Meta:
        verbose_name = _("谈心谈话记录")
        verbose_name_plural = _("谈心谈话记录")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["organization", "on"], name="orglife_talk_org_on"),
            models.Index(fields=["member", "on"], name="orglife_talk_member_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(member=models.F("talker")), name="orglife_talk_not_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.topic}"
