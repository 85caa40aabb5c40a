from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dangwu.members"
    label = "members"
    verbose_name = _("党员")

    def ready(self):
        from dangwu.core import registries

        from . import rollups

        registries.rollup_specs.register(rollups.STRUCTURE)
        registries.rollup_repairs.register(rollups.ORG_PATHS)
