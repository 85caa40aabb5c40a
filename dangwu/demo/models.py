"""The demo app keeps no tables; its one audit action is named here, as every app's are."""

from django.utils.translation import gettext_lazy as _

from dangwu.core.models import AuditActionChoices


class AuditAction(AuditActionChoices):
    DEMO_SEED = "demo.seed", _("加载演示数据")
