"""How the audit log names the summary keys of the demo loader's entry (`core.auditlog`).
Registered from `DemoConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField


def register() -> None:
    for item in (
        AuditField("seed", _("随机种子"), "count", prefix="demo."),
        AuditField("accounts", _("演示账号"), prefix="demo."),
        AuditField("members", _("党员数"), "count", prefix="demo."),
        AuditField("positions", _("委员职务数"), "count", prefix="demo."),
        AuditField("standing_changes", _("党籍变动数"), "count", prefix="demo."),
        AuditField("dues", _("党费数据"), prefix="demo."),
        AuditField("declarations", _("党费基数申报"), "count", prefix="demo."),
        AuditField("assessments", _("月度核定"), "count", prefix="demo."),
        AuditField("payments", _("缴费记录"), "count", prefix="demo."),
    ):
        registries.audit_fields.register(item)
