"""The compliance roll-up (decision 0027): exact through every service that changes it, compared
with a direct computation over the meetings (`rules.missed_periods` for what was missed);
`rebuild_rollups --check` finds a drifted row."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dangwu.orglife import rollups, rules, selectors, services
from dangwu.orglife.models import Meeting, OrglifeStat
from dangwu.orgs import services as org_services
from dangwu.orgs.models import BRANCH_TYPES, CommitteePosition, Organization

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


def direct_figures() -> dict[tuple[int, str, str], tuple[int, int]]:
    """(organization, kind, period) -> (held meetings, branches that held one) over each whole
    subtree, counted in Python straight from the meetings."""
    meetings: Counter[tuple[int, str, str]] = Counter()
    branches: Counter[tuple[int, str, str]] = Counter()
    orgs = {o.pk: o for o in Organization.objects.all()}
    own: set[tuple[int, str, str]] = set()
    held = list(Meeting.objects.filter(status="held").values_list("organization_id", "kind", "starts_at"))
    held += [(j.organization_id, j.meeting.kind, j.meeting.starts_at)  # a 联合党课 counts as each joining one's own
             for j in Meeting.joint_organizations.through.objects.filter(meeting__status="held").select_related(
                 "meeting")]
    for org_id, kind, starts in held:
        period = rules.period_of(kind, timezone.localtime(starts).date())
        path = orgs[org_id].path
        for above in orgs.values():
            if path.startswith(above.path):
                meetings[(above.pk, kind, period)] += 1
                if orgs[org_id].org_type in BRANCH_TYPES and (org_id, kind, period, above.pk) not in own:
                    own.add((org_id, kind, period, above.pk))  # type: ignore[arg-type]
                    branches[(above.pk, kind, period)] += 1
    return {k: (meetings[k], branches[k]) for k in meetings}


def stored_figures() -> dict[tuple[int, str, str], tuple[int, int]]:
    return {(o, k, p): (m, b) for o, k, p, m, b in
            OrglifeStat.objects.exclude(period=rollups.OWING).values_list(
                "organization_id", "kind", "period", "meetings", "branches") if m or b}


def direct_owing() -> dict[tuple[int, str], int]:
    """(organization, kind) -> branches of the subtree that owe it (not dissolved; 支委会: a committee
    serves), counted in Python from the tree and the positions."""
    orgs = list(Organization.objects.all())
    serving = set(CommitteePosition.objects.filter(ended_on__isnull=True).values_list("organization_id", flat=True))
    grouped = {o.path[:-Organization.steplen] for o in orgs if o.org_type == "group" and o.dissolved_on is None}
    owing: Counter[tuple[int, str]] = Counter()
    for branch in orgs:
        if branch.org_type not in BRANCH_TYPES or branch.dissolved_on is not None:
            continue
        for above in orgs:
            if branch.path.startswith(above.path):
                owing[(above.pk, "assembly")] += 1
                owing[(above.pk, "committee")] += branch.pk in serving
                owing[(above.pk, "group")] += branch.path in grouped
    return {k: n for k, n in owing.items() if n}


def stored_owing() -> dict[tuple[int, str], int]:
    return {(o, k): b for o, k, b in OrglifeStat.objects.filter(period=rollups.OWING).values_list(
        "organization_id", "kind", "branches") if b}


def assert_exact() -> None:
    assert stored_figures() == direct_figures()
    assert stored_owing() == direct_owing()
    assert rollups.drift() == {}


def _past(people, world, *, org, kind, day, actor=None):
    starts = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=9)))
    return services.plan_meeting(actor=actor or people["province"], organization=org, kind=kind, title="会议",
                                 starts_at=starts, ends_at=starts + timedelta(hours=2))


def test_the_roll_up_stays_exact_through_every_service(people, world):
    sec = people["secretary"]
    first = _past(people, world, org=world.branch_a, kind="assembly", day=date(2026, 2, 10))
    assert_exact()  # planned: counts for nothing
    assert not OrglifeStat.objects.exclude(period=rollups.OWING).exists()
    services.record_minutes(actor=sec, meeting=first, topics="学习党章")
    assert_exact()
    assert stored_figures()[(world.province.pk, "assembly", "2026-Q1")] == (1, 1)
    second = _past(people, world, org=world.branch_a, kind="assembly", day=date(2026, 3, 10))
    services.mark_attendance(actor=sec, meeting=second, member=people["m_plain"], status="present")
    assert_exact()  # a second meeting of the period: two meetings, still one branch
    assert stored_figures()[(world.county_a.pk, "assembly", "2026-Q1")] == (2, 1)
    services.record_minutes(actor=sec, meeting=second, topics="再记一次")  # held already: nothing moves
    assert_exact()
    theme = _past(people, world, org=world.branch_a2, kind="theme_day", day=date(2026, 3, 5))
    services.check_in(actor=_user_of(people["m_other"]), token=theme.checkin_token,
                      now=theme.starts_at)
    assert_exact()
    planned = _past(people, world, org=world.branch_b, kind="assembly", day=date(2026, 9, 1))
    services.cancel_meeting(actor=people["province"], meeting=planned, reason="改期")
    assert_exact()  # cancelled: counts for nothing
    assert (world.branch_b.pk, "assembly", "2026-Q3") not in stored_figures()


def _user_of(member):
    from django.contrib.auth import get_user_model

    from dangwu import testing

    user = get_user_model().objects.create_user(username=f"m{member.pk}", password=testing.PASSWORD)
    member.user = user
    member.save(update_fields=["user"])
    return user


def test_rebuild_check_finds_a_drifted_row_and_the_rebuild_repairs_it(people, world):
    services.record_minutes(actor=people["secretary"], topics="学习",
                            meeting=_past(people, world, org=world.branch_a, kind="lesson", day=date(2026, 5, 6)))
    OrglifeStat.objects.filter(organization=world.city_a, kind="lesson").update(branches=5)
    out = StringIO()
    with pytest.raises(CommandError, match="1 orglife compliance roll-up rows differ from a recount, at 中共长沙市委"):
        call_command("rebuild_rollups", "--check", stdout=out)
    assert "中共长沙市委 (4301) lesson 2026-Q2: stored (meetings=1, branches=5)" in out.getvalue()
    call_command("rebuild_rollups", stdout=StringIO())
    assert_exact()


def test_the_drill_down_equals_missed_periods_per_branch(people, world):
    org_services.appoint_committee_member(actor=people["province"], organization=world.branch_b,
                                          member=people["m_b"], post="secretary", term_start=date(2024, 1, 1))
    held = [(world.branch_a, "assembly", date(2026, 2, 10)), (world.branch_a, "theme_day", date(2026, 4, 7)),
            (world.branch_a2, "assembly", date(2026, 8, 3)), (world.branch_b, "committee", date(2026, 6, 2)),
            (world.branch_b, "life_meeting", date(2026, 11, 30))]
    for org, kind, day in held:
        meeting = _past(people, world, org=org, kind=kind, day=day)
        services.record_minutes(actor=people["province"], meeting=meeting, topics="议题")
    branches = [world.branch_a, world.branch_a2, world.branch_b]
    missed = {b.pk: rules.missed_periods(
        year=2026, meetings=[(k, d) for o, k, d in held if o == b], until=TODAY, has_groups=False,
        has_committee=CommitteePosition.objects.filter(organization=b, ended_on__isnull=True).exists())
        for b in branches}
    for top in (world.province, world.city_a, world.county_a, world.city_b):
        below = [b for b in branches if b.path.startswith(top.path)]
        found = selectors.compliance(organization=top, year=2026, today=TODAY)
        assert found is not None
        figures = {(kind, c.label): c.missed for kind, _label, cells in found.kinds for c in cells}
        for kind in rules.KINDS:
            for label, _first, last in rules.periods(kind, 2026):
                expected = sum((kind, label) in missed[b.pk] for b in below) if last <= TODAY else None
                if kind in {k for k, _l, _c in found.kinds}:
                    assert figures[(kind, label)] == expected, (top.name, kind, label)
                    if expected:
                        listed = selectors.branches_that_missed(organization=top, kind=kind, period=label)
                        assert {o.pk for o in listed} == {b.pk for b in below if (kind, label) in missed[b.pk]}
                    if last <= TODAY:  # the drill-down's count, read from the roll-up, is the list's length
                        assert selectors.missed_count(organization=top, kind=kind, period=label) == expected
                else:
                    assert not expected
        # each direct sub-organization's row: the sum of its branches' missed periods per kind
        for row in found.rows[1:]:
            mine = [b for b in below if b.path.startswith(row.organization.path)]
            for kind, n in row.missed.items():
                ended = any(last <= TODAY for _label, _first, last in rules.periods(kind, 2026))
                assert (n is None) == (not ended)
                assert (n or 0) == sum(1 for b in mine for k, _p in missed[b.pk] if k == kind)
    assert selectors.compliance(organization=world.branch_a, year=2026, today=TODAY) is None


def test_the_committee_page_shows_the_figures_and_lists_the_branches_that_missed(client, people, world):

    services.record_minutes(actor=people["province"], topics="议题",
                            meeting=_past(people, world, org=world.branch_a, kind="assembly", day=date(2026, 2, 10)))
    client.force_login(people["city_a"])
    page = client.get(f"/orglife/org/{world.county_a.pk}/?year=2026").content.decode()
    assert 'id="compliance"' in page
    assert 'data-period="2026-Q1" data-missed="1"' in page  # branch A2 missed Q1; branch A held it
    assert '?kind=assembly&amp;period=2026-Q1">Q1·1</a>' in page
    listed = client.get(f"/orglife/org/{world.county_a.pk}/missed/?kind=assembly&period=2026-Q1")
    assert listed.status_code == 200
    body = listed.content.decode()
    assert world.branch_a2.name in body and world.branch_a.name not in body
    assert f'href="/orglife/org/{world.branch_a2.pk}/?year=2026"' in body
    # a city's page drills down: county A's row links to county A's own page
    city = client.get(f"/orglife/org/{world.city_a.pk}/?year=2026").content.decode()
    assert f'data-org="{world.county_a.pk}"' in city and f'href="/orglife/org/{world.county_a.pk}/?year=2026"' in city
    # a branch's page has no branches below; a kind or period that is not one, or still running: 404
    assert 'id="compliance"' not in client.get(f"/orglife/org/{world.branch_a.pk}/").content.decode()
    for query in ("kind=talk&period=2026-Q1", "kind=assembly&period=2026-03", "kind=assembly&period=x",
                  f"kind=assembly&period={timezone.localdate().year}-Q4"):
        assert client.get(f"/orglife/org/{world.county_a.pk}/missed/?{query}").status_code == 404


def test_a_meeting_just_after_local_midnight_counts_in_its_local_period(people, world):
    """The rebuild's SQL takes the local day as `rules.period_of` does (UTC is still in the last year/quarter)."""
    for moment in (datetime(2026, 1, 1, 0, 30), datetime(2026, 4, 1, 0, 30), datetime(2026, 7, 31, 23, 50)):
        for kind in ("assembly", "theme_day", "life_meeting"):
            starts = timezone.make_aware(moment)
            meeting = services.plan_meeting(actor=people["province"], organization=world.branch_a, kind=kind,
                                            title="会议", starts_at=starts, ends_at=starts + timedelta(minutes=5))
            services.record_minutes(actor=people["province"], meeting=meeting, topics="议题")
    assert {(k, p) for o, k, p in stored_figures() if o == world.branch_a.pk} == {
        ("assembly", "2026-Q1"), ("assembly", "2026-Q2"), ("assembly", "2026-Q3"), ("theme_day", "2026-01"),
        ("theme_day", "2026-04"), ("theme_day", "2026-07"), ("life_meeting", "2026")}
    assert_exact()


