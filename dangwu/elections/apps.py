from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "dangwu.elections"
    label = "elections"
    verbose_name = _("党内选举")

    def ready(self) -> None:
        from . import hooks

        hooks.register()
