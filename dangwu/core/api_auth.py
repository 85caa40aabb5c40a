"""API authentication. Kept apart from views: DRF imports it while loading its own views."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class OTPTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`. A token is issued only after the second factor was
    checked, so a request carrying one counts as verified."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.otp_verified = True
            request.otp_verified = True
        return result

    def authenticate_credentials(self, key):
        if "\x00" in key:  # PostgreSQL refuses NUL in a text parameter: a 500 instead of 401
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(key)
