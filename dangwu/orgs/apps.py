from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "dangwu.orgs"
    label = "orgs"
    verbose_name = _("党组织")

    def ready(self) -> None:
        from . import hooks

        hooks.register()
