"""Structure-statistics roll-ups (members.rollups): they always equal a direct count.

`direct_counts` counts every dimension of an organization's subtree with the ORM, straight
from the member and organization tables, independently of `rollups.member_keys`; the tests
compare it with the stored roll-ups of EVERY organization after each kind of change.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.members import rollups, selectors, services
from dangwu.members.models import Member, SubtreeStat
from dangwu.orgs import services as org_services
from dangwu.orgs.models import Organization

# --- the direct count: dangwu.testing.direct_structure_counts, independent of rollups.member_keys ---

direct_counts = testing.direct_structure_counts
stored_counts = testing.stored_structure_counts
assert_exact = testing.assert_rollups_exact


def snapshot() -> dict[tuple[int, str, str], int]:
    rows = SubtreeStat.objects.exclude(count=0).values_list("organization_id", "dimension", "key", "count")
    return {(o, d, k): n for o, d, k, n in rows}


# --- making members through the services ----------------------------------------------

_serial = itertools.count(1)
# Regions of 长沙 that exist in python-stdnum's table (the services check the region code).
_REGIONS = ["430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181"]


def new_id_number(birth: date, male: bool) -> str:
    n = next(_serial)
    return testing.make_id_number(birth, male=male, region=_REGIONS[(n // 500) % len(_REGIONS)], serial=n)


def member_fields(*, birth: date = date(1980, 5, 1), male: bool = True, joined: date = date(2005, 7, 1),
                  member_type: str = "full", **extra) -> dict:
    fields = dict(name="周敏", gender="male" if male else "female", birth_date=birth, member_type=member_type,
                  joined_on=joined, converted_on=joined + timedelta(days=365) if member_type == "full" else None)
    fields.update(extra)
    return fields


def create(actor, org, **kwargs) -> Member:
    fields = member_fields(**kwargs)
    return services.create_member(actor=actor, organization=org, fields=fields,
                                  id_number=new_id_number(fields["birth_date"], fields["gender"] == "male"))


# --- member_keys --------------------------------------------------------------------

def test_member_keys_of_a_member_in_good_standing():
    m = Member(standing="normal", member_type="full", gender="female", ethnicity="土家族",
               birth_date=date(1975, 3, 2), education="undergraduate", occupation="", joined_on=date(2001, 7, 1),
               is_outflow=True, lost_contact=False, is_inflow=False, in_hardship=True)
    assert rollups.member_keys(m) == [
        ("standing", "normal"), ("member_type", "full"), ("gender", "female"), ("ethnicity", "土家族"),
        ("education", "undergraduate"), ("occupation", ""), ("birth_year", "1975"), ("join_year", "2001"),
        ("flag", "outflow"), ("flag", "hardship"),
    ]


def test_member_keys_of_a_member_not_in_good_standing_count_only_the_standing():
    m = Member(standing="suspended", member_type="full", gender="male", birth_date=date(1975, 3, 2),
               joined_on=date(2001, 7, 1), is_outflow=True)
    assert rollups.member_keys(m) == [("standing", "suspended")]


def test_changes_outside_a_transaction_are_refused(transactional_db):
    world = testing.make_world()
    member = Member(organization=world.branch_a, standing="normal", member_type="full", gender="male",
                    birth_date=date(1980, 1, 1), joined_on=date(2005, 1, 1))
    with pytest.raises(RuntimeError):
        rollups.apply_member_changes(before=[None], after=[member])


# --- after each kind of change -------------------------------------------------------------

def test_fixture_world_is_exact(people):
    assert assert_exact() == 7
    assert stored_counts(Organization.objects.get(code="43"))[("member_type", "full")] == 4


def test_creating_members(people, world):
    actor = people["province"]
    create(actor, world.branch_a, male=False, education="postgraduate", ethnicity="苗族")
    create(actor, world.branch_b, member_type="probationary", occupation="farmer", birth=date(1999, 12, 31),
           joined=date(2024, 1, 5))
    create(actor, world.county_a, is_outflow=True, outflow_destination="广东省深圳市")
    assert assert_exact() == 7
    assert stored_counts(world.province)[("ethnicity", "苗族")] == 1


def test_update_member_changing_gender_birth_date_education_and_joining(people, world):
    member = people["m_plain"]
    birth = date(1979, 2, 28)
    services.update_member(actor=people["secretary"], member=member, id_number=new_id_number(birth, False),
                           fields={"gender": "female", "birth_date": birth, "education": "junior_college",
                                   "occupation": "professional", "ethnicity": "回族", "joined_on": date(2003, 7, 1),
                                   "converted_on": date(2004, 7, 1), "in_hardship": True})
    assert assert_exact() == 7
    assert stored_counts(world.branch_a)[("gender", "female")] == 1
    assert stored_counts(world.branch_a)[("birth_year", "1979")] == 1


def test_update_member_of_type_and_flags(people, world):
    member = people["m_other"]
    services.update_member(actor=people["city_a"], member=member,
                           fields={"lost_contact": True, "lost_contact_since": date(2024, 5, 1), "is_inflow": True})
    assert assert_exact() == 7
    assert stored_counts(world.county_a)[("flag", "lost_contact")] == 1


def test_change_standing_normal_suspended_normal_and_deceased(people, world):
    member = people["m_plain"]
    services.change_standing(actor=people["secretary"], member=member, new_standing="suspended",
                             effective_on=date(2025, 3, 1), reason="违纪")
    assert assert_exact() == 7
    assert stored_counts(world.branch_a)[("standing", "suspended")] == 1
    assert stored_counts(world.branch_a)[("member_type", "full")] == 1  # only the secretary now
    services.change_standing(actor=people["secretary"], member=member, new_standing="normal",
                             effective_on=date(2025, 9, 1), reason="恢复党籍")
    assert assert_exact() == 7
    services.change_standing(actor=people["city_a"], member=people["m_other"], new_standing="deceased",
                             effective_on=date(2025, 10, 1), reason="病故")
    assert assert_exact() == 7
    assert ("member_type", "full") not in stored_counts(world.branch_a2)


def test_a_failed_service_changes_no_roll_up(people, world):
    before = snapshot()
    with pytest.raises(ValidationError):
        create(people["province"], world.branch_a, joined=date(1985, 1, 1))  # joined before 18
    with pytest.raises(ValidationError):
        services.change_standing(actor=people["secretary"], member=people["m_plain"], new_standing="normal",
                                 effective_on=date(2025, 3, 1), reason="x")  # already normal
    assert snapshot() == before


def test_creating_changing_and_dissolving_organizations(people, world):
    actor = people["city_a"]
    new = org_services.create_organization(actor=actor, parent=world.county_a, fields=dict(
        code="430102003", name="芙蓉区第三党支部", org_type="branch", founded_on=date(2020, 7, 1)))
    assert assert_exact() == 8
    assert stored_counts(world.province)[("org_type", "branch")] == 4
    org_services.update_organization(actor=actor, organization=new, fields={"org_type": "joint_branch"})
    assert assert_exact() == 8
    org_services.update_organization(actor=actor, organization=new, fields={"dissolved_on": date(2025, 6, 30)})
    assert assert_exact() == 8
    assert stored_counts(world.county_a)[("org_type", "committee")] == 1
    assert ("org_type", "joint_branch") not in stored_counts(world.province)
    # a dissolved branch's page still answers, with nothing active below it
    assert stored_counts(Organization.objects.get(pk=new.pk)) == {}


def test_transfer_between_organizations(people, world):
    """组织关系转接 (issue 4 brings the service): the member's organization changes; the two
    subtrees and their common ancestors follow."""
    member = Member.objects.get(pk=people["m_plain"].pk)
    with transaction.atomic():
        before = copy.copy(member)
        Member.objects.filter(pk=member.pk).update(organization=world.branch_b)
        after = Member.objects.get(pk=member.pk)
        rollups.apply_member_changes(before=[before], after=[after])
    assert assert_exact() == 7
    assert stored_counts(world.city_b)[("member_type", "full")] == 2
    assert stored_counts(world.province)[("member_type", "full")] == 4  # unchanged at the common ancestor


def test_batch_of_pairs_created_changed_deleted(people, world):
    """The import's way in: many pairs at once, created (None, m), changed (m0, m1), deleted (m, None)."""
    made = [testing.make_member(world.branch_a2, name=f"成员{i}", birth=date(1970 + i, 1, 1)) for i in range(3)]
    with transaction.atomic():
        gone = Member.objects.get(pk=made[0].pk)
        Member.objects.filter(pk=gone.pk).delete()
        changed_before = Member.objects.get(pk=made[1].pk)
        Member.objects.filter(pk=made[1].pk).update(education="postgraduate", organization=world.branch_b)
        changed_after = Member.objects.get(pk=made[1].pk)
        fresh = Member(organization=world.branch_b, name="新人", gender="female", birth_date=date(2000, 1, 1),
                       member_type="probationary", joined_on=date(2025, 1, 1))
        fresh.set_id_number(new_id_number(date(2000, 1, 1), False))
        fresh.save()
        rollups.apply_member_changes(before=[gone, changed_before, None], after=[None, changed_after, fresh])
    assert assert_exact() == 7


