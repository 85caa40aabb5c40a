"""How the audit log names the summary keys of the dues' actions (`core.auditlog`) that are no
field of the entry's target (a payment, a declaration, a reduction). Registered from
`hooks.register`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField

from .models import Category, Payment


def register() -> None:
    for item in (
        AuditField("dues", _("党费"), "money", prefix="dues."),
        AuditField("voluntary", _("自愿多交"), "money", prefix="dues."),
        AuditField("total", _("合计"), "money", prefix="dues."),
        AuditField("collected_at", _("收缴党组织"), "org", prefix="dues."),
        AuditField("receipt", _("收据编号"), prefix="dues."),
        AuditField("method", _("缴纳方式"), "choice", prefix="dues.", choices=dict(Payment.Method.choices)),
        AuditField("forward_to_centre", _("全额上缴中央"), "bool", prefix="dues."),
        AuditField("dues_paid_until", _("党费交至"), "pair", prefix="dues."),
        AuditField("base", _("党费基数"), "money", prefix="dues."),
        AuditField("monthly_amount", _("每月应交"), "money", prefix="dues."),
        AuditField("category", _("党费类别"), "choice", prefix="dues.", choices=dict(Category.choices)),
        AuditField("before", _("调整前"), prefix="dues."),
        AuditField("approved", _("批准"), "bool", prefix="dues."),
        AuditField("assessments_changed", _("调整的月度核定"), "count", prefix="dues."),
        AuditField("assessed", _("核定人数"), "count", prefix="dues."),
        AuditField("used_on", _("使用日期"), "date", prefix="dues."),
        AuditField("proof", _("转账凭证编号"), "count", prefix="dues."),
        AuditField("paid_until_repaired", _("修复的党费交至"), "count", prefix="dues."),
        AuditField("standards_repaired", _("修复的党费标准"), "count", prefix="dues."),
        AuditField("proof_amount", _("凭证金额"), "money", prefix="dues."),
        AuditField("reason", _("原因"), "choice", prefix="dues.declare_import_failed", choices={
            "rows": _("有错误的行"), "file": _("文件无法读取"), "error": _("意外错误"),
            "interrupted": _("后台任务中断")}),
        AuditField("errors", _("错误数"), "count", prefix="dues.declare_import_failed"),
        AuditField("year", _("年度"), prefix="dues.declare_import_failed"),
        AuditField("from", _("起始月份"), "month", prefix="dues.reduction"),
        AuditField("to", _("截止月份"), "month", prefix="dues.reduction"),
    ):
        registries.audit_fields.register(item)
