"""Logins, failed logins and logouts go into the audit log (等保: 身份鉴别 events are audited)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import services
from .audit import origin_of


@receiver(user_logged_in, dispatch_uid="dangwu.audit.login")
def _logged_in(sender, request, user, **kwargs):
    services.record_login(user=user, origin=origin_of(request))


@receiver(user_login_failed, dispatch_uid="dangwu.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    services.record_login_failure(username=str(credentials.get("username", "")), origin=origin_of(request))


@receiver(user_logged_out, dispatch_uid="dangwu.audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        services.record_logout(user=user, origin=origin_of(request))