def test_nothing_to_apply_issues_no_query(people, django_assert_num_queries):
    with django_assert_num_queries(0):
        rollups.apply_member_changes(before=[], after=[])
        m = people["m_plain"]
        rollups.apply_member_changes(before=[m], after=[m])  # no change: the deltas cancel out


def test_one_member_change_costs_three_queries(people, django_assert_num_queries):
    m = people["m_plain"]
    after = copy.copy(m)
    after.education = "postgraduate"
    with transaction.atomic(), django_assert_num_queries(3):  # paths, ancestors' ids, one upsert
        rollups.apply_member_changes(before=[m], after=[after])


# --- recomputing ---------------------------------------------------------------------

def test_rebuild_equals_the_incremental_result(people, world):
    create(people["province"], world.branch_b, male=False, is_inflow=True)
    services.change_standing(actor=people["secretary"], member=people["m_plain"], new_standing="suspended",
                             effective_on=date(2025, 3, 1), reason="违纪")
    incremental = snapshot()
    rollups.rebuild()
    assert snapshot() == incremental
    assert_exact()


def test_rebuild_of_a_subtree_repairs_it_and_its_ancestors(people, world):
    expected = snapshot()
    # A bulk write that bypassed the roll-ups (as a COPY would), in county A's subtree …
    with transaction.atomic():
        extra = Member(organization=world.branch_a2, name="批量", gender="female", birth_date=date(1960, 1, 1),
                       member_type="full", joined_on=date(1990, 1, 1), converted_on=date(1991, 1, 1))
        extra.set_id_number(new_id_number(date(1960, 1, 1), False))
        extra.save()
        SubtreeStat.objects.filter(organization=world.branch_a, dimension="gender").delete()  # … and a damaged row
    assert snapshot() != expected
    rollups.rebuild(organization=world.county_a)
    assert_exact()
    assert stored_counts(world.province)[("birth_year", "1960")] == 1
    assert stored_counts(world.city_b) == {k[1:]: n for k, n in expected.items() if k[0] == world.city_b.pk}


