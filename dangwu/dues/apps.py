from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dangwu.dues"
    label = "dues"
    verbose_name = _("党费")

    def ready(self) -> None:
        from . import hooks

        hooks.register()