def test_a_change_of_type_in_or_out_of_the_branches_keeps_the_roll_up_exact(people, world):

    services.record_minutes(actor=people["province"], topics="议题",
                            meeting=_past(people, world, org=world.branch_a, kind="assembly", day=date(2026, 2, 10)))
    for org_type, branches in (("joint_branch", 1), ("general_branch", 0), ("branch", 1)):
        org_services.update_organization(actor=people["province"], organization=Organization.objects.get(
            pk=world.branch_a.pk), fields={"org_type": org_type})
        assert_exact()
        assert stored_figures()[(world.province.pk, "assembly", "2026-Q1")] == (1, branches)


def test_the_demo_provinces_drill_down_equals_missed_periods_per_branch(demo_province):
    today = timezone.localdate()
    expected: Counter[tuple[str, str]] = Counter()
    for branch in Organization.objects.filter(org_type__in=BRANCH_TYPES, dissolved_on__isnull=True):
        days = [(k, timezone.localtime(s).date()) for k, s in
                Meeting.objects.filter(organization=branch, status="held").values_list("kind", "starts_at")]
        expected.update(rules.missed_periods(year=today.year, meetings=days, until=today,
                                             has_groups=selectors.has_groups(organization=branch),
                                             has_committee=selectors.has_committee(organization=branch)))
    root = Organization.objects.get_first_root_node()
    found = selectors.compliance(organization=root, year=today.year, today=today)
    assert found is not None
    figures = {(kind, c.label): c.missed for kind, _label, cells in found.kinds for c in cells if c.missed}
    assert figures == dict(expected) and figures
    assert rollups.drift() == {}


