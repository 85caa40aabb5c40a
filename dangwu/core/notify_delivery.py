"""Sending a notice by email, SMS and WeChat in the background, with retries (decision 0025).

`notify` writes a `Delivery` row a recipient and channel and, once its transaction commits, queues
`send_deliveries(notice_id, channel)`. The task sends the channel's queued deliveries in batches
of `BATCH` (the addresses of a batch read in one query), each through the channel's backend
(`core.notify_backends`):

- sent: the row says so, with the time;
- no address (no email, no mobile number on the member record, no WeChat binding): skipped;
- the backend raised: the row counts the attempt and keeps the error; it stays queued while it has
  had no more than `DANGWU_NOTIFY_RETRIES` retries, and the task queues itself again
  `DANGWU_NOTIFY_RETRY_SECONDS` later (doubling each round) for those; after that it is failed.

A backend's failure never fails the task (the worker goes on, the other deliveries are sent); an
unexpected error becomes `core.tasks.TaskFailed` and the queued rows wait for the next round.
Deliveries are the notice's bookkeeping: not audited (the notice was, when sent).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from . import registries
from .models import Channel, Delivery, Notice
from .notify_backends import Attachment, Message, backend_for
from .tasks import task
from .text import storable

logger = logging.getLogger("dangwu.notify")

BATCH = 500


def queue_sending(*, notice_id: int, channels: list[str], round_: int = 0) -> None:
    """Queue the sending of a notice's queued deliveries, one task a channel (later for a retry,
    where the task backend can defer a task)."""
    for channel in channels:
        runner: Any = send_deliveries
        delay = settings.DANGWU_NOTIFY_RETRY_SECONDS * (2 ** max(round_ - 1, 0)) if round_ else 0
        if delay > 0 and runner.get_backend().supports_defer:
            runner = runner.using(run_after=timezone.now() + timedelta(seconds=delay))
        runner.enqueue(notice_id, channel, round_)


def _addresses(channel: str, user_ids: list[int]) -> dict[int, str]:
    if channel == Channel.EMAIL:
        return dict(get_user_model()._default_manager.filter(pk__in=user_ids).exclude(email="")
                    .values_list("pk", "email"))
    if channel == Channel.SMS:
        return dict(registries.phone_numbers(user_ids=user_ids) or {})
    return dict(registries.wechat_openids(user_ids=user_ids) or {})


def _link(url: str) -> str:
    return f"{settings.DANGWU_SITE_URL}{url}" if url else ""


@task()
def send_deliveries(notice_id: int, channel: str, round_: int = 0) -> dict[str, int]:
    """Send the notice's queued deliveries by one channel; answers the counts of this round."""
    return send_queued(notice_id=notice_id, channel=channel, round_=round_)


def send_queued(*, notice_id: int, channel: str, round_: int = 0) -> dict[str, int]:
    notice = Notice.objects.filter(pk=notice_id).first()
    counts = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    if notice is None:
        return counts
    attachments = [Attachment(a.name, a.content_type, bytes(a.content)) for a in notice.attachments.all()]
    backend = backend_for(channel)
    last = 0
    try:
        while True:
            batch = list(Delivery.objects.filter(notice_id=notice_id, channel=channel, status=Delivery.Status.QUEUED,
                                                 pk__gt=last).order_by("pk").values_list("pk", "user_id")[:BATCH])
            if not batch:
                break
            last = batch[-1][0]
            addresses = _addresses(channel, [user_id for _pk, user_id in batch])
            sent, skipped = [], []
            for pk, user_id in batch:
                address = addresses.get(user_id)
                if not address:
                    skipped.append(pk)
                    continue
                message = Message(channel=channel, to=address, kind=notice.kind, title=notice.title,
                                  body=notice.body, url=_link(notice.url), attachments=attachments)
                try:
                    backend.send(message)
                except Exception as exc:  # a provider's failure: this delivery waits for the next round
                    counts[_failed(pk, exc)] += 1
                else:
                    sent.append(pk)
            now = timezone.now()
            Delivery.objects.filter(pk__in=sent).update(status=Delivery.Status.SENT, sent_at=now,
                                                        attempts=F("attempts") + 1)
            Delivery.objects.filter(pk__in=skipped).update(status=Delivery.Status.SKIPPED)
            counts["sent"] += len(sent)
            counts["skipped"] += len(skipped)
    finally:
        backend.close()
    if counts["retry"]:
        queue_sending(notice_id=notice_id, channels=[channel], round_=round_ + 1)
    return counts


def _failed(pk: int, exc: Exception) -> str:
    """Count a failed attempt of one delivery: "retry" while it has retries left, else "failed"."""
    logger.warning("notice delivery %s failed: %s", pk, exc)
    error = storable(f"{type(exc).__name__}: {exc}")[:500]
    delivery = Delivery.objects.get(pk=pk)
    attempts = delivery.attempts + 1
    status = Delivery.Status.QUEUED if attempts <= settings.DANGWU_NOTIFY_RETRIES else Delivery.Status.FAILED
    Delivery.objects.filter(pk=pk).update(attempts=attempts, last_error=error, status=status)
    return "retry" if status == Delivery.Status.QUEUED else "failed"
