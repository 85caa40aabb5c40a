"""API authentication. Kept apart from views: DRF imports it while loading its own views."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class OTPTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. A token is issued only after the second factor was
    checked (when required), so a request carrying one counts as verified. Each login issues
    a new token, and a token lives DANGWU_API_TOKEN_HOURS (12 by default), like a session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.otp_verified = True
            request.otp_verified = True
        return result

    def authenticate_credentials(self, key):
        if "\x00" in key:  # PostgreSQL refuses NUL in a text parameter: a 500 instead of 401
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(hours=settings.DANGWU_API_TOKEN_HOURS):
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        return user, token
