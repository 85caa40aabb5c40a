"""How a notice leaves the platform by a channel other than the inbox: one interface, a backend a
channel, the provider a setting (decision 0025).

- email: Django's own email backends (`EMAIL_BACKEND`: the console under `make run`, SMTP in a
  deployment by `DANGWU_EMAIL_BACKEND` and Django's `EMAIL_HOST` …, locmem in the tests), on when
  `DANGWU_NOTIFY_EMAIL`;
- SMS (短信) and WeChat template messages (微信模板消息): `DANGWU_SMS_BACKEND` and
  `DANGWU_WECHAT_BACKEND` name a class (dotted path) with the interface below; the default only
  logs what it would send, until a province names its provider's gateway.

A backend's `send(message)` returns when the provider took the message and raises when it did not;
`core.notify_delivery` retries what raised (`DANGWU_NOTIFY_RETRIES`) and records each delivery's
state. A backend is made once a task run (`backend_for`) and may keep a connection open.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

logger = logging.getLogger("dangwu.notify")


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a notice's email: a meeting's calendar invitation (`invite.ics`,
    "text/calendar"), a short document. Kept in the database with the notice: keep it small."""

    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Message:
    """One notice to one address by one channel, as a backend receives it."""

    channel: str
    to: str  # an email address, a mobile number, a WeChat openid
    kind: str
    title: str
    body: str = ""
    url: str = ""  # absolute when DANGWU_SITE_URL is set, else the site's path
    attachments: Sequence[Attachment] = field(default_factory=tuple)


class NotifyBackend:
    """The interface of every channel's backend."""

    channel = ""

    def send(self, message: Message) -> None:  # pragma: no cover - the interface
        raise NotImplementedError

    def close(self) -> None:
        """Called once the task run sent its messages."""


def _masked(address: str) -> str:
    return address[:3] + "***" + address[-2:] if len(address) > 6 else "***"


class LoggingBackend(NotifyBackend):
    """Sends nothing: logs the message (the address masked) on the `dangwu.notify` logger. The
    default of SMS and WeChat until a deployment names its provider."""

    def send(self, message: Message) -> None:
        logger.info("notice by %s to %s: %s", message.channel, _masked(message.to), message.title)


class EmailBackend(NotifyBackend):
    """A notice as an email through Django's email backend (one connection a task run)."""

    channel = "email"

    def __init__(self) -> None:
        self.connection = get_connection(fail_silently=False)

    def send(self, message: Message) -> None:
        body = message.body + (f"\n\n{message.url}" if message.url else "")
        email = EmailMessage(subject=message.title, body=body, to=[message.to], connection=self.connection)
        for attachment in message.attachments:
            email.attach(attachment.name, attachment.content, attachment.content_type)
        email.send()

    def close(self) -> None:
        self.connection.close()


def backend_for(channel: str) -> NotifyBackend:
    """The backend of a channel, as the settings name it."""
    if channel == "email":
        path = settings.DANGWU_NOTIFY_EMAIL_BACKEND
    elif channel == "sms":
        path = settings.DANGWU_SMS_BACKEND
    elif channel == "wechat":
        path = settings.DANGWU_WECHAT_BACKEND
    else:
        raise ValueError(f"unknown notification channel {channel!r}")
    backend = import_string(path)()
    backend.channel = channel
    return backend  # type: ignore[no-any-return]
