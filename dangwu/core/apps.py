from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dangwu.core"
    label = "core"
    verbose_name = _("平台核心")

    def ready(self) -> None:
        from . import checks, hooks, signals  # noqa: F401  (registers the checks and the login audit receivers)

        hooks.register()
