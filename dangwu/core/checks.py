"""System checks: settings that would otherwise fail on the first write."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def audit_hash_algorithm(app_configs, **kwargs):
    if settings.DANGWU_AUDIT_HASH not in {"sha256", "sm3"}:
        return [Error(f"DANGWU_AUDIT_HASH is {settings.DANGWU_AUDIT_HASH!r}", hint="use 'sha256' or 'sm3'",
                      id="dangwu.E001")]
    return []
