"""API authentication. Kept apart from views: DRF imports it while loading its own views."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class OTPTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. A token records whether its login checked the second factor
    (`core.ApiTokenFactor`), and each request compares that with what the account needs now: a
    token issued on the password alone to someone who has since become a cadre (or before
    DANGWU_REQUIRE_2FA was turned on) is revoked and refused. Each login issues a new token, and
    a token lives DANGWU_API_TOKEN_HOURS (12 by default), like a session."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            verified = bool(getattr(result[1], "_dangwu_second_factor", False))
            request._request.otp_verified = verified
            request.otp_verified = verified
        return result

    def authenticate_credentials(self, key):
        from dangwu.core import access, services
        from dangwu.core.models import ApiTokenFactor

        if "\x00" in key:  # PostgreSQL refuses NUL in a text parameter: a 500 instead of 401
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(hours=settings.DANGWU_API_TOKEN_HOURS):
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        verified = ApiTokenFactor.objects.filter(token=token, second_factor=True).exists()
        if access.needs_second_factor(user) and not verified:
            services.revoke_insufficient_api_tokens(user=user)
            raise exceptions.AuthenticationFailed(
                _("该令牌签发时未验证动态口令，而账号现须验证：令牌已吊销，请带动态口令（otp）重新获取。"))
        token._dangwu_second_factor = verified
        return user, token
