"""谈心谈话: the pure coverage rule, `services.record_talk` and `withdraw_talk` (one audit entry;
refusals name the field and write nothing), the branch's talk pages, the secretary's to-do item in
the last quarter, and the member's own card (the day and who talked, never the notes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.orglife import rules, selectors, services, todo
from dangwu.orglife.models import TalkRecord
from dangwu.orgs.models import CommitteePosition

# --- the rule (pure) -------------------------------------------------------------------------------


def test_members_without_talk_keeps_the_members_order_and_counts_only_the_year():
    talks = [("b", date(2026, 1, 1)), ("c", date(2025, 12, 31)), ("d", datetime(2026, 12, 31, 23, 0)),
             ("x", date(2026, 5, 5))]
    assert rules.members_without_talk(year=2026, members=["a", "b", "c", "d", "e"], talks=talks) == ["a", "c", "e"]
    assert rules.members_without_talk(year=2025, members=["a", "b", "c"], talks=talks) == ["a", "b"]
    assert rules.members_without_talk(year=2026, members=[], talks=talks) == []


def test_talk_coverage_counts_each_member_once():
    talks = [(1, date(2026, 3, 1)), (1, date(2026, 9, 1)), (3, date(2026, 4, 1))]
    coverage = rules.talk_coverage(year=2026, members=[1, 2, 3, 3], talks=talks)
    assert (coverage.talked, coverage.members, coverage.percent) == (2, 3, 67)
    assert rules.talk_coverage(year=2026, members=[], talks=talks).percent is None


# --- the services ----------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def _snapshot():
    return testing.Snapshot(audit=AuditEntry.objects, talks=TalkRecord.objects)


def _seat(member, organization, post="secretary"):
    today = timezone.localdate()
    return CommitteePosition.objects.create(organization=organization, member=member, post=post,
                                            term_start=today - timedelta(days=400), term_end=today + timedelta(days=800))


@pytest.fixture
def talk_world(people, world):
    _seat(people["m_sec"], world.branch_a)
    return people


def _talk(people, **changes):
    args = {"actor": people["secretary"], "member": people["m_plain"], "talker": people["m_sec"],
            "on": timezone.localdate() - timedelta(days=3), "topic": "思想动态", "summary": "了解思想和工作情况。",
            "via": "offline", **changes}
    return services.record_talk(**args)


@pytestmark_db
def test_record_talk_writes_the_record_and_one_audit_entry(talk_world, world):
    snap = _snapshot()
    talk = _talk(talk_world, via="phone")
    assert snap.delta() == {"audit": 1, "talks": 1}
    entry = testing.last_audit_entry()
    assert entry.action == "orglife.talk" and entry.organization_id_value == world.branch_a.pk
    assert entry.summary["talker"] == talk_world["m_sec"].pk and entry.summary["via"] == "phone"
    assert "summary" not in entry.summary  # the talker's notes are not copied into the audit log
    assert talk.organization == world.branch_a and talk.recorded_by == talk_world["secretary"]


@pytestmark_db
@pytest.mark.parametrize(("changes", "field"), [
    ({"topic": ""}, "topic"),
    ({"topic": "   "}, "topic"),
    ({"summary": ""}, "summary"),
    ({"topic": "主题\x00"}, "topic"),
    ({"summary": "要点\x07"}, "summary"),
    ({"via": "pigeon"}, "via"),
    ({"on": "2026-01-01"}, "on"),
    ({"on": "tomorrow"}, "on"),
    ({"talker": "m_plain"}, "talker"),
    ({"talker": "m_other"}, "talker"),
])
def test_record_talk_names_the_bad_field_and_writes_nothing(talk_world, changes, field):
    if changes.get("on") == "tomorrow":
        changes = {"on": timezone.localdate() + timedelta(days=1)}
    if isinstance(changes.get("talker"), str):
        changes = {"talker": talk_world[changes["talker"]]}
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        _talk(talk_world, **changes)
    assert list(exc.value.message_dict) == [field]
    assert snap.unchanged()


@pytestmark_db
def test_the_talker_may_serve_on_a_committee_above_the_branch_not_beside_it(talk_world, world):
    _seat(talk_world["m_other"], world.county_a)  # 王五 of branch A2, secretary of the county committee
    assert _talk(talk_world, talker=talk_world["m_other"]).talker == talk_world["m_other"]
    _seat(talk_world["m_b"], world.branch_a2)  # a seat on the sibling branch's committee: not branch A's
    with pytest.raises(ValidationError) as exc:
        _talk(talk_world, talker=talk_world["m_b"])
    assert "talker" in exc.value.message_dict
    CommitteePosition.objects.filter(member=talk_world["m_other"]).update(ended_on=timezone.localdate())
    with pytest.raises(ValidationError):  # who has left the committee talks for it no more
        _talk(talk_world, talker=talk_world["m_other"])


@pytestmark_db
def test_a_member_not_in_good_standing_is_refused(talk_world):
    member = talk_world["m_plain"]
    member.standing = "suspended"
    member.save(update_fields=["standing"])
    with pytest.raises(ValidationError) as exc:
        _talk(talk_world)
    assert "member" in exc.value.message_dict


@pytestmark_db
@pytest.mark.parametrize("caller", ["sibling", "plain", "city_b", "auditor"])
def test_recording_outside_the_scope_or_without_the_capability_is_refused(talk_world, caller):
    snap = _snapshot()
    with pytest.raises(PermissionDenied):
        _talk(talk_world, actor=talk_world[caller])
    assert snap.unchanged()


@pytestmark_db
def test_a_member_of_another_branch_is_refused_to_the_secretary(talk_world):
    with pytest.raises(PermissionDenied):  # 赵六 of branch B: the secretary of branch A has no scope there
        _talk(talk_world, member=talk_world["m_b"])


@pytestmark_db
def test_a_committee_above_records_talks_of_its_branches(talk_world):
    assert _talk(talk_world, actor=talk_world["city_a"]).recorded_by == talk_world["city_a"]


@pytestmark_db
def test_withdraw_needs_a_reason_happens_once_and_the_talk_counts_no_more(talk_world, world):
    talk = _talk(talk_world)
    year = talk.on.year
    assert selectors.talk_year(organization=world.branch_a, year=year).coverage.talked == 1
    snap = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.withdraw_talk(actor=talk_world["secretary"], talk=talk, reason=" ")
    assert "reason" in exc.value.message_dict and snap.unchanged()
    with pytest.raises(PermissionDenied):
        services.withdraw_talk(actor=talk_world["sibling"], talk=talk, reason="录错了")
    services.withdraw_talk(actor=talk_world["secretary"], talk=talk, reason="谈话对象录错了")
    assert snap.delta() == {"audit": 1, "talks": 0}
    assert testing.last_audit_entry().summary == {"member": talk_world["m_plain"].pk, "reason": "谈话对象录错了"}
    talk.refresh_from_db()
    assert talk.withdrawn_at is not None and talk.withdrawn_by == talk_world["secretary"]
    with pytest.raises(ValidationError) as exc:
        services.withdraw_talk(actor=talk_world["secretary"], talk=talk, reason="再撤一次")
    assert "talk" in exc.value.message_dict
    year_now = selectors.talk_year(organization=world.branch_a, year=year)
    assert year_now.coverage.talked == 0 and talk_world["m_plain"] in year_now.without_talk


@pytestmark_db
def test_the_years_coverage_of_a_branch(talk_world, world):
    today = timezone.localdate()
    _talk(talk_world, on=date(today.year - 1, 6, 1))  # last year's talk counts for last year only
    before = selectors.talk_year(organization=world.branch_a, year=today.year)
    assert (before.coverage.talked, before.coverage.members) == (0, 2)
    _talk(talk_world, on=date(today.year, 1, 1))
    after = selectors.talk_year(organization=world.branch_a, year=today.year)
    assert (after.coverage.talked, after.coverage.members) == (1, 2)
    assert after.without_talk == [talk_world["m_sec"]]
    assert selectors.talks_without_member_count(organization=world.branch_a, year=today.year) == 1


# --- the pages -------------------------------------------------------------------------------------

def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytestmark_db
def test_record_a_talk_on_the_page(talk_world, world):
    client = _client(talk_world["secretary"])
    form = client.get(f"/orglife/org/{world.branch_a.pk}/talks/new/?member={talk_world['m_plain'].pk}")
    assert form.status_code == 200
    page = form.content.decode()
    # the member's choice is preselected, the talker is the secretary, the mailbox is not offered
    assert f'value="{talk_world["m_plain"].pk}" selected' in page and "谈心信箱" not in page
    assert f'value="{talk_world["m_sec"].pk}" selected' in page
    assert f'name="on" value="{timezone.localdate().isoformat()}"' in page  # a date input reads ISO days only
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(f"/orglife/org/{world.branch_a.pk}/talks/new/", {
        "member": talk_world["m_plain"].pk, "talker": talk_world["m_sec"].pk, "on": day, "via": "online",
        "topic": "年度谈心谈话", "summary": "谈了思想和工作。"})
    assert response.status_code == 302
    talk = TalkRecord.objects.get()
    assert talk.via == "online" and talk.on.isoformat() == day
    listing = client.get(response["Location"]).content.decode()
    assert "年度谈心谈话" in listing and "谈了思想和工作。" in listing and f'data-talk="{talk.pk}"' in listing


@pytestmark_db
def test_a_future_date_or_an_empty_topic_is_answered_in_the_page(talk_world, world):
    client = _client(talk_world["secretary"])
    response = client.post(f"/orglife/org/{world.branch_a.pk}/talks/new/", {
        "member": talk_world["m_plain"].pk, "talker": talk_world["m_sec"].pk, "via": "offline",
        "on": (timezone.localdate() + timedelta(days=2)).isoformat(), "topic": "谈话", "summary": "要点"})
    assert response.status_code == 400
    assert 'data-field-error="on"' in response.content.decode() and "不能晚于今天" in response.content.decode()
    response = client.post(f"/orglife/org/{world.branch_a.pk}/talks/new/", {
        "member": talk_world["m_plain"].pk, "talker": talk_world["m_sec"].pk, "via": "offline",
        "on": timezone.localdate().isoformat(), "topic": "", "summary": "要点"})
    assert response.status_code == 400 and 'data-field-error="topic"' in response.content.decode()
    # a member of another branch is no choice of this form
    response = client.post(f"/orglife/org/{world.branch_a.pk}/talks/new/", {
        "member": talk_world["m_other"].pk, "talker": talk_world["m_sec"].pk, "via": "offline",
        "on": timezone.localdate().isoformat(), "topic": "谈话", "summary": "要点"})
    assert response.status_code == 400 and 'data-field-error="member"' in response.content.decode()
    assert not TalkRecord.objects.exists()


@pytestmark_db
def test_the_talk_list_and_the_branch_page_show_the_coverage(talk_world, world):
    _talk(talk_world)
    client = _client(talk_world["secretary"])
    year = timezone.localdate().year
    listing = client.get(f"/orglife/org/{world.branch_a.pk}/talks/?year={year}").content.decode()
    assert "已谈 1 / 2 名党员" in listing
    assert f'data-member="{talk_world["m_sec"].pk}"' in listing  # the secretary is not yet talked with
    org_page = client.get(f"/orglife/org/{world.branch_a.pk}/?year={year}").content.decode()
    assert 'id="talks-card"' in org_page and "1 / 2 名党员" in org_page
    # a plain member sees the branch's meetings, not the talks
    plain = _client(talk_world["plain"])
    assert 'id="talks-card"' not in plain.get(f"/orglife/org/{world.branch_a.pk}/").content.decode()
    assert plain.get(f"/orglife/org/{world.branch_a.pk}/talks/").status_code == 403


@pytestmark_db
def test_withdraw_on_the_page_needs_a_reason(talk_world, world):
    talk = _talk(talk_world)
    client = _client(talk_world["secretary"])
    response = client.post(f"/orglife/talks/{talk.pk}/withdraw/", {"reason": ""}, follow=True)
    assert "撤销原因" in response.content.decode()
    talk.refresh_from_db()
    assert talk.withdrawn_at is None
    client.post(f"/orglife/talks/{talk.pk}/withdraw/", {"reason": "重复登记"})
    talk.refresh_from_db()
    assert talk.withdraw_reason == "重复登记"
    listing = client.get(f"/orglife/org/{world.branch_a.pk}/talks/?year={talk.on.year}").content.decode()
    assert 'data-withdrawn="1"' in listing and "已谈 0 / 2 名党员" in listing


@pytestmark_db
def test_the_member_sees_the_day_and_the_talker_on_the_home_page_never_the_notes(talk_world):
    _talk(talk_world, topic="家庭困难", summary="孩子上学有困难，支部将协调。", on=timezone.localdate())
    home = _client(talk_world["plain"]).get("/").content.decode()
    assert 'id="own-talks"' in home and "李书记" in home
    assert "家庭困难" not in home and "孩子上学" not in home
    # the secretary, whom nobody has talked with, sees no such card
    assert 'id="own-talks"' not in _client(talk_world["secretary"]).get("/").content.decode()


@pytestmark_db
def test_the_to_do_item_in_the_last_quarter_counts_the_members_still_waiting(talk_world, world):
    _talk(talk_world, on=date(timezone.localdate().year, 1, 1))
    for month, expected in ((9, []), (10, [1])):
        with mock.patch.object(todo.timezone, "localdate", return_value=date(timezone.localdate().year, month, 15)):
            items = todo.todo_items(user=talk_world["secretary"])
        assert [item.count for item in items] == expected
    with mock.patch.object(todo.timezone, "localdate", return_value=date(timezone.localdate().year, 11, 2)):
        (item,) = todo.todo_items(user=talk_world["secretary"])
        assert item.url.endswith("#without-talk") and item.menu == "orglife"
        assert todo.todo_items(user=talk_world["plain"]) == []
        assert todo.todo_items(user=talk_world["city_a"]) == []  # a committee's scope: its branches' secretaries


@pytestmark_db
def test_the_audit_log_reads_a_talk_in_chinese(talk_world):
    from dangwu.core import auditlog

    talk = _talk(talk_world, via="phone", on=date(2026, 3, 5))
    entry = AuditEntry.objects.get(action="orglife.talk", target_id=str(talk.pk))
    (shown,) = auditlog.show([entry])
    lines = {line.label: line.value for line in shown.lines}
    assert shown.action == "记录谈心谈话"
    assert lines == {"谈话对象": "张三", "谈话人": "李书记", "谈话日期": "2026-03-05", "谈话方式": "电话"}


@pytestmark_db
def test_the_mailbox_records_a_talk_through_the_same_service(talk_world):
    """谈心信箱 (issue 16) calls `record_talk` with via="mailbox": the page does not offer it."""
    assert _talk(talk_world, via="mailbox").get_via_display() == "谈心信箱"


@pytestmark_db
def test_a_committee_above_may_not_pair_a_member_with_another_branchs_secretary(talk_world):
    with pytest.raises(ValidationError) as exc:  # 王五 of branch A2, with branch A's secretary
        _talk(talk_world, actor=talk_world["city_a"], member=talk_world["m_other"])
    assert list(exc.value.message_dict) == ["talker"]
