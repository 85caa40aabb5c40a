"""The demo province's organizational life obeys the app's own rules: held meetings lie in the past
and have their minutes, planned ones lie ahead, the demo branch's attendance is of those expected,
and the year's grid shows a plausible few missed periods."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangwu.orglife import rules, selectors
from dangwu.orglife.models import Attendance, Meeting, Minutes
from dangwu.orgs.models import BRANCH_TYPES, Organization

pytestmark = pytest.mark.django_db


def test_the_demo_year_of_meetings_obeys_the_rules(demo_province):
    today = timezone.localdate()
    now = timezone.now()
    assert Meeting.objects.exists()
    assert not Meeting.objects.filter(status="held", starts_at__gte=now).exists()
    assert not Meeting.objects.filter(status="planned", starts_at__date__lt=today).exists()
    held = Meeting.objects.filter(status="held")
    assert Minutes.objects.filter(meeting__in=held).count() == held.count()
    branches = Organization.objects.filter(org_type__in=BRANCH_TYPES, dissolved_on__isnull=True)
    due = missed = 0
    for branch in branches:
        committee = selectors.has_committee(organization=branch)
        days = [(k, timezone.localtime(s).date()) for k, s in
                Meeting.objects.filter(organization=branch, status="held").values_list("kind", "starts_at")]
        missed += len(rules.missed_periods(year=today.year, meetings=days, has_committee=committee,
                                           has_groups=False, until=today))
        due += len(rules.missed_periods(year=today.year, meetings=[], has_committee=committee, has_groups=False,
                                        until=today))
        assert not Meeting.objects.filter(organization=branch, kind="committee").exists() or committee
    assert due and 0 < missed < due * 0.2


def test_the_demo_branchs_attendance_is_of_those_expected(demo_province):
    records = Attendance.objects.select_related("meeting", "member")
    assert records.exists()
    for meeting_id in set(records.values_list("meeting_id", flat=True)):
        meeting = Meeting.objects.get(pk=meeting_id)
        expected = set(selectors.expected_attendees(meeting=meeting).values_list("pk", flat=True))
        assert set(records.filter(meeting=meeting).values_list("member_id", flat=True)) <= expected
    assert not records.filter(status__in=("present", "late"), checked_in_at__isnull=True).exists()
    assert not records.filter(status__in=("leave", "absent"), reason="").exists()


def test_the_demo_branch_has_a_few_agendas_to_download(demo_province):
    from dangwu.orglife.models import MeetingFile

    files = list(MeetingFile.objects.select_related("meeting"))
    assert 1 <= len(files) <= 4 and {f.part for f in files} == {"material"}
    assert len({f.meeting.organization_id for f in files}) == 1  # the demo branch's
    with files[0].file.open("rb") as handle:
        text = handle.read().decode()
    assert files[0].meeting.title in text and "议程" in text and files[0].size == len(text.encode())

def test_the_demo_talks_are_past_by_a_serving_committee_member_and_leave_a_few_to_do(demo_province):
    from dangwu.members.models import Member
    from dangwu.orglife.models import TalkRecord
    from dangwu.orgs.models import CommitteePosition

    today = timezone.localdate()
    if (today.month, today.day) == (1, 1):
        pytest.skip("on 1 January no day of the year has passed: the demo has no talks yet")
    talks = TalkRecord.objects.all()
    assert talks.exists() and not talks.filter(on__gt=today).exists()
    assert not talks.filter(on__year__lt=today.year).exists()
    serving = set(CommitteePosition.objects.filter(ended_on__isnull=True).values_list("organization_id", "member_id"))
    for org_id, member_org, talker in talks.values_list("organization_id", "member__organization_id", "talker_id"):
        assert org_id == member_org and (org_id, talker) in serving
    talked = waiting = 0
    for branch in Organization.objects.filter(pk__in=talks.values("organization_id")):
        year = selectors.talk_year(organization=branch, year=today.year)
        talked, waiting = talked + year.coverage.talked, waiting + len(year.without_talk)
    assert talked > 0.7 * (talked + waiting) and waiting > 0  # most talked with; a few left for the year's end
    # the tour: demo-member finds a talk on the home page, demo-secretary's branch still has some to do
    demo_member = Member.objects.get(user__username="demo-member")
    assert selectors.own_talks(member=demo_member, year=today.year)
    assert selectors.talk_year(organization=demo_member.organization, year=today.year).without_talk
