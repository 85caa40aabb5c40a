"""How the audit log names the summary keys of members' actions (`core.auditlog`): those that
are no field of the entry's target (a member record, a transfer, an outflow), or mean something
else there. Registered from `hooks.register`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField

from .models import Standing


def register() -> None:
    for item in (
        AuditField("id_number", _("公民身份号码"), prefix="member."),
        AuditField("phone", _("联系电话"), prefix="member."),
        AuditField("purpose", _("用途"), "choice", prefix="member.view_",
                   choices={"transfer_letter": _("打印介绍信")}),
        AuditField("letter_number", _("介绍信编号"), prefix="member.view_"),
        AuditField("from", _("原党籍状态"), "choice", prefix="member.standing", choices=dict(Standing.choices)),
        AuditField("to", _("新党籍状态"), "choice", prefix="member.standing", choices=dict(Standing.choices)),
        AuditField("effective_on", _("生效日期"), "date", prefix="member.standing"),
        AuditField("sheet", _("工作表"), prefix="member.import"),
        AuditField("update_existing", _("更新已有党员"), "bool", prefix="member.import"),
        AuditField("reason", _("原因"), "choice", prefix="member.import_failed", choices={
            "rows": _("有错误的行"), "file": _("文件无法读取"), "error": _("意外错误"),
            "interrupted": _("后台任务中断"), "cancelled": _("已取消")}),
        AuditField("errors", _("错误数"), "count", prefix="member.import_failed"),
        AuditField("dry_run", _("仅校验"), "bool", prefix="member.import_failed"),
        AuditField("organization", _("党组织代码"), prefix="member.export"),
        AuditField("numbers", _("证件号码"), "choice", prefix="member.export",
                   choices={"full": _("完整"), "masked": _("脱敏")}),
        AuditField("organization", _("党组织代码"), prefix="stats."),
        AuditField("org_paths_repaired", _("修复的党组织路径"), "count", prefix="stats."),
        AuditField("member", _("党员"), prefix="member.transfer"),
        AuditField("from", _("转出党组织"), prefix="member.transfer"),
        AuditField("to", _("接收党组织"), prefix="member.transfer"),
        AuditField("letter_number", _("介绍信编号"), prefix="member.transfer"),
        AuditField("received_on", _("回执日期"), "date", prefix="member.transfer"),
        AuditField("member_id", _("党员"), "member", prefix="member.transfer"),
        AuditField("member", _("党员"), prefix="member.outflow"),
        AuditField("destination", _("流出去向"), prefix="member.outflow"),
        AuditField("host", _("流入地党组织"), "org", prefix="member.outflow"),
        AuditField("left_on", _("外出日期"), "date", prefix="member.outflow"),
        AuditField("returned_on", _("返回日期"), "date", prefix="member.outflow"),
        AuditField("number", _("活动证编号"), prefix="member.outflow"),
    ):
        registries.audit_fields.register(item)
