"""How the audit log names the summary keys of the tree's actions (`core.auditlog`) that are no
field of the entry's target. Registered from `hooks.register`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dangwu.core import registries
from dangwu.core.registries import AuditField


def register() -> None:
    for item in (
        AuditField("parent", _("上级党组织代码"), prefix="org."),
        AuditField("term", _("任期"), "pair", prefix="org.appoint"),
        AuditField("succeeds", _("接替的任职记录"), prefix="org.appoint"),
    ):
        registries.audit_fields.register(item)
