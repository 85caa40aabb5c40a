"""Session lifetime: 30 idle minutes (SESSION_COOKIE_AGE, renewed on each request) and
12 hours in all since login, whatever the activity."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

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
                    return redirect(f"{settings.LOGIN_URL and '/accounts/login/'}?expired=1")
        return self.get_response(request)
