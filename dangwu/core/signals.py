"""Logins, failed logins and logouts go into the audit log (等保: 身份鉴别 events are audited)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="dangwu.audit.login")
def _logged_in(sender, request, user, **kwargs):
    services.record_login_event(event="login", user=user, username=user.get_username(), request=request)


@receiver(user_login_failed, dispatch_uid="dangwu.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    services.record_login_event(event="login_failed", user=None, username=str(credentials.get("username", "")),
                                request=request)


@receiver(user_logged_out, dispatch_uid="dangwu.audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        services.record_login_event(event="logout", user=user, username=user.get_username(), request=request)