def test_rebuild_inside_a_transaction_that_rolls_back_changes_nothing(people):
    before = snapshot()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        SubtreeStat.objects.all().delete()
        rollups.rebuild()
        1 / 0  # noqa: B018
    assert snapshot() == before


def test_demo_loader(db):
    call_command("seed_demo", members=300, seed=3, verbosity=0, stdout=StringIO())
    compared = assert_exact()
    assert compared > 20
    root = Organization.objects.get(depth=1)
    assert sum(n for (d, _), n in stored_counts(root).items() if d == "standing") == Member.objects.count()
    # then work goes on through the services
    actor = testing.make_user("prov", ("org_department", root))
    branch = Organization.objects.filter(org_type="branch", dissolved_on__isnull=True).order_by("path").last()
    create(actor, branch, male=False, birth=date(1990, 1, 1), joined=date(2015, 7, 1))
    member = Member.objects.filter(standing="normal").order_by("id").first()
    services.change_standing(actor=actor, member=member, new_standing="suspended",
                             effective_on=timezone.localdate(), reason="违纪")
    assert_exact()


def test_rebuild_stats_command_checks_and_repairs(people, world):
    call_command("rebuild_stats", "--check", stdout=StringIO())
    SubtreeStat.objects.filter(organization=world.city_a, dimension="gender", key="male").update(count=99)
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_stats", "--check", stdout=StringIO())
    out = StringIO()
    call_command("rebuild_stats", "--org", "4301", stdout=out)
    assert "recomputed" in out.getvalue()
    call_command("rebuild_stats", "--check", stdout=StringIO())
    assert AuditEntry.objects.order_by("-seq").first().action == "stats.rebuild"
    assert_exact()
    with pytest.raises(CommandError):
        call_command("rebuild_stats", "--org", "nope", stdout=StringIO())


# --- a random sequence of changes ------------------------------------------------------------