def test_what_the_branches_owe_follows_the_organization_services_and_compliance_reads_it(
        people, world, django_assert_num_queries):
    """The `owing` rows (decision 0027, amended): a branch created, a committee appointed, a branch dissolved
    move them at once, and the committee's view reads them — two queries whatever the subtree."""
    def owing(org: Organization) -> tuple[int, int]:
        found = selectors.compliance(organization=org, year=2026, today=TODAY)
        assert found is not None
        return found.rows[0].owing.get("assembly", 0), found.rows[0].owing.get("committee", 0)

    assert owing(world.province) == (3, 0)
    new = org_services.create_organization(actor=people["province"], parent=world.county_a, fields={
        "code": "430102003", "name": "芙蓉区第三党支部", "org_type": "branch", "founded_on": date(2020, 1, 1)})
    assert_exact()
    assert owing(world.province) == (4, 0) and owing(world.county_a) == (3, 0)
    org_services.appoint_committee_member(actor=people["province"], organization=world.branch_b,
                                          member=people["m_b"], post="secretary", term_start=date(2024, 1, 1))
    assert_exact()
    assert owing(world.province) == (4, 1) and owing(world.city_b) == (1, 1) and owing(world.city_a) == (3, 0)
    org_services.update_organization(actor=people["province"], organization=Organization.objects.get(pk=new.pk),
                                     fields={"dissolved_on": date(2026, 6, 30)})
    assert_exact()
    assert owing(world.province) == (3, 1)
    # a 党小组 founded under branch A: it owes 党小组会; the group dissolved, no longer
    group = org_services.create_organization(actor=people["province"], parent=world.branch_a, fields={
        "code": "43010200101", "name": "芙蓉区第一党支部第一党小组", "org_type": "group",
        "founded_on": date(2021, 1, 1)})
    assert_exact()
    found = selectors.compliance(organization=world.city_a, year=2026, today=TODAY)
    assert found is not None and found.rows[0].owing.get("group") == 1
    assert selectors.missed_count(organization=world.city_a, kind="group", period="2026-01") == 1
    org_services.update_organization(actor=people["province"], organization=Organization.objects.get(pk=group.pk),
                                     fields={"dissolved_on": date(2026, 7, 1)})
    assert_exact()
    found = selectors.compliance(organization=world.city_a, year=2026, today=TODAY)
    assert found is not None and not found.rows[0].owing.get("group")
    with django_assert_num_queries(2):
        selectors.compliance(organization=world.province, year=2026, today=TODAY)
    assert selectors.compliance(organization=world.branch_b, year=2026, today=TODAY) is None


