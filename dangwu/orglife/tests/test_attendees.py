"""Who attends beyond the organization's own members (issue 13): party groups (党小组) and their
meetings, 联合党课 of several organizations (counted as each one's own), members invited to attend
(列席), and mobile members (流动党员) who take part at their host organization, which counts at home."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangwu import testing
from dangwu.core.models import AuditEntry, Notification
from dangwu.members.models import MobilityRecord, Outflow
from dangwu.orglife import selectors, services
from dangwu.orglife.models import Attendance, Meeting, PartyGroupMember
from dangwu.orglife.tests.test_rollups import assert_exact
from dangwu.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _group(branch, n: int) -> Organization:
    """A 党小组 under the branch, the roll-ups told as the organization services tell them."""
    from django.db import transaction

    from dangwu.core import registries

    group = Organization.objects.get(pk=Organization.objects.add_child(Organization.objects.get(pk=branch.pk), {
        "code": f"{branch.code}{n:02d}", "name": f"{branch.name}第{n}党小组", "org_type": "group"}).pk)
    with transaction.atomic():
        registries.organizations_changed(before=[None], after=[group])
    return group


def _plan(actor, org, kind="theme_day", starts_in=timedelta(days=1), **extra):
    starts = timezone.now() + starts_in
    return services.plan_meeting(actor=actor, organization=org, kind=kind, title="会议", starts_at=starts,
                                 ends_at=starts + timedelta(hours=2), **extra)


def _expected(meeting):
    return set(selectors.expected_attendees(meeting=meeting).values_list("name", flat=True))


# --- party groups ---------------------------------------------------------------------------------

def test_party_groups_assign_members_and_a_group_meeting_brings_only_its_members(people, world):
    first, second = _group(world.branch_a, 1), _group(world.branch_a, 2)
    before = AuditEntry.objects.count()
    changed = services.set_party_groups(actor=people["secretary"], organization=world.branch_a, assignments={
        people["m_sec"].pk: first.pk, people["m_plain"].pk: second.pk})
    assert changed == 2 and AuditEntry.objects.count() == before + 1
    assert testing.last_audit_entry().action == "orglife.party_groups"
    meeting = _plan(people["secretary"], world.branch_a, kind="group", party_group=second)
    assert _expected(meeting) == {"张三"}
    # a move to the other group, and out of every group
    services.set_party_groups(actor=people["secretary"], organization=world.branch_a,
                              assignments={people["m_plain"].pk: first.pk, people["m_sec"].pk: None})
    assert _expected(meeting) == set() and set(selectors.group_members(group=first).values_list("name", flat=True)) == {
        "张三"}
    # a member who moved to another branch leaves the group's meetings with it
    type(people["m_plain"]).objects.filter(pk=people["m_plain"].pk).update(organization=world.branch_a2)
    assert selectors.group_members(group=first).count() == 0


@pytest.mark.parametrize("case", ["other_branch_member", "other_branch_group", "no_groups"])
def test_party_groups_refuse_what_is_not_the_branchs_and_write_nothing(people, world, case):
    group = _group(world.branch_a, 1)
    other_group = _group(world.branch_b, 1)
    organization, assignments = world.branch_a, {people["m_plain"].pk: group.pk}
    if case == "other_branch_member":
        assignments = {people["m_other"].pk: group.pk}
    elif case == "other_branch_group":
        assignments = {people["m_plain"].pk: other_group.pk}
    else:
        organization = world.branch_a2
        assignments = {}
    snap = testing.Snapshot(audit=AuditEntry.objects, groups=PartyGroupMember.objects)
    actor = people["province"]
    with pytest.raises(ValidationError) as exc:
        services.set_party_groups(actor=actor, organization=organization, assignments=assignments)
    field = {"other_branch_member": "groups", "other_branch_group": f"group_{people['m_plain'].pk}",
             "no_groups": "groups"}[case]
    assert field in exc.value.message_dict
    assert snap.unchanged()


def test_a_group_meeting_needs_one_of_the_branchs_groups(people, world):
    with pytest.raises(ValidationError) as exc:
        _plan(people["secretary"], world.branch_a, kind="group")
    assert "kind" in exc.value.message_dict  # no groups under the branch yet
    _group(world.branch_a, 1)
    foreign = _group(world.branch_a2, 1)
    for party_group in (None, foreign):
        with pytest.raises(ValidationError) as exc:
            _plan(people["secretary"], world.branch_a, kind="group", party_group=party_group)
        assert "party_group" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _plan(people["secretary"], world.branch_a, kind="assembly", party_group=foreign)
    assert "party_group" in exc.value.message_dict


def test_a_branch_with_groups_owes_a_group_meeting_each_month(people, world):
    today = date(2026, 12, 2)
    grid = {row.kind: row for row in selectors.year_grid(organization=world.branch_a, year=2026, today=today)}
    assert {c.state for c in grid["group"].cells} == {selectors.NOT_DUE}
    _group(world.branch_a, 1)
    grid = {row.kind: row for row in selectors.year_grid(organization=world.branch_a, year=2026, today=today)}
    assert [c.state for c in grid["group"].cells][:11] == [selectors.MISSED] * 11
    found = selectors.compliance(organization=world.county_a, year=2026, today=today)
    assert found is not None
    group_row = next(cells for kind, _label, cells in found.kinds if kind == "group")
    assert group_row[0].missed == 1  # one branch of the county owes it, and held none in January


# --- 联合党课 -------------------------------------------------------------------------------------

def test_a_joint_lesson_brings_the_joining_branchs_members_and_counts_as_its_own(people, world):
    other_user = testing.make_user("wang5")
    type(people["m_other"]).objects.filter(pk=people["m_other"].pk).update(user=other_user)
    meeting = _plan(people["city_a"], world.county_a, kind="lesson", starts_in=timedelta(minutes=-30),
                    joint_organizations=[world.branch_a, world.branch_a2])
    assert _expected(meeting) >= {"李书记", "张三", "王五"} and "赵六" not in _expected(meeting)
    assert Notification.objects.filter(user=other_user).exists()  # the joining branch's member got the notice
    assert meeting in selectors.meetings_visible(actor=other_user)
    services.check_in(actor=other_user, token=meeting.checkin_token)
    assert_exact()  # held: the lesson is counted for both branches and the county, once each
    for branch in (world.branch_a, world.branch_a2):
        grid = {row.kind: row for row in selectors.year_grid(organization=branch, year=meeting.starts_at.year,
                                                             today=timezone.localdate())}
        label = f"{meeting.starts_at.year}-Q{(timezone.localtime(meeting.starts_at).month + 2) // 3}"
        assert next(c for c in grid["lesson"].cells if c.label == label).state == selectors.HELD


def test_a_joint_meeting_is_a_lesson_of_organizations_in_the_callers_charge(people, world):
    with pytest.raises(ValidationError) as exc:
        _plan(people["city_a"], world.county_a, kind="assembly", joint_organizations=[world.branch_a])
    assert "joint_organizations" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # the branch secretary does not run the sibling branch
        _plan(people["secretary"], world.branch_a, kind="lesson", joint_organizations=[world.branch_a2])
    assert "joint_organizations" in exc.value.message_dict
    assert not Meeting.objects.exists()


# --- 列席 -----------------------------------------------------------------------------------------

def test_an_invited_member_is_expected_gets_the_notice_and_may_check_in(people, world):
    guest_user = testing.make_user("zhao6")
    type(people["m_b"]).objects.filter(pk=people["m_b"].pk).update(user=guest_user)
    guest = type(people["m_b"]).objects.get(pk=people["m_b"].pk)
    meeting = _plan(people["province"], world.branch_a, starts_in=timedelta(minutes=5))
    assert meeting not in selectors.meetings_visible(actor=guest_user)
    before = AuditEntry.objects.filter(action="orglife.invite").count()
    services.invite(actor=people["province"], meeting=meeting, member=guest)
    assert AuditEntry.objects.filter(action="orglife.invite").count() == before + 1
    assert "赵六" in _expected(meeting) and meeting in selectors.meetings_visible(actor=guest_user)
    assert Notification.objects.filter(user=guest_user, notice__title__contains="会议通知").exists()
    assert [r.note for r in selectors.attendance_sheet(meeting=meeting) if r.member.pk == guest.pk] == ["列席"]
    with pytest.raises(ValidationError) as exc:
        services.invite(actor=people["province"], meeting=meeting, member=guest)
    assert "member" in exc.value.message_dict  # already expected
    services.check_in(actor=guest_user, token=meeting.checkin_token)
    with pytest.raises(ValidationError) as exc:
        services.uninvite(actor=people["province"], meeting=meeting, member=guest)
    assert "member" in exc.value.message_dict  # attendance recorded: the invitation stays


def test_an_invitation_only_of_a_member_the_caller_may_see(people, world):
    meeting = _plan(people["secretary"], world.branch_a)
    snap = testing.Snapshot(audit=AuditEntry.objects)
    with pytest.raises(ValidationError) as exc:
        services.invite(actor=people["secretary"], meeting=meeting, member=people["m_b"])
    assert "member" in exc.value.message_dict and snap.unchanged() and not meeting.invitees.exists()


def test_an_invitation_withdrawn_before_the_meeting(people, world):
    meeting = _plan(people["province"], world.branch_a)
    services.invite(actor=people["province"], meeting=meeting, member=people["m_b"])
    services.uninvite(actor=people["province"], meeting=meeting, member=people["m_b"])
    assert "赵六" not in _expected(meeting)
    assert testing.last_audit_entry().action == "orglife.uninvite"


# --- 流动党员 -------------------------------------------------------------------------------------

def _away(people, world, *, host):
    """王五 of the sibling branch goes away, hosted by `host`, with an account to scan with."""
    user = testing.make_user("wang5")
    member = type(people["m_other"]).objects.get(pk=people["m_other"].pk)
    member.user = user
    member.save(update_fields=["user"])
    Outflow.objects.create(member=member, home_organization=world.branch_a2, destination="长沙", reason="务工",
                           host_organization=host, left_on=date(2026, 1, 5), contact="13800000000",
                           last_contact_on=date(2026, 1, 5))
    return member, user


def test_a_mobile_member_takes_part_at_the_host_and_the_home_organization_sees_it(people, world):
    member, user = _away(people, world, host=world.branch_a)
    meeting = _plan(people["secretary"], world.branch_a, starts_in=timedelta(minutes=-10))
    assert "王五" in _expected(meeting)
    assert [r.note for r in selectors.attendance_sheet(meeting=meeting) if r.member.pk == member.pk] == ["流动党员"]
    assert meeting in selectors.next_meetings_of_member(member=member, now=timezone.now())
    services.check_in(actor=user, token=meeting.checkin_token)
    record = MobilityRecord.objects.get(outflow__member=member)
    assert record.kind == "participation" and record.organization_id == world.branch_a.pk
    assert testing.last_audit_entry().summary["mobility_record"] == record.pk
    assert Outflow.objects.get(member=member).last_contact_on == timezone.localdate(meeting.starts_at)
    # a committee meeting of the host is not theirs
    committee = _plan(people["secretary"], world.branch_a, kind="committee")
    assert "王五" not in _expected(committee)


def test_taking_part_at_the_host_counts_at_home_once(people, world):
    member, user = _away(people, world, host=world.branch_a)
    day = timezone.localdate() - timedelta(days=1)
    starts = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=9)))

    def held(org, actor):
        m = services.plan_meeting(actor=actor, organization=org, kind="theme_day", title="主题党日",
                                  starts_at=starts, ends_at=starts + timedelta(hours=2))
        services.record_minutes(actor=actor, meeting=m, topics="议题")
        return m

    home = held(world.branch_a2, people["province"])
    assert selectors.year_attendance(member=member, year=day.year).rate == 0  # missed at home
    host = held(world.branch_a, people["secretary"])
    services.mark_attendance(actor=people["secretary"], meeting=host, member=member, status="present")
    result = selectors.year_attendance(member=member, year=day.year)
    assert (result.attended, result.held, result.rate) == (1, 1, 100)  # the host meeting stands for the home one
    assert not Attendance.objects.filter(meeting=home, member=member).exists()


# --- the pages ------------------------------------------------------------------------------------

def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_party_groups_page_saves_each_members_group_and_names_a_bad_row(people, world):
    first, second = _group(world.branch_a, 1), _group(world.branch_a, 2)
    client = _client(people["secretary"])
    url = f"/orglife/org/{world.branch_a.pk}/party-groups/"
    page = client.get(url).content.decode()
    assert "第1党小组" in page and "芙蓉区第一党支部第1党小组" not in page  # the groups named short
    response = client.post(url, {f"group_{people['m_sec'].pk}": first.pk, f"group_{people['m_plain'].pk}": second.pk})
    assert response.status_code == 302
    assert selectors.groups_of_members(organization=world.branch_a) == {people["m_sec"].pk: first.pk,
                                                                       people["m_plain"].pk: second.pk}
    response = client.post(url, {f"group_{people['m_plain'].pk}": 999999})
    assert response.status_code == 400 and "张三" in response.content.decode()  # the row is named
    assert selectors.groups_of_members(organization=world.branch_a)[people["m_plain"].pk] == second.pk


def test_a_joint_lesson_planned_on_the_page(people, world):
    client = _client(people["city_a"])
    page = client.get(f"/orglife/org/{world.county_a.pk}/plan/").content.decode()
    assert "芙蓉区第二党支部" in page and "荷塘区第一党支部" not in page  # the county's branches, not city B's
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(f"/orglife/org/{world.county_a.pk}/plan/", {
        "kind": "lesson", "title": "联合党课", "day": day, "start": "14:30", "end": "16:00",
        "joint_organizations": [world.branch_a.pk, world.branch_a2.pk]})
    assert response.status_code == 302
    meeting = Meeting.objects.get(title="联合党课")
    assert set(meeting.joint_organizations.values_list("pk", flat=True)) == {world.branch_a.pk, world.branch_a2.pk}
    page = _client(people["secretary"]).get(f"/orglife/org/{world.branch_a.pk}/").content.decode()
    assert "联合党课" in page  # on the joining branch's own list


def test_invite_on_the_meeting_page(people, world):
    meeting = _plan(people["city_a"], world.branch_a)
    client = _client(people["city_a"])
    page = client.get(f"/orglife/meetings/{meeting.pk}/?q=王五").content.decode()
    assert 'id="invite-candidates"' in page and "王五" in page
    response = client.post(f"/orglife/meetings/{meeting.pk}/invite/", {"member": people["m_other"].pk})
    assert response.status_code == 302 and meeting.invitees.filter(pk=people["m_other"].pk).exists()
    page = client.get(f"/orglife/meetings/{meeting.pk}/").content.decode()
    assert f'data-invitee="{people["m_other"].pk}"' in page
    # the branch secretary may not see city B's member: refused with a message, nothing written
    response = _client(people["secretary"]).post(f"/orglife/meetings/{meeting.pk}/invite/", {"member": people["m_b"].pk})
    assert response.status_code == 302 and not meeting.invitees.filter(pk=people["m_b"].pk).exists()
