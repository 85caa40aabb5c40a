"""Pages of a person's notices: the inbox, one notice, read marks and the channels they choose.

Every logged-in person has them; each reads only the person's own rows (`core.inbox`), so another
person's notice answers 404 (and the attempt is audited, as any reach outside one's scope)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, inbox, notifications, registries
from .audit import origin_of
from .models import Channel
from .pagination import CappedPaginator


@access.page()
def inbox_view(request):
    unread_only = request.GET.get("unread") == "1"
    rows = inbox.inbox_of(user=request.user, unread_only=unread_only)
    page = CappedPaginator(rows, 20).get_page(request.GET.get("page"))
    page.object_list = inbox.labelled(page.object_list)
    return render(request, "core/notifications/inbox.html", {"page": page, "unread_only": unread_only})


def _own(request, pk: int):
    return access.get_in_scope_or_404(request, inbox.inbox_of(user=request.user), pk=pk)


@access.page()
def notification_view(request, pk: int):
    """One notice: opening it marks it read; its link leads to the page it is about."""
    notification = _own(request, pk)
    inbox.mark_read(user=request.user, notification=notification)
    kind = registries.notification_kinds.get(notification.notice.kind)
    url = notification.notice.url
    safe = url if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}) else ""
    return render(request, "core/notifications/notice.html", {
        "notification": notification, "notice": notification.notice, "kind": kind, "url": safe})


@access.page()
@require_POST
def notification_read_view(request, pk: int):
    inbox.mark_read(user=request.user, notification=_own(request, pk))
    return redirect("core:notifications")


@access.page()
@require_POST
def notifications_read_all_view(request):
    marked = inbox.mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": marked})
    return redirect("core:notifications")


@access.page()
def notification_preferences_view(request):
    """Which channels a person gets each kind of notice by (the inbox always)."""
    current = inbox.channels_of(user=request.user)
    if request.method == "POST":
        choices = {(kind, channel): f"{kind}:{channel}" in request.POST.getlist("on")
                   for kind, channels in current.items() for channel, (_on, changeable) in channels.items()
                   if changeable}
        changed = notifications.set_notification_preferences(user=request.user, choices=choices,
                                                             origin=origin_of(request))
        messages.success(request, _("已保存通知接收方式") if changed else _("接收方式没有变化"))
        return redirect("core:notification_preferences")
    rows = [(kind, [(channel, *current[kind.key][channel]) for channel in Channel])
            for kind in registries.notification_kinds]
    return render(request, "core/notifications/preferences.html", {
        "rows": rows, "channels": list(Channel), "email": request.user.email})
