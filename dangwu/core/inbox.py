"""A person's notices (站内信): the inbox, its unread count, read marks and the channels they chose.

Reads of one's own rows only: every query here is filtered to the user, so that another person's
notice answers 404 (`access.get_in_scope_or_404` over `inbox_of`). Marking a notice read is the
person's own reading state, kept on the row as its read receipt (`read_at`, the first opening):
not an audited write (decision 0025).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from . import registries
from .models import Channel, Notification, NotificationPreference


def inbox_of(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notices, newest first (the unique index on user and notice serves it)."""
    rows = Notification.objects.filter(user=user).select_related("notice", "notice__organization")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-notice_id")


def labelled(rows: Iterable[Notification]) -> list[Notification]:
    """The rows, each with `kind_label`: the label its app registered for the notice's kind."""
    kinds = {kind.key: kind.label for kind in registries.notification_kinds}
    rows = list(rows)
    for row in rows:
        row.kind_label = kinds.get(row.notice.kind, row.notice.kind)  # type: ignore[attr-defined]
    return rows


def unread_count(*, user: User) -> int:
    """How many of the user's notices are unread: one count over a partial index of unread rows."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, user: User, notification: Notification) -> bool:
    """Mark one of the user's notices read (the first time only); answers whether it was unread."""
    marked = Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(
        read_at=timezone.now())
    return bool(marked)


def mark_all_read(*, user: User) -> int:
    """Mark every unread notice of the user read; answers how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def channels_of(*, user: User) -> dict[str, dict[str, tuple[bool, bool]]]:
    """For each registered kind and channel: (whether the user gets it, whether they may change it)."""
    stored = {(kind, channel): enabled for kind, channel, enabled in NotificationPreference.objects.filter(
        user=user).values_list("kind", "channel", "enabled")}
    out: dict[str, dict[str, tuple[bool, bool]]] = {}
    for kind in registries.notification_kinds:
        out[kind.key] = {}
        for channel in Channel.values:
            default = channel in kind.channels
            locked = default and not kind.optional
            out[kind.key][channel] = (True if locked else stored.get((kind.key, channel), default), not locked)
    return out
