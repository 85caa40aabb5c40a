"""How the audit log names the summary keys of the secret ballot's actions (`core.auditlog`).
Registered from `hooks.register`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField

from .models import ElectionKind, Round

P = "elections."


def register() -> None:
    for item in (
        AuditField("title", _("选举名称"), prefix=P),
        AuditField("kind", _("选举类型"), "choice", prefix=P, choices=dict(ElectionKind.choices)),
        AuditField("seats", _("应选人数"), "count", prefix=P),
        AuditField("candidates", _("候选人"), prefix=P),
        AuditField("round", _("轮次"), "count", prefix=P),
        AuditField("mode", _("投票方式"), "choice", prefix=P, choices=dict(Round.Mode.choices)),
        AuditField("electorate", _("应到会有选举权的党员"), "count", prefix=P),
        AuditField("present", _("实到会有选举权的党员"), "count", prefix=P),
        AuditField("scrutineers", _("监票人"), prefix=P),
        AuditField("roll_marks", _("名册已投票人数"), "count", prefix=P),
        AuditField("trackers", _("凭证码数"), "count", prefix=P),
        AuditField("ballots", _("选票数"), "count", prefix=P),
        AuditField("returned", _("收回选票"), "count", prefix=P),
        AuditField("void", _("无效票"), "count", prefix=P),
        AuditField("blank", _("空白票"), "count", prefix=P),
        AuditField("votes", _("得票"), prefix=P),
        AuditField("valid", _("选举有效"), "bool", prefix=P),
        AuditField("elected", _("当选"), prefix=P),
        AuditField("tied", _("得票相等"), prefix=P),
        AuditField("shortfall", _("缺额"), "count", prefix=P),
    ):
        registries.audit_fields.register(item)
