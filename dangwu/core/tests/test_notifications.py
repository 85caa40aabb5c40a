"""The notification service (`core.notifications.notify`, decision 0025): the fan-out, its audit
entry, the channels each person chose, the email with its calendar invitation, and the background
sending with retries on the production worker."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from dangwu import testing
from dangwu.core import inbox, notifications, registries
from dangwu.core.models import AuditEntry, Delivery, Notice, Notification, NotificationPreference
from dangwu.core.notifications import Attachment, notify

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def kinds():
    """Two kinds as apps register them: a meeting notice by email (people may turn it off) and an
    urgent notice by SMS (they may not)."""
    meeting = registries.NotificationKind("test.meeting", "会议通知", channels=("email",))
    urgent = registries.NotificationKind("test.urgent", "紧急通知", channels=("sms",), optional=False)
    for kind in (meeting, urgent):
        registries.notification_kinds.register(kind)
    yield meeting, urgent
    for kind in (meeting, urgent):
        registries.notification_kinds.unregister(kind.key)


def _users(n: int, **fields):
    return [User.objects.create_user(username=f"u{i}", email=f"u{i}@example.org", **fields) for i in range(n)]


def test_one_notice_reaches_each_active_account_once_with_one_audit_entry(kinds):
    alice, bob, carol = _users(3)
    carol.is_active = False
    carol.save()
    before = AuditEntry.objects.count()

    notice = notify(kind="test.meeting", recipients=[alice, bob, alice, carol, bob.pk], title="支部党员大会通知",
                    body="周五下午三点", url="/orgs/")

    assert notice.recipient_count == 2
    assert sorted(Notification.objects.filter(notice=notice).values_list("user_id", flat=True)) == [alice.pk, bob.pk]
    assert AuditEntry.objects.count() == before + 1
    entry = testing.last_audit_entry()
    assert entry.action == "notice.send" and entry.target_id == str(notice.pk)
    assert entry.summary == {"kind": "test.meeting", "recipients": 2, "channels": {"email": 2}, "attachments": 0}
    assert "支部党员大会" not in entry.target_repr  # the entry names the notice, not what it says


def _statements(**kwargs) -> tuple[Notice, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        notice = notify(kind="test.meeting", title="通知", **kwargs)
    return notice, len(queries)


def test_a_queryset_of_user_ids_fans_out_set_based(kinds):
    """As many statements for 3 recipients as for 30 (or 900,000): none a recipient."""
    users = _users(31)
    User.objects.filter(pk=users[0].pk).update(is_active=False)
    _statements(recipients=users[1:2])  # the audit chain's first entry writes its head row
    few, few_statements = _statements(recipients=User.objects.filter(pk__in=[u.pk for u in users[:4]]).values("pk"))
    many, many_statements = _statements(recipients=User.objects.filter(username__startswith="u").values("pk"))
    assert (few.recipient_count, many.recipient_count) == (3, 30)
    assert few_statements == many_statements
    assert Notification.objects.filter(notice=many).count() == 30
    assert Delivery.objects.filter(notice=many, channel="email").count() == 30
    listed, listed_statements = _statements(recipients=users)  # a list: batches of BATCH ids, not one a user
    assert listed.recipient_count == 30 and listed_statements == many_statements


def test_a_queryset_naming_an_account_twice_gives_it_one_row(kinds, people):
    """A queryset of ids through a join (the members of two branches, one person in both)."""
    twice = User.objects.filter(pk__in=[people["plain"].pk, people["secretary"].pk]).values("pk")
    doubled = User.objects.filter(role_assignments__isnull=False) | User.objects.filter(pk__in=twice)
    notice = notify(kind="test.meeting", recipients=doubled, title="通知")
    assert notice.recipient_count == Notification.objects.filter(notice=notice).count()
    assert Notification.objects.filter(notice=notice, user=people["secretary"]).count() == 1


def test_a_queryset_of_members_themselves_is_refused_and_their_user_ids_are_taken(kinds, people):
    """`Member.objects…` (its ids are not accounts' ids) would reach the wrong people: refused;
    `.values("user_id")` of the same members reaches their accounts."""
    from dangwu.members.models import Member

    members = Member.objects.filter(organization=people["m_plain"].organization)
    with pytest.raises(ValueError):
        notify(kind="test.meeting", recipients=members, title="通知")
    notice = notify(kind="test.meeting", recipients=members.values("user_id"), title="通知")
    assert set(Notification.objects.filter(notice=notice).values_list("user_id", flat=True)) == {
        people["plain"].pk, people["secretary"].pk}


def test_bad_input_names_the_field_and_writes_nothing(kinds):
    (alice,) = _users(1)
    for fields, field in (({"title": ""}, "title"), ({"title": "a\x00b"}, "title"),
                          ({"title": "t", "url": "https://evil.example/"}, "url"),
                          ({"title": "t", "url": "//evil.example/"}, "url"),
                          ({"title": "t", "attachments": [Attachment("a.ics", "text/calendar", b"x" * 2_000_000)]},
                           "attachments")):
        with pytest.raises(ValidationError) as caught:
            notify(kind="test.meeting", recipients=[alice], **fields)
        assert field in caught.value.message_dict
    with pytest.raises(ValueError):
        notify(kind="nobody.registered", recipients=[alice], title="t")
    assert not Notice.objects.exists() and not AuditEntry.objects.filter(action="notice.send").exists()


def test_preferences_choose_the_channels(kinds):
    alice, bob, carol = _users(3)
    # alice turns the meeting email off and SMS on; bob tries to turn the urgent SMS off (not allowed)
    assert notifications.set_notification_preferences(
        user=alice, choices={("test.meeting", "email"): False, ("test.meeting", "sms"): True}) == 2
    assert notifications.set_notification_preferences(user=bob, choices={("test.urgent", "sms"): False}) == 0
    assert AuditEntry.objects.filter(action="notice.preferences_change").count() == 1
    assert inbox.channels_of(user=alice)["test.meeting"] == {"email": (False, True), "sms": (True, True),
                                                            "wechat": (False, True)}
    assert inbox.channels_of(user=bob)["test.urgent"]["sms"] == (True, False)

    meeting = notify(kind="test.meeting", recipients=[alice, bob, carol], title="会议")
    urgent = notify(kind="test.urgent", recipients=[alice, bob, carol], title="紧急")
    got = set(Delivery.objects.values_list("notice_id", "user_id", "channel"))
    assert got == {(meeting.pk, bob.pk, "email"), (meeting.pk, carol.pk, "email"), (meeting.pk, alice.pk, "sms"),
                   (urgent.pk, alice.pk, "sms"), (urgent.pk, bob.pk, "sms"), (urgent.pk, carol.pk, "sms")}
    # back to the default: no row kept
    notifications.set_notification_preferences(user=alice, choices={("test.meeting", "email"): True})
    assert set(NotificationPreference.objects.filter(user=alice).values_list("channel", flat=True)) == {"sms"}
    with pytest.raises(ValidationError):
        notifications.set_notification_preferences(user=alice, choices={("nobody.kind", "email"): True})


def test_no_email_when_it_is_off_or_the_account_has_no_address(kinds, settings):
    (alice,) = _users(1)
    nobody = User.objects.create_user(username="no_mail")
    notify(kind="test.meeting", recipients=[alice, nobody], title="会议")
    assert list(Delivery.objects.values_list("user_id", flat=True)) == [alice.pk]
    settings.DANGWU_NOTIFY_EMAIL = False
    notify(kind="test.meeting", recipients=[alice, nobody], title="会议")
    assert Delivery.objects.count() == 1


# A calendar invitation as the organizational-life app makes one (with `icalendar`), written out here.
INVITATION = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dangwu//test//\r\nMETHOD:REQUEST\r\n"
              "BEGIN:VEVENT\r\nUID:meeting-1@dangwu\r\nDTSTART:20261204T070000Z\r\nSUMMARY:支部党员大会\r\n"
              "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_the_email_goes_out_through_django_with_the_calendar_invitation(kinds, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.DANGWU_SITE_URL = "https://dangwu.example.gov.cn"
    alice, bob = _users(2)
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(kind="test.meeting", recipients=[alice, bob], title="支部党员大会通知", body="请准时参加",
                        url="/orgs/1/", attachments=[Attachment("invite.ics", "text/calendar", INVITATION)])
    assert sorted(m.to[0] for m in mail.outbox) == ["u0@example.org", "u1@example.org"]
    message = mail.outbox[0]
    assert message.subject == "支部党员大会通知"
    assert "请准时参加" in message.body and "https://dangwu.example.gov.cn/orgs/1/" in message.body
    (name, content, kind), = message.attachments
    assert name == "invite.ics" and kind == "text/calendar"
    assert (content.encode() if isinstance(content, str) else content) == INVITATION
    raw = message.message().as_bytes()  # the MIME message as it leaves: the invitation is a part of it
    assert b'Content-Type: text/calendar' in raw and b'filename="invite.ics"' in raw
    assert set(Delivery.objects.filter(notice=notice).values_list("status", "attempts")) == {("sent", 1)}


class FlakyBackend:
    """Fails every message to an address that starts with "fail", sends the others."""

    sent: list[str] = []

    def send(self, message):
        if message.to.startswith("fail"):
            raise ConnectionError("the SMS gateway did not answer")
        FlakyBackend.sent.append(message.to)

    def close(self):
        pass


def test_a_failing_backend_is_retried_then_failed_without_stopping_the_worker(
        kinds, settings, database_worker, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    settings.DANGWU_SMS_BACKEND = f"{__name__}.FlakyBackend"
    settings.DANGWU_NOTIFY_RETRIES = 2
    settings.DANGWU_NOTIFY_RETRY_SECONDS = 0
    FlakyBackend.sent = []
    good, bad, none = _users(3)
    numbers = {good.pk: "13800138000", bad.pk: "fail-13900139000"}
    members_provider = registries.phone_numbers._provider
    registries.phone_numbers.provide(lambda *, user_ids: {k: v for k, v in numbers.items() if k in user_ids})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notice = notify(kind="test.urgent", recipients=[good, bad, none], title="紧急通知")
        database_worker()  # runs every task, the retries it queues too, then returns
    finally:
        registries.phone_numbers._provider = members_provider
    states = {d.user_id: (d.status, d.attempts) for d in Delivery.objects.filter(notice=notice)}
    assert states == {good.pk: ("sent", 1), bad.pk: ("failed", 3), none.pk: ("skipped", 0)}
    assert "ConnectionError: the SMS gateway did not answer" in Delivery.objects.get(user=bad).last_error
    assert FlakyBackend.sent == ["13800138000"]
    results = DBTaskResult.objects.filter(task_path__endswith="send_deliveries")
    assert results.count() == 3 and set(results.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_inbox_reads_and_marks_only_ones_own(kinds):
    alice, bob = _users(2)
    first = notify(kind="test.meeting", recipients=[alice, bob], title="一")
    notify(kind="test.meeting", recipients=[alice], title="二")
    assert inbox.unread_count(user=alice) == 2 and inbox.unread_count(user=bob) == 1
    assert [row.notice.title for row in inbox.inbox_of(user=alice)] == ["二", "一"]
    bobs = Notification.objects.get(user=bob, notice=first)
    assert not inbox.mark_read(user=alice, notification=bobs)  # not hers: nothing marked
    assert inbox.unread_count(user=bob) == 1
    assert inbox.mark_all_read(user=alice) == 2 and inbox.unread_count(user=alice) == 0
    assert inbox.mark_read(user=bob, notification=bobs) and not inbox.mark_read(user=bob, notification=bobs)


class RecordingBackend:
    sent: list = []

    def send(self, message):
        RecordingBackend.sent.append(message)

    def close(self):
        pass


def test_an_sms_goes_to_the_mobile_number_on_the_member_record(kinds, people, settings,
                                                               django_capture_on_commit_callbacks):
    """The members app answers `registries.phone_numbers`; an account without a number is skipped."""
    settings.DANGWU_SMS_BACKEND = f"{__name__}.RecordingBackend"
    RecordingBackend.sent = []
    member = people["m_plain"]
    member.set_phone("13812345678")
    member.save()
    type(member).objects.filter(pk=people["m_sec"].pk).update(phone_encrypted="", phone_masked="")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(kind="test.urgent", recipients=[people["plain"], people["secretary"]], title="紧急通知",
                        url="/dues/")
    assert [(m.channel, m.to, m.title, m.url) for m in RecordingBackend.sent] == [
        ("sms", "13812345678", "紧急通知", "/dues/")]
    assert dict(Delivery.objects.filter(notice=notice).values_list("user_id", "status")) == {
        people["plain"].pk: "sent", people["secretary"].pk: "skipped"}


def test_a_retry_waits_its_delay_on_a_backend_that_can_defer(kinds, settings, database_worker,
                                                              django_capture_on_commit_callbacks):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.DANGWU_SMS_BACKEND = f"{__name__}.FlakyBackend"
    settings.DANGWU_NOTIFY_RETRY_SECONDS = 60
    (bad,) = _users(1)
    members_provider = registries.phone_numbers._provider
    registries.phone_numbers.provide(lambda *, user_ids: {bad.pk: "fail-1"})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notice = notify(kind="test.urgent", recipients=[bad], title="紧急通知")
        database_worker()  # the first round; the retry is not due yet
    finally:
        registries.phone_numbers._provider = members_provider
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    waiting = DBTaskResult.objects.get(status="READY", task_path__endswith="send_deliveries")
    assert waiting.args_kwargs["args"] == [notice.pk, "sms", 1]
    assert 50 < (waiting.run_after - timezone.now()).total_seconds() <= 60
