"""The platform's one notification service (通知): every app that tells people something calls
`notify` (decision 0025).

    from dangwu.core.notifications import Attachment, notify

    notify(kind="orglife.meeting", recipients=attendees_user_ids, title=_("会议通知：…"), body=…,
           url=meeting_url, organization=branch, actor=secretary,
           attachments=[Attachment("invite.ics", "text/calendar", ics_bytes)])

The kind is registered by the calling app in its hooks (`registries.notification_kinds`: label,
default channels, whether a person may turn it off). `notify` writes, in one transaction with one
audit entry (`notice.send`: the kind and the counts, no personal data):

- the notice, once;
- one inbox row a recipient (the rows are the inbox: nothing more to send), by one
  `INSERT … SELECT` from the recipients' query — a city's 900,000 members are never loaded into
  Python. Each active account gets exactly one row however often it is named; inactive accounts
  none. A list of users or ids is inserted the same way in batches of `BATCH` ids;
- one delivery row a recipient and other channel they get this kind by (the kind's default
  channels and their preferences, `NotificationPreference`), again set-based;

and, once the transaction commits, queues a background task a channel (`core.notify_delivery`)
that sends them, retries and records each one's state: sending never blocks the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from . import audit, registries
from .audit import Origin, audited
from .inbox import channels_of
from .models import (
    AuditAction,
    Channel,
    Delivery,
    Notice,
    NoticeAttachment,
    Notification,
    NotificationPreference,
)
from .notify_backends import Attachment
from .text import REFUSED_IN_LINE, storable

__all__ = ["Attachment", "notify", "channels_of", "set_notification_preferences"]

BATCH = 5000  # ids a statement, when the recipients come as a list
MAX_ATTACHMENT_BYTES = 1024 * 1024


def _kind(kind: str) -> registries.NotificationKind:
    found = registries.notification_kinds.get(kind)
    if found is None:
        raise ValueError(f"unknown notification kind {kind!r}: register it in registries.notification_kinds")
    return found


def _checked(*, title: str, body: str, url: str, attachments: Sequence[Attachment]) -> tuple[str, str, str]:
    errors: dict[str, list[Any]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("通知须有标题")]
    elif len(title) > 200 or REFUSED_IN_LINE.search(title):
        errors["title"] = [_("标题不超过 200 字，且不能含控制字符或换行")]
    # Only the site's own pages: a notice must not send people to another site.
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > 500):
        errors["url"] = [_("通知的链接须是本平台的页面")]
    if any(len(a.content) > MAX_ATTACHMENT_BYTES for a in attachments):
        errors["attachments"] = [_("通知的附件不能超过 1 MB")]
    if errors:
        raise ValidationError(errors)
    return title, storable(body or ""), url


def _recipient_ids(recipients: QuerySet[Any] | Iterable[Any]) -> list[QuerySet[Any]]:
    """The recipients as queries of active accounts' ids, each with no account twice: the query
    itself (a queryset of users, or of user ids such as `members.values("user_id")`), or the ids of
    a list of users in batches."""
    user_model = get_user_model()
    active = user_model._default_manager.filter(is_active=True).order_by()
    if isinstance(recipients, QuerySet):
        if recipients.model is user_model and len(recipients.query.alias_map) <= 1 and not recipients.query.distinct:
            # users from their own table alone: each once already, no semi-join needed
            return [recipients.filter(is_active=True).order_by().values(recipient=F("pk"))]
        if recipients.model is not user_model and len(getattr(recipients, "_fields", None) or ()) != 1:
            # a queryset of members would be read as their own ids: a notice to the wrong people
            raise ValueError("recipients: a queryset of users, or of one column of user ids (.values('user_id'))")
        ids = recipients.values("pk") if recipients.model is user_model else recipients
        return [active.filter(pk__in=ids.order_by()).values(recipient=F("pk"))]
    wanted = sorted({getattr(r, "pk", r) for r in recipients if r is not None})
    return [active.filter(pk__in=wanted[i:i + BATCH]).values(recipient=F("pk")) for i in range(0, len(wanted), BATCH)]


def _insert_inbox_rows(notice: Notice, sources: list[QuerySet[Any]]) -> int:
    inbox = Notification._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        for source in sources:
            sql, params = source.query.sql_with_params()
            cursor.execute(f"INSERT INTO {inbox} (notice_id, user_id) SELECT %s, r.recipient FROM ({sql}) r",
                           [notice.pk, *params])
            count += max(cursor.rowcount, 0)
    return count


def _channels_on() -> list[str]:
    return [c for c in Channel.values if c != Channel.EMAIL or settings.DANGWU_NOTIFY_EMAIL]


def _insert_deliveries(notice: Notice, kind: registries.NotificationKind) -> dict[str, int]:
    """One delivery a recipient for each channel they get this kind by: the default channels unless
    they turned one off (where the kind allows it), read from the inbox rows; the others where they
    turned one on, read from the few preference rows that say so (a notice to a city does not probe
    a preference a recipient). Email only to accounts with an address."""
    inbox, deliveries = Notification._meta.db_table, Delivery._meta.db_table
    preferences, users = NotificationPreference._meta.db_table, get_user_model()._meta.db_table
    user_pk = get_user_model()._meta.pk.column
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for channel in _channels_on():
            params: list[Any] = [channel, Delivery.Status.QUEUED]
            if channel not in kind.channels:  # only those who chose it
                source = (f"{preferences} p JOIN {inbox} n ON n.user_id = p.user_id AND n.notice_id = %s")
                where = " WHERE p.kind = %s AND p.channel = %s AND p.enabled = %s"
                params += [notice.pk, kind.key, channel, True]
            else:
                source, where = f"{inbox} n", " WHERE n.notice_id = %s"
                params.append(notice.pk)
                if kind.optional:  # but those who turned it off
                    where += (f" AND NOT EXISTS (SELECT 1 FROM {preferences} p WHERE p.user_id = n.user_id "
                              "AND p.kind = %s AND p.channel = %s AND p.enabled = %s)")
                    params += [kind.key, channel, False]
            if channel == Channel.EMAIL:
                source += f" JOIN {users} u ON u.{user_pk} = n.user_id AND u.email <> ''"
            cursor.execute(
                f"INSERT INTO {deliveries} (notice_id, user_id, channel, status, attempts, last_error) "
                f"SELECT n.notice_id, n.user_id, %s, %s, 0, '' FROM {source}{where}", params)
            if cursor.rowcount > 0:
                counts[channel] = cursor.rowcount
    return counts


@audited(AuditAction.NOTICE_SEND)
def notify(*, kind: str, recipients: QuerySet[Any] | Iterable[Any], title: str, body: str = "", url: str = "",
           organization: Any = None, actor: User | None = None, attachments: Sequence[Attachment] = (),
           origin: Origin | None = None) -> Notice:
    """Send a notice of a registered `kind` to `recipients` — a queryset of users or of user ids
    (`Member.objects.filter(…).values("user_id")`), or a list of users or ids — into their inboxes
    and by the other channels each one gets this kind by (queued: sent by a background task once
    this transaction commits). `url` is a page of this site the notice opens; `attachments` go with
    the email. Answers the notice (`recipient_count`: how many inboxes it reached).

    ValidationError names the field for a bad title, link or attachment; ValueError for a kind no
    app registered (a programming error, not input)."""
    registered = _kind(kind)
    title, body, url = _checked(title=title, body=body, url=url, attachments=attachments)
    notice = Notice.objects.create(kind=kind, title=title, body=body, url=url, organization=organization,
                                   actor=actor if getattr(actor, "is_authenticated", False) else None)
    NoticeAttachment.objects.bulk_create(
        NoticeAttachment(notice=notice, name=storable(a.name)[:200], content_type=a.content_type[:100],
                         content=a.content) for a in attachments)
    notice.recipient_count = _insert_inbox_rows(notice, _recipient_ids(recipients))
    Notice.objects.filter(pk=notice.pk).update(recipient_count=notice.recipient_count)
    queued = _insert_deliveries(notice, registered) if notice.recipient_count else {}
    audit.record(actor=actor, action=AuditAction.NOTICE_SEND, target=notice, organization=organization,
                 summary={"kind": kind, "recipients": notice.recipient_count, "channels": queued,
                          "attachments": len(attachments)}, origin=origin)
    if queued:
        from .notify_delivery import queue_sending

        transaction.on_commit(lambda: queue_sending(notice_id=notice.pk, channels=sorted(queued)))
    return notice


# --- preferences (通知接收方式) ------------------------------------------------------------------

@audited(AuditAction.NOTICE_PREFERENCES_CHANGE, noop_allowed=True)
def set_notification_preferences(*, user: User, choices: Mapping[tuple[str, str], bool],
                                 origin: Origin | None = None) -> int:
    """Keep the user's choices of (kind, channel) → receive or not; a choice equal to the kind's
    default keeps no row, a default channel the kind does not let people turn off is left on.
    Answers how many choices changed (audited when any did)."""
    current = channels_of(user=user)
    changed: list[str] = []
    for (kind_key, channel), wanted in choices.items():
        kind = registries.notification_kinds.get(kind_key)
        if kind is None or channel not in Channel.values:
            raise ValidationError({"choices": [_("未知的通知类别或渠道")]})
        enabled, changeable = current[kind_key][channel]
        if not changeable or enabled == bool(wanted):
            continue
        if bool(wanted) == (channel in kind.channels):
            NotificationPreference.objects.filter(user=user, kind=kind_key, channel=channel).delete()
        else:
            NotificationPreference.objects.update_or_create(user=user, kind=kind_key, channel=channel,
                                                            defaults={"enabled": bool(wanted)})
        changed.append(f"{kind_key}:{channel}={'on' if wanted else 'off'}")
    if changed:
        audit.record(actor=user, action=AuditAction.NOTICE_PREFERENCES_CHANGE, target=user,
                     summary={"changes": changed}, origin=origin)
    return len(changed)
