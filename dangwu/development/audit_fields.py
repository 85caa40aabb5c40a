"""How the audit log names the summary keys of the recruitment pipeline's actions
(`core.auditlog`) that are no field of the entry's target (a candidate). Registered from
`hooks.register`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField

from . import rules


def register() -> None:
    steps = {code: info.label for code, info in rules.STEPS.items()}
    for item in (
        AuditField("online", _("网上申请"), "bool", prefix="development."),
        AuditField("applied_on", _("申请入党日期"), "date", prefix="development."),
        AuditField("documents", _("材料数"), "count", prefix="development."),
        AuditField("step", _("发展步骤"), "choice", prefix="development.", choices=steps),
        AuditField("steps", _("步骤数"), "count", prefix="development."),
        AuditField("done_on", _("完成日期"), "date", prefix="development."),
        AuditField("vote", _("表决情况"), prefix="development."),
        AuditField("assigned_on", _("确定日期"), "date", prefix="development."),
        AuditField("size", _("文件大小（字节）"), "count", prefix="development."),
        AuditField("months", _("延长月数"), "count", prefix="development.extend"),
        AuditField("decided_on", _("决定日期"), "date", prefix="development."),
        AuditField("probationary", _("预备党员"), "bool", prefix="development."),
        AuditField("starts_on", _("公示开始"), "date", prefix="development."),
        AuditField("ends_on", _("公示结束"), "date", prefix="development."),
        AuditField("working_days", _("工作日数"), "count", prefix="development."),
        AuditField("report", _("思想汇报编号"), "count", prefix="development."),
        AuditField("attachments", _("附件数"), "count", prefix="development."),
        AuditField("comment", _("评阅意见编号"), "count", prefix="development."),
        AuditField("people", _("人数"), "count", prefix="development."),
        AuditField("document", _("文书"), prefix="development."),
        AuditField("field", _("项目"), "choice", prefix="development.view_",
                   choices={"id_number": _("公民身份号码")}),
    ):
        registries.audit_fields.register(item)
