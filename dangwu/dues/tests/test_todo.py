"""The dues app's to-do items (待办): members on the 自行脱党 list and hardship reductions to decide,
counted for the right people, linking to lists of exactly those things, with the menu badge."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.utils import timezone

from dangwu import testing
from dangwu.core import access
from dangwu.core.roles import Cap
from dangwu.dues import rules, selectors, services, todo
from dangwu.dues.models import Reduction


def _this_month():
    return rules.month_start(timezone.localdate())


def _items(user, key):
    return [item for item in todo.todo_items(user=user) if item.key == key]


def _owe(member, months: int, amount=D("20.00")):
    """Assessed and unpaid for the `months` months up to this one."""
    month = _this_month()
    return [testing.make_assessment(member, rules.add_months(month, -i), amount) for i in range(months)]


@pytest.fixture
def arrears_world(dues_people):
    """王芳 owes six months in a row (the 自行脱党 list); 赵强 five; 李书记 six, the oldest paid."""
    _owe(dues_people["m_wang"], 6)
    _owe(dues_people["m_zhao"], 5)
    _owe(dues_people["m_sec"], 6)
    oldest = rules.add_months(_this_month(), -5)
    services.record_payment(actor=dues_people["secretary"], member=dues_people["m_sec"], months=[oldest],
                            method="cash")
    _owe(dues_people["m_b"], 6)  # another city's member
    return dues_people


def test_the_secretary_sees_the_self_departure_list_count_and_link(arrears_world, world, client):
    people = arrears_world
    [item] = _items(people["secretary"], "dues.self_departure")
    assert item.count == 1 and item.urgent and item.menu == "dues"
    assert item.url == f"/dues/org/{world.branch_a.pk}/?month={_this_month():%Y-%m}#self-departure-list"
    # the link opens the list of exactly those members
    client.force_login(people["secretary"])
    html = client.get(item.url).content.decode()
    listed = html[html.index('id="self-departure-list"'):]
    listed = listed[:listed.index("</div>")]
    assert "王芳" in listed and "赵强" not in listed and "李书记" not in listed
    # the count is the page's list, counted by the database
    must_act = [a for a in selectors.arrears(actor=people["secretary"], organization=world.branch_a,
                                             upto=_this_month()) if a.level == "self_departure"]
    assert len(must_act) == item.count


def test_the_committee_above_counts_its_whole_scope(arrears_world, world):
    people = arrears_world
    [item] = _items(people["city_a"], "dues.self_departure")
    assert item.count == 1 and item.url.startswith(f"/dues/org/{world.city_a.pk}/?month=")
    assert item.url.endswith("#self-departure-summary")  # a committee's page sums them by sub-organization
    summary = selectors.arrears_by_child(actor=people["city_a"], organization=world.city_a, upto=_this_month())
    assert summary.self_departure == item.count
    [item] = _items(people["province"], "dues.self_departure")
    assert item.count == 2  # 王芳 and 赵六 of city B


@pytest.mark.parametrize("who", ["plain", "sibling", "city_b", "discipline", "auditor"])
def test_others_see_no_arrears_item(arrears_world, who):
    people = arrears_world
    expected_b = {"city_b": 1}  # city B's own member, not branch A's
    items = _items(people[who], "dues.self_departure")
    assert sum(i.count for i in items) == expected_b.get(who, 0)


def test_a_payment_takes_the_member_off_at_once(arrears_world):
    people = arrears_world
    services.record_payment(actor=people["secretary"], member=people["m_wang"], months=[_this_month()],
                            method="cash")
    assert _items(people["secretary"], "dues.self_departure") == []


def test_nothing_unpaid_this_month_costs_one_query(dues_people, django_assert_num_queries):
    _owe(dues_people["m_wang"], 1)
    services.record_payment(actor=dues_people["secretary"], member=dues_people["m_wang"], months=[_this_month()],
                            method="cash")
    user = dues_people["secretary"]
    access.capabilities(user)  # the role assignments, read once a request anyway
    with django_assert_num_queries(2):  # the scope's top organization, its roll-up of the month
        assert todo.self_departure(user=user) == []


def test_a_large_scope_keeps_the_count_for_a_while(arrears_world, settings):
    """Above DANGWU_TODO_LIVE_MEMBERS assessed members the count comes from the cache: the same
    figure, not counted again on the next page."""
    people = arrears_world
    settings.DANGWU_TODO_LIVE_MEMBERS = 0
    cache.clear()
    try:
        [item] = _items(people["city_a"], "dues.self_departure")
        assert item.count == 1
        services.record_payment(actor=people["secretary"], member=people["m_wang"], months=[_this_month()],
                                method="cash")
        [item] = _items(people["city_a"], "dues.self_departure")
        assert item.count == 1  # kept (a few minutes); a branch's own count is live
        assert _items(people["secretary"], "dues.self_departure") == []
    finally:
        cache.clear()


# --- reductions to decide ----------------------------------------------------------------------

@pytest.fixture
def reduction(dues_people):
    month = _this_month()
    return services.request_reduction(actor=dues_people["secretary"], member=dues_people["m_wang"], kind="exempt",
                                      start_month=month, end_month=month, reason="因病生活困难")


def test_the_next_level_committee_sees_the_reduction_to_decide(dues_people, reduction, client):
    county = dues_people["county"]
    [item] = _items(county, "dues.reductions")
    assert item.count == 1 and item.url == "/dues/reductions/?show=to_decide" and item.menu == "dues"
    other = services.request_reduction(actor=dues_people["city_b"], member=dues_people["m_b"], kind="exempt",
                                       start_month=_this_month(), end_month=_this_month(), reason="困难")
    client.force_login(dues_people["city_b"])  # branch B's committee decides branch B's request only
    html = client.get(item.url).content.decode()
    assert f'action="/dues/reductions/{other.pk}/decide/"' in html
    assert f'action="/dues/reductions/{reduction.pk}/decide/"' not in html
    client.force_login(county)
    html = client.get(item.url).content.decode()
    assert f'action="/dues/reductions/{reduction.pk}/decide/"' in html
    assert f'action="/dues/reductions/{other.pk}/decide/"' not in html
    assert ">全部申请<" not in html and 'id="show-all"' in html  # only those to decide
    assert ">全部申请<" in client.get("/dues/reductions/").content.decode()
    services.decide_reduction(actor=county, reduction=reduction, approve=True)
    assert _items(county, "dues.reductions") == []
    assert 'id="none-to-decide"' in client.get(item.url).content.decode()


@pytest.mark.parametrize("who", ["secretary", "approver_at_branch", "plain", "sibling", "city_b", "discipline",
                                 "auditor"])
def test_no_one_else_sees_the_reduction(dues_people, reduction, who):
    assert _items(dues_people[who], "dues.reductions") == []


def test_who_decides_is_one_rule(dues_people, world, reduction):
    """`can_decide` and the to-do count read one rule (`decidable_reductions`): it agrees with the
    plain reading — `dues.approve` at the requesting organization's parent — for every caller."""
    month = _this_month()
    at_county = Reduction.objects.create(member=dues_people["m_wang"], organization=world.county_a, kind="exempt",
                                         monthly_amount=D("0"), start_month=month, end_month=month, reason="x")
    at_root = Reduction.objects.create(member=dues_people["m_wang"], organization=world.province, kind="exempt",
                                       monthly_amount=D("0"), start_month=month, end_month=month, reason="x")
    for who, user in dues_people.items():
        if not hasattr(user, "username"):
            continue
        for r in (reduction, at_county, at_root):
            expected = access.can(user, Cap.DUES_APPROVE, selectors.approving_organization(reduction=r))
            assert selectors.can_decide(actor=user, reduction=r) == expected, (who, r.organization.name)


def test_home_page_and_menu_badge(arrears_world, reduction, client):
    people = arrears_world
    county = people["county"]
    client.force_login(county)
    html = client.get("/").content.decode()
    assert 'data-todo="dues.reductions"' in html and 'data-todo="dues.self_departure"' in html
    badge = re.search(r'data-badge="dues"[^>]*>(\d+)<', html)
    assert badge and int(badge.group(1)) == 2  # one member to act on, one reduction to decide
    assert "dw-menu-badge-urgent" in html
    client.force_login(people["plain"])
    html = client.get("/").content.decode()
    assert "data-badge=" not in html and 'data-todo="dues.' not in html