def test_each_sub_organizations_row_equals_missed_periods_of_its_branches(demo_province):
    """The committee's rows (per direct sub-organization, summed in SQL over the ended periods) equal
    the branch-periods `rules.missed_periods` finds for the branches under each sub-organization."""
    today = timezone.localdate()
    per_branch = {}
    for branch in Organization.objects.filter(org_type__in=BRANCH_TYPES, dissolved_on__isnull=True):
        days = [(k, timezone.localtime(s).date()) for k, s in
                Meeting.objects.filter(organization=branch, status="held").values_list("kind", "starts_at")]
        per_branch[branch.path] = Counter(kind for kind, _period in rules.missed_periods(
            year=today.year, meetings=days, until=today, has_groups=selectors.has_groups(organization=branch),
            has_committee=selectors.has_committee(organization=branch)))
    checked = 0
    for org in Organization.objects.filter(depth__lte=3).exclude(org_type__in=BRANCH_TYPES):
        found = selectors.compliance(organization=org, year=today.year, today=today)
        if found is None:
            continue
        for row in found.rows:
            prefix = row.organization.path if row.organization else org.path
            for kind, missed in row.missed.items():
                expected = sum(c[kind] for path, c in per_branch.items() if path.startswith(prefix))
                assert (missed or 0) == expected, (org.name, prefix, kind)
                checked += 1
    assert checked > 20
