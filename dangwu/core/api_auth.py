"""API authentication. Kept apart from views: DRF imports it while loading its own views."""

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
