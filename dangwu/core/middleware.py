"""Request guards: NUL characters refused at the door; session lifetime of 30 idle minutes
(SESSION_COOKIE_AGE, renewed on each request) and 12 hours in all since login."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, resolve_url
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    """A NUL character in a query parameter is never meaningful, and PostgreSQL refuses it in
    text: answer 400 for every page and API route rather than let it reach a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in value for _key, values in request.GET.lists() for value in values
        ):
            if request.path.startswith("/api/"):  # JSON for programs, as the schema documents (core.schema)
                from .views import api_error

                return api_error(_("请求参数中含有非法字符"), status=400)
            return HttpResponseBadRequest(_("请求参数中含有非法字符"))
        return self.get_response(request)

_STARTED = "dangwu_session_started"


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(_STARTED)
            now = time.time()
            if started is None:
                request.session[_STARTED] = now
            elif now - started > settings.DANGWU_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if not request.path.startswith("/api/"):
                    return redirect(f"{resolve_url(settings.LOGIN_URL)}?expired=1")
        return self.get_response(request)
