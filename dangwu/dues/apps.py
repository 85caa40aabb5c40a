from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dangwu.dues"
    label = "dues"
    verbose_name = _("党费")

    def ready(self):
        from dangwu.core import registries

        from . import rollups

        registries.rollup_specs.register(rollups.DUES)
