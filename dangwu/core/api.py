"""Core API: token login (with the TOTP code when two factors are required) and error answers
that never leak a stack trace."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_otp import match_token
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import access, audit, services


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到，或不在您的权限范围内"))
    return drf_exception_handler(exc, context)


class TokenLoginSerializer(serializers.Serializer):
    # As long as a username may be: axes records failed usernames in a varchar(255), so a longer
    # one answered 500 on PostgreSQL instead of 400.
    username = serializers.CharField(label=_("用户名"), max_length=150)
    password = serializers.CharField(label=_("密码"), max_length=4096, style={"input_type": "password"})
    otp = serializers.CharField(label=_("动态口令"), required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenLoginView(APIView):
    """POST {"username","password"[,"otp"]} → {"token"}. Failed attempts count toward lockout."""

    authentication_classes: list = []
    permission_classes: list = []
    dangwu_access = {"capability": None, "public": True}
    serializer_class = TokenLoginSerializer

    def post(self, request):
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        refused = exceptions.AuthenticationFailed(
            _("用户名、密码或动态口令错误（干部账号须同时提供 otp），或账号已被暂时锁定"))
        if user is None:
            raise refused
        code = data.validated_data.get("otp") or ""
        verified = bool(code) and match_token(user, code) is not None
        if access.needs_second_factor(user) and not verified:
            # The same answer as a wrong password, so that the answer does not confirm the
            # password; the failure counts toward the lockout like a wrong password.
            user_login_failed.send(sender=__name__, request=request._request,
                                   credentials={"username": data.validated_data["username"]})
            raise refused
        # As the login page does: axes resets the failure count (AXES_RESET_ON_SUCCESS) and Django
        # records last_login on this signal; without it earlier failures kept counting toward a lockout.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": services.issue_api_token(user=user, second_factor=verified,
                                                           origin=audit.origin_of(request._request))})
