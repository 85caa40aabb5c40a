"""A committee's dues page sums the arrears per direct child (members owing, of them at 6+ months,
amount owed, collection rate; each line drills down) instead of listing every name below it; a
branch keeps its member list. The figures are checked against direct counts."""

from collections import defaultdict
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangwu import testing
from dangwu.dues import rules, selectors
from dangwu.dues.models import Assessment
from dangwu.members.models import Member, Standing
from dangwu.orgs.models import Organization

pytestmark = pytest.mark.django_db


def _direct(org, upto):
    """{child id: (owing, at 6+ consecutive months, amount owed)} counted in Python from the ledger:
    every assessment row of the subtree, each member's months through the rules' own functions."""
    upto = rules.month_start(upto)
    since = rules.add_months(upto, -selectors.ARREARS_WINDOW)
    children = list(Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1))
    owed: dict[int, set[date]] = defaultdict(set)
    out = {c.pk: [0, 0, D("0")] for c in children}
    out[org.pk] = [0, 0, D("0")]

    def home(path):
        return next((c.pk for c in children if path.startswith(c.path)), org.pk)

    for row in Assessment.objects.filter(organization__path__startswith=org.path, month__gte=since,
                                         month__lte=upto).select_related("organization"):
        if row.payment_id is None and row.amount_due:
            out[home(row.organization.path)][2] += row.amount_due
    members = Member.objects.filter(organization__path__startswith=org.path, standing=Standing.NORMAL)
    paths = dict(members.values_list("pk", "organization__path"))
    for member_id, month in Assessment.objects.filter(member_id__in=list(paths), payment__isnull=True,
                                                      amount_due__gt=0, month__gte=since,
                                                      month__lte=upto).values_list("member_id", "month"):
        owed[member_id].add(month)
    for member_id, months in owed.items():
        line = out[home(paths[member_id])]
        line[0] += 1
        line[1] += rules.consecutive_unpaid(months, upto=upto) >= rules.SELF_DEPARTURE_MONTHS
    return {pk: tuple(v) for pk, v in out.items()}


def _summary(summary):
    return {line.organization.pk: (line.owing, line.self_departure, line.outstanding) for line in summary.lines}


def test_the_summary_of_the_demo_province_agrees_with_a_direct_count(demo_province):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username="demo-org")
    province = Organization.objects.get(depth=1)
    month = rules.month_start(timezone.localdate())
    checked = 0
    for org in [province, *Organization.objects.filter(depth=2)[:2]]:
        summary = selectors.arrears_by_child(actor=actor, organization=org, upto=month)
        direct = {pk: v for pk, v in _direct(org, month).items() if any(v) or pk != org.pk}
        got = _summary(summary)
        assert {pk: v for pk, v in got.items() if pk in direct} == direct
        assert summary.owing == sum(v[0] for v in direct.values())
        checked += summary.owing
    assert checked > 0 and summary.self_departure >= 0
    # the demo province has members at 6 months and more: the province's summary counts them all
    province_summary = selectors.arrears_by_child(actor=actor, organization=province, upto=month)
    listed = selectors.arrears(actor=actor, organization=province, upto=month, limit=100000)
    assert province_summary.self_departure == sum(a.level == "self_departure" for a in listed) > 0
    assert province_summary.owing == len(listed)


def test_the_rate_and_the_months_are_the_roll_ups(demo_province):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username="demo-org")
    province = Organization.objects.get(depth=1)
    month = rules.month_start(timezone.localdate())
    summary = selectors.arrears_by_child(actor=actor, organization=province, upto=month)
    for line in summary.lines:
        assert line.month.as_dict() == selectors.direct_totals(organization=line.organization, year=month.year,
                                                               month=month).as_dict()


def test_the_figures_are_read_without_a_query_per_child_or_member(demo_province):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username="demo-org")
    province = Organization.objects.get(depth=1)
    with CaptureQueriesContext(connection) as queries:
        selectors.arrears_by_child(actor=actor, organization=province, upto=timezone.localdate())
    assert len(queries) <= 6, [q["sql"] for q in queries]


def test_six_months_means_the_last_six_all_owed(people, world):
    """A run broken by a paid or unassessed month is not counted at 6+, however many months owed."""
    month = rules.month_start(timezone.localdate())
    for i in range(6):  # 张三: the six months up to this one, all owed
        testing.make_assessment(people["m_plain"], rules.add_months(month, -i), D("20.00"))
    for i in (1, 2, 3, 4, 5, 6, 7):  # 王五 in A2: seven months owed but not this one (unassessed)
        testing.make_assessment(people["m_other"], rules.add_months(month, -i), D("10.00"))
    testing.make_assessment(people["m_b"], month, D("0.00"))  # exempt: owes nothing
    summary = selectors.arrears_by_child(actor=people["province"], organization=world.county_a, upto=month)
    got = _summary(summary)
    assert got[world.branch_a.pk] == (1, 1, D("120.00"))
    assert got[world.branch_a2.pk] == (1, 0, D("70.00"))
    assert (summary.owing, summary.self_departure, summary.outstanding) == (2, 1, D("190.00"))
    province = _summary(selectors.arrears_by_child(actor=people["province"], organization=world.province, upto=month))
    assert province[world.city_a.pk] == (2, 1, D("190.00")) and province[world.city_b.pk] == (0, 0, D("0.00"))


def test_the_pages_of_a_committee_and_of_a_branch(client, people, world):
    month = rules.month_start(timezone.localdate())
    for i in range(6):
        testing.make_assessment(people["m_plain"], rules.add_months(month, -i), D("20.00"))
    client.force_login(people["province"])
    html = client.get(f"/dues/org/{world.province.pk}/").content.decode()
    assert 'id="arrears-summary"' in html and 'id="self-departure-summary"' in html
    assert f'href="/dues/org/{world.city_a.pk}/?month={month:%Y-%m}" data-org="{world.city_a.pk}"' in html
    assert "张三" not in html  # no names at the province: the counts, and the way down
    html = client.get(f"/dues/org/{world.county_a.pk}/").content.decode()
    assert f'data-org="{world.branch_a.pk}"' in html and "张三" not in html
    html = client.get(f"/dues/org/{world.branch_a.pk}/").content.decode()
    assert 'id="arrears-summary"' not in html and 'id="arrears-list"' in html and "张三" in html
    assert 'id="self-departure-list"' in html


def test_a_committees_own_members_stay_listed(client, people, world):
    own = testing.make_member(world.county_a, name="钱七")  # a member filed at the committee itself
    month = rules.month_start(timezone.localdate())
    testing.make_assessment(own, month, D("5.00"))
    summary = selectors.arrears_by_child(actor=people["province"], organization=world.county_a, upto=month)
    assert summary.lines[0].direct and _summary(summary)[world.county_a.pk] == (1, 0, D("5.00"))
    client.force_login(people["city_a"])
    html = client.get(f"/dues/org/{world.county_a.pk}/").content.decode()
    assert "本级直属党员欠交党费名单" in html and "钱七" in html
