"""How the audit log names the summary keys of organizational life's actions (`core.auditlog`).
Registered from `hooks.register`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField

from .models import Attendance, Kind, MeetingFile, TalkRecord


def register() -> None:
    for item in (
        AuditField("kind", _("会议类型"), "choice", prefix="orglife.", choices=dict(Kind.choices)),
        AuditField("starts_at", _("开始时间"), "datetime", prefix="orglife."),
        AuditField("title", _("会议名称"), prefix="orglife."),
        AuditField("year", _("年度"), prefix="orglife."),
        AuditField("meetings", _("安排的会议数"), "count", prefix="orglife."),
        AuditField("member", _("党员"), "member", prefix="orglife."),
        AuditField("status", _("出勤"), "choice", prefix="orglife.", choices=dict(Attendance.Status.choices)),
        AuditField("before", _("原出勤"), "choice", prefix="orglife.", choices=dict(Attendance.Status.choices)),
        AuditField("reason", _("原因"), prefix="orglife."),
        AuditField("approved", _("批准"), "bool", prefix="orglife."),
        AuditField("part", _("类别"), "choice", prefix="orglife.file_", choices=dict(MeetingFile.Part.choices)),
        AuditField("file", _("文件名"), prefix="orglife.file_"),
        AuditField("size", _("大小（字节）"), "count", prefix="orglife.file_"),
        AuditField("member", _("谈话对象"), "member", prefix="orglife.talk"),
        AuditField("talker", _("谈话人"), "member", prefix="orglife.talk"),
        AuditField("on", _("谈话日期"), "date", prefix="orglife.talk"),
        AuditField("via", _("谈话方式"), "choice", prefix="orglife.talk", choices=dict(TalkRecord.Via.choices)),
    ):
        registries.audit_fields.register(item)