HYPO = hsettings(max_examples=25, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_ORGS = ("branch_a", "branch_a2", "branch_b", "county_a", "city_b")
_today = date.today()
create_op = st.fixed_dictionaries({
    "op": st.just("create"), "org": st.sampled_from(_ORGS), "male": st.booleans(),
    "birth": st.dates(date(1935, 1, 1), date(2000, 12, 31)), "years_to_join": st.integers(18, 24),
    "member_type": st.sampled_from(["full", "probationary"]),
    "education": st.sampled_from(["", "postgraduate", "undergraduate", "high_school"]),
    "occupation": st.sampled_from(["", "farmer", "retired", "employed"]),
    "ethnicity": st.sampled_from(["汉族", "土家族", "苗族"]), "inflow": st.booleans(), "hardship": st.booleans(),
})
update_op = st.fixed_dictionaries({
    "op": st.just("update"), "which": st.integers(0, 1000), "male": st.booleans(),
    "birth": st.dates(date(1935, 1, 1), date(1990, 12, 31)),
    "education": st.sampled_from(["", "junior_college", "primary"]), "outflow": st.booleans(),
    "ethnicity": st.sampled_from(["汉族", "回族"]),
})
standing_op = st.fixed_dictionaries({
    "op": st.just("standing"), "which": st.integers(0, 1000),
    "to": st.sampled_from(["suspended", "normal", "normal", "deceased"]),
})
transfer_op = st.fixed_dictionaries({"op": st.just("transfer"), "which": st.integers(0, 1000),
                                     "to": st.sampled_from(_ORGS)})


@HYPO
@given(ops=st.lists(st.one_of(create_op, update_op, standing_op, transfer_op), min_size=1, max_size=8))
def test_random_sequences_of_changes_keep_the_roll_ups_exact(people, world, ops):
    actor = people["province"]
    for op in ops:
        members = list(Member.objects.order_by("id"))
        try:
            if op["op"] == "create":
                joined = min(date(op["birth"].year + op["years_to_join"], 7, 1), _today - timedelta(days=400))
                create(actor, getattr(world, op["org"]), male=op["male"], birth=op["birth"], joined=joined,
                       member_type=op["member_type"], education=op["education"], occupation=op["occupation"],
                       ethnicity=op["ethnicity"], is_inflow=op["inflow"], in_hardship=op["hardship"])
            elif op["op"] == "update":
                m = members[op["which"] % len(members)]
                birth = op["birth"] if op["birth"] <= date(m.joined_on.year - 18, 1, 1) else m.birth_date
                services.update_member(
                    actor=actor, member=m, id_number=new_id_number(birth, op["male"]),
                    fields={"gender": "male" if op["male"] else "female", "birth_date": birth,
                            "education": op["education"], "ethnicity": op["ethnicity"], "is_outflow": op["outflow"],
                            "outflow_destination": "外省" if op["outflow"] else ""})
            elif op["op"] == "standing":
                m = members[op["which"] % len(members)]
                services.change_standing(actor=actor, member=m, new_standing=op["to"],
                                         effective_on=max(m.standing_since or m.joined_on, m.joined_on), reason="测试")
            else:
                m = members[op["which"] % len(members)]
                with transaction.atomic():
                    before = Member.objects.get(pk=m.pk)
                    Member.objects.filter(pk=m.pk).update(organization=getattr(world, op["to"]))
                    rollups.apply_member_changes(before=[before], after=[Member.objects.get(pk=m.pk)])
        except ValidationError:
            pass  # a refused change (e.g. no such standing transition) must leave the roll-ups alone
    assert_exact()


# --- reading: the selector, the API, the pages ------------------------------------------------

def test_bands_of_age_and_years_since_joining_at_the_end_of_the_year(people, world):
    year = timezone.localdate().year
    for age, joined_ago in ((30, 4), (31, 5), (70, 10), (71, 11), (40, 41)):
        testing.make_member(world.branch_b, name="边界", birth=date(year - age, 12, 31),
                            joined_on=date(year - joined_ago, 12, 31), converted_on=None, member_type="probationary")
    stats = selectors.structure_stats(actor=people["city_b"], organization=world.city_b)
    ages = {i["key"]: i["count"] for i in stats["age_band"]}
    joined = {i["key"]: i["count"] for i in stats["years_since_joining"]}
    born_b = year - people["m_b"].birth_date.year  # 赵六 of the fixtures
    expected_ages = Counter({"30_or_less": 1, "31_40": 2, "61_70": 1, "71_or_more": 1})
    expected_ages[next(k for k, _l, lo, hi in selectors.AGE_BANDS
                       if (lo is None or born_b >= lo) and (hi is None or born_b <= hi))] += 1
    assert ages == {k: expected_ages.get(k, 0) for k in ages}
    assert joined["under_5"] == 1 and joined["5_10"] == 2 and joined["11_20"] >= 1 and joined["41_or_more"] == 1
    assert stats["year"] == year and stats["age_basis"] == "year_end"


def test_structure_stats_refuses_outside_the_member_scope(people, world):
    with pytest.raises(PermissionDenied):
        selectors.structure_stats(actor=people["city_b"], organization=world.city_a)
    with pytest.raises(PermissionDenied):
        selectors.structure_stats(actor=people["auditor"], organization=world.province)


def _as_dict(items):
    return {i["key"]: i["count"] for i in items}


def test_api_stats_shape_and_values(people, world):
    testing.make_member(world.branch_a2, name="土家", ethnicity="土家族", male=False, birth=date(1992, 2, 2),
                        education="postgraduate")
    client = APIClient()
    client.force_authenticate(people["city_a"])
    response = client.get(f"/api/v1/organizations/{world.city_a.pk}/stats/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"organization", "year", "age_basis", "total", "all_standings", "organizations",
                         "member_type", "standing", "gender", "ethnicity", "ethnicity_each", "age_band", "education",
                         "occupation", "years_since_joining", "flags", "org_type"}
    for item in data["gender"] + data["age_band"] + data["org_type"]:
        assert set(item) == {"key", "label", "count"}
    direct = direct_counts(world.city_a)
    normal = Member.objects.filter(organization__path__startswith=world.city_a.path, standing="normal")
    assert data["organization"] == {"id": world.city_a.pk, "code": "4301", "name": "中共长沙市委"}
    assert data["total"] == normal.count() == 4
    assert _as_dict(data["gender"]) == {"male": direct[("gender", "male")], "female": direct[("gender", "female")]}
    assert _as_dict(data["ethnicity"]) == {"han": 3, "minority": 1}
    assert _as_dict(data["ethnicity_each"]) == {"汉族": 3, "土家族": 1}
    assert _as_dict(data["education"])["postgraduate"] == 1
    assert _as_dict(data["org_type"]) == {**{k: 0 for k in _as_dict(data["org_type"])}, "committee": 2, "branch": 2}
    assert data["organizations"] == 4
    assert sum(_as_dict(data["age_band"]).values()) == sum(_as_dict(data["years_since_joining"]).values()) == 4
    labels = {i["key"]: i["label"] for i in data["member_type"]}
    assert labels == {"full": "正式党员", "probationary": "预备党员"}
    # out of scope: 404, as for the organization itself
    assert client.get(f"/api/v1/organizations/{world.city_b.pk}/stats/").status_code == 404
    english = client.get(f"/api/v1/organizations/{world.city_a.pk}/stats/", HTTP_ACCEPT_LANGUAGE="en")
    assert {i["key"]: i["label"] for i in english.json()["member_type"]}["full"] != "正式党员"


def test_api_stats_of_a_branch_for_its_secretary(people, world):
    client = APIClient()
    client.force_authenticate(people["secretary"])
    data = client.get(f"/api/v1/organizations/{world.branch_a.pk}/stats/").json()
    assert data["total"] == 2 and data["organizations"] == 1
    assert client.get(f"/api/v1/organizations/{world.county_a.pk}/stats/").status_code == 404


def test_org_page_shows_the_stats_card(client, people, world):
    client.force_login(people["city_a"])
    html = client.get(f"/orgs/{world.city_a.pk}/").content.decode()
    assert 'id="org-stats"' in html and "结构统计" in html and "年龄按统计年度末计算" in html
    assert "vendor/echarts/echarts.min.js" in html and "dangwu/structure-charts.js" in html
    assert 'data-dimension="age_band"' in html and 'id="org-stats-data"' in html
    # a plain member sees their organization's page without the statistics of its members
    client.force_login(people["plain"])
    html = client.get(f"/orgs/{world.branch_a.pk}/").content.decode()
    assert 'id="org-stats"' not in html


def test_home_page_counts_come_from_the_roll_ups(client, people, world):
    client.force_login(people["city_a"])
    html = client.get("/").content.decode()
    assert 'id="home-stats"' in html
    assert 'data-stat="members">3<' in html and 'data-stat="orgs">4<' in html  # city A: 3 members, 4 organizations
    # no scan of the members: the numbers stay those of the roll-ups even if the rows are tampered with
    SubtreeStat.objects.filter(organization=world.city_a, dimension="member_type", key="full").update(count=1234)
    assert 'data-stat="full">1234<' in client.get("/").content.decode()
