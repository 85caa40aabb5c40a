from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "dangwu.orglife"
    label = "orglife"
    verbose_name = _("组织生活")

    def ready(self) -> None:
        from . import hooks

        hooks.register()
