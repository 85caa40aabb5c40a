from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopmentConfig(AppConfig):
    name = "dangwu.development"
    label = "development"
    verbose_name = _("发展党员")

    def ready(self) -> None:
        from . import hooks

        hooks.register()
