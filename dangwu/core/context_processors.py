"""What every page of a logged-in person shows from core: the unread notices' count in the header."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from . import inbox


def _unread(request) -> int:
    # Once a request, and only when a page draws the header (not for fragments and downloads).
    if not hasattr(request, "_dangwu_unread"):
        request._dangwu_unread = inbox.unread_count(user=request.user)
    return request._dangwu_unread


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: _unread(request)),
        # the badge: "" with nothing unread, "99+" past 99 (it must fit beside the bell on a phone)
        "unread_notifications_badge": SimpleLazyObject(
            lambda: "" if not _unread(request) else ("99+" if _unread(request) > 99 else str(_unread(request)))),
    }
