"""Organization API: scope, parent ids, filters, writes through the services, bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.orgs.models import Organization

URL = "/api/v1/organizations/"
ALL = ("province", "city_a", "county_a", "branch_a", "branch_a2", "city_b", "branch_b")


_client = testing.api_client


def _detail(org) -> str:
    return f"{URL}{org.pk}/"


_ids = testing.result_ids


def _orgs(world, *names) -> set[int]:
    return {getattr(world, name).pk for name in names}


def _new(parent, **overrides) -> dict:
    data = {"code": "430102003", "name": "芙蓉区第三党支部", "type": "branch", "parent": parent.pk,
            "unit_category": "community", "founded_on": "2020-07-01"}
    data.update(overrides)
    return data


# --- reading and scope ---------------------------------------------------------------------

def test_list_shape_and_parent_ids(people, world):
    response = _client(people["province"]).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 7
    rows = {row["id"]: row for row in body["results"]}
    assert {"id", "code", "name", "type", "parent"} <= set(rows[world.branch_a.pk])
    assert rows[world.branch_a.pk]["code"] == "430102001"
    assert rows[world.branch_a.pk]["name"] == "芙蓉区第一党支部"
    assert rows[world.branch_a.pk]["type"] == "branch"
    assert rows[world.branch_a.pk]["parent"] == world.county_a.pk
    assert rows[world.county_a.pk]["parent"] == world.city_a.pk
    assert rows[world.city_b.pk]["parent"] == world.province.pk
    assert rows[world.province.pk]["parent"] is None
    assert rows[world.province.pk]["type"] == "committee"


def test_detail_parent_id(people, world):
    client = _client(people["city_a"])
    assert client.get(_detail(world.branch_a2)).json()["parent"] == world.county_a.pk
    # the parent is an id even where the parent itself is out of the caller's scope
    assert client.get(_detail(world.city_a)).json()["parent"] == world.province.pk


@pytest.mark.parametrize("who, expected", [
    ("province", ALL),
    ("sysadmin", ALL),
    ("auditor", ALL),
    ("city_a", ("city_a", "county_a", "branch_a", "branch_a2")),
    ("city_b", ("city_b", "branch_b")),
    ("secretary", ("branch_a",)),
    ("sibling", ("branch_a2",)),
    ("plain", ("branch_a",)),
])
def test_list_is_scoped(people, world, who, expected):
    response = _client(people[who]).get(URL)
    assert response.status_code == 200
    assert _ids(response) == _orgs(world, *expected)


@pytest.mark.parametrize("who, target", [
    ("city_a", "city_b"), ("city_a", "branch_b"), ("city_a", "province"), ("city_b", "branch_a"),
    ("secretary", "branch_a2"), ("plain", "county_a"),
])
def test_out_of_scope_detail_is_404_and_audited(people, world, who, target):
    org = getattr(world, target)
    response = _client(people[who]).get(_detail(org))
    assert response.status_code == 404
    assert org.name.encode() not in response.content
    assert AuditEntry.objects.filter(action="access.denied", actor=people[who]).count() == 1


@pytest.mark.parametrize("url", [f"{URL}abc/", f"{URL}-1/", f"{URL}99999999999999999999999999/", f"{URL}%00/"])
def test_nonsense_ids_are_404(people, url):
    assert _client(people["province"]).get(url).status_code == 404


def test_anonymous_is_refused(people, world):
    client = APIClient()
    for response in (client.get(URL), client.get(_detail(world.branch_a)),
                     client.post(URL, _new(world.county_a), format="json"),
                     client.patch(_detail(world.branch_a), {"name": "x"}, format="json")):
        assert response.status_code in (401, 403)
        assert world.branch_a.name.encode() not in response.content
    assert Organization.objects.count() == 7


# --- filters -------------------------------------------------------------------------------

@pytest.mark.parametrize("who, q, expected", [
    ("province", "芙蓉", ("county_a", "branch_a", "branch_a2")),
    ("province", "第一党支部", ("branch_a", "branch_b")),
    ("province", "4302", ("city_b", "branch_b")),
    ("province", "430102001", ("branch_a",)),
    ("province", "株洲", ("city_b",)),
    ("province", "不存在", ()),
    ("city_a", "第一党支部", ("branch_a",)),
    ("city_a", "4302", ()),
    ("secretary", "芙蓉", ("branch_a",)),
])
def test_q_filter(people, world, who, q, expected):
    response = _client(people[who]).get(URL, {"q": q})
    assert response.status_code == 200
    assert _ids(response) == _orgs(world, *expected)


@pytest.mark.parametrize("who, parent, expected", [
    ("province", "county_a", ("branch_a", "branch_a2")),
    ("province", "province", ("city_a", "city_b")),
    ("province", "branch_a", ()),
    ("city_a", "city_a", ("county_a",)),
    ("city_a", "province", ()),  # the parent itself is out of scope
    ("city_a", "city_b", ()),
])
def test_parent_filter(people, world, who, parent, expected):
    response = _client(people[who]).get(URL, {"parent": getattr(world, parent).pk})
    assert response.status_code == 200
    assert _ids(response) == _orgs(world, *expected)


def test_q_and_parent_together(people, world):
    response = _client(people["province"]).get(URL, {"parent": world.county_a.pk, "q": "第二"})
    assert _ids(response) == _orgs(world, "branch_a2")


@pytest.mark.parametrize("params", [
    {"q": "\x00"}, {"q": "x" * 10_000}, {"q": "%"}, {"q": "' OR 1=1 --"}, {"parent": "abc"}, {"parent": "1\x00x"},
    {"parent": "99999999999999999999999"}, {"parent": "-1"}, {"page": "abc"}, {"q": "\U0001f600"},
])
def test_query_garbage_never_500(people, params):
    response = _client(people["province"]).get(URL, params)
    assert response.status_code < 500
    if response.status_code == 200 and ("parent" in params or params.get("q") in ("%", "' OR 1=1 --")):
        assert response.json()["results"] == []


# --- create --------------------------------------------------------------------------------

@pytest.mark.parametrize("who, parent", [("city_a", "county_a"), ("province", "county_a"), ("sysadmin", "city_b")])
def test_create_organization(people, world, who, parent):
    parent_org = getattr(world, parent)
    response = _client(people[who]).post(URL, _new(parent_org), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"] == parent_org.pk
    assert body["type"] == "branch"
    org = Organization.objects.get(pk=body["id"])
    assert org.code == "430102003"
    assert Organization.objects.get_parent(org).pk == parent_org.pk
    assert AuditEntry.objects.count() == 1
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id, entry.actor) == ("org.create", str(org.pk), people[who])
    # the new organization is in the creator's scope at once
    assert _client(people[who]).get(_detail(org)).status_code == 200


@pytest.mark.parametrize("who, parent", [("city_a", "city_b"), ("city_a", "province"), ("city_b", "branch_a")])
def test_create_under_out_of_scope_parent_is_400_parent(people, world, who, parent):
    response = _client(people[who]).post(URL, _new(getattr(world, parent)), format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    assert Organization.objects.count() == 7
    # nothing written; the reach outside the scope is audited (issue 12, finding 9)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["access.denied"]


@pytest.mark.parametrize("change, key", [
    ({"parent": None}, "parent"),
    ({"parent": 99_999_999}, "parent"),
    ({"parent": "abc"}, "parent"),
    ({"parent": 10**30}, "parent"),
    ({"parent": [1]}, "parent"),
    ({"code": "430102001"}, "code"),  # taken
    ({"code": ""}, "code"),
    ({"code": "9" * 33}, "code"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": "名" * 121}, "name"),
    ({"name": {"zh": "支部"}}, "name"),
    ({"type": "club"}, "type"),
    ({"type": None}, "type"),
    ({"unit_category": "spaceship"}, "unit_category"),
    ({"founded_on": "2020-02-30"}, "founded_on"),
    ({"founded_on": "yesterday"}, "founded_on"),
    ({"founded_on": (date.today() + timedelta(days=30)).isoformat()}, "founded_on"),
    ({"dissolved_on": "2019-01-01"}, "dissolved_on"),
    ({"contact_phone": "1" * 21}, "contact_phone"),
])
def test_create_invalid_is_400_keyed(people, world, change, key):
    data = _new(world.county_a)
    data.update(change)
    response = _client(people["city_a"]).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert key in response.json(), response.json()
    assert Organization.objects.count() == 7
    assert not AuditEntry.objects.exists()


def test_create_without_parent_is_400_parent(people, world):
    data = _new(world.county_a)
    del data["parent"]
    response = _client(people["province"]).post(URL, data, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()
    assert Organization.objects.count() == 7


def test_group_rules_are_keyed_by_api_field_names(people, world):
    client = _client(people["province"])
    wrong_place = client.post(URL, _new(world.county_a, type="group"), format="json")
    assert wrong_place.status_code == 400
    assert "type" in wrong_place.json(), wrong_place.json()
    group = client.post(URL, _new(world.branch_a, type="group", code="43010200101"), format="json")
    assert group.status_code == 201
    under_group = client.post(URL, _new(Organization.objects.get(pk=group.json()["id"]), code="4301020010101"),
                              format="json")
    assert under_group.status_code == 400
    assert "parent" in under_group.json()
    assert Organization.objects.count() == 8


@pytest.mark.parametrize("who", ["secretary", "plain", "discipline", "auditor", "security"])
def test_create_refused_without_org_edit(people, world, who):
    response = _client(people[who]).post(URL, _new(world.branch_a), format="json")
    assert response.status_code == 403
    assert Organization.objects.count() == 7
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[1]", "null", '"x"', ""])
def test_bad_body_is_400(people, body):
    response = _client(people["province"]).generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert Organization.objects.count() == 7


# --- update --------------------------------------------------------------------------------

def test_patch_name(people, world):
    response = _client(people["city_a"]).patch(_detail(world.branch_a), {"name": "芙蓉区示范党支部"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "芙蓉区示范党支部"
    assert response.json()["parent"] == world.county_a.pk
    world.branch_a.refresh_from_db()
    assert world.branch_a.name == "芙蓉区示范党支部"
    entry = AuditEntry.objects.get()
    assert entry.action == "org.update"
    assert entry.summary["changes"]["name"] == ["芙蓉区第一党支部", "芙蓉区示范党支部"]


@pytest.mark.parametrize("change, key", [
    ({"code": "X1"}, "code"),
    ({"code": "430102002"}, "code"),  # another organization's
    ({"parent": "city_b"}, "parent"),
    ({"parent": None}, "parent"),
    ({"parent": "branch_a"}, "parent"),
])
@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_change_of_code_or_parent_is_400_keyed(people, world, change, key, method):
    client = _client(people["province"])
    if isinstance(change.get("parent"), str):
        change = {"parent": getattr(world, change["parent"]).pk}
    body = client.get(_detail(world.branch_a)).json() if method == "put" else {}
    before = Organization.objects.filter(pk=world.branch_a.pk).values().get()
    response = getattr(client, method)(_detail(world.branch_a), {**body, **change, "name": "新名"}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {key}
    assert Organization.objects.filter(pk=world.branch_a.pk).values().get() == before
    assert not AuditEntry.objects.exists()


def test_code_and_parent_as_they_are_may_be_sent_back(people, world):
    client = _client(people["province"])
    response = client.patch(_detail(world.branch_a), {"parent": world.county_a.pk, "code": "430102001",
                                                      "name": "新名"}, format="json")
    assert response.status_code == 200, response.content
    org = Organization.objects.get(pk=world.branch_a.pk)
    assert (org.code, org.name) == ("430102001", "新名")
    assert Organization.objects.get_parent(org).pk == world.county_a.pk


def test_put_of_what_get_answered(people, world):
    client = _client(people["province"])
    for org in (world.province, world.branch_a):
        body = client.get(_detail(org)).json()
        response = client.put(_detail(org), body, format="json")
        assert response.status_code == 200, response.content
        assert response.json() == body
    assert not AuditEntry.objects.exists()
    body = client.get(_detail(world.branch_a)).json()
    assert client.put(_detail(world.branch_a), {**body, "address": "芙蓉中路1号"}, format="json").status_code == 200
    assert AuditEntry.objects.get().summary["changes"] == {"address": ["", "芙蓉中路1号"]}


@pytest.mark.parametrize("params", [{"q": "zzz"}, {"parent": "abc"}, {"parent": "1"}, {"q": "株洲"}])
def test_detail_ignores_the_list_filters(people, world, params):
    response = _client(people["city_a"]).get(_detail(world.branch_a), params)
    assert response.status_code == 200
    assert response.json()["id"] == world.branch_a.pk
    assert response.json()["parent"] == world.county_a.pk
    assert not AuditEntry.objects.filter(action="access.denied").exists()


@pytest.mark.parametrize("who, target", [("city_a", "city_b"), ("city_a", "branch_b"), ("city_b", "branch_a")])
def test_patch_out_of_scope_is_404(people, world, who, target):
    org = getattr(world, target)
    response = _client(people[who]).patch(_detail(org), {"name": "改名"}, format="json")
    assert response.status_code == 404
    org.refresh_from_db()
    assert org.name != "改名"


@pytest.mark.parametrize("who", ["secretary", "plain", "discipline", "auditor"])
def test_patch_refused_without_org_edit(people, world, who):
    response = _client(people[who]).patch(_detail(world.branch_a), {"name": "改名"}, format="json")
    assert response.status_code == 403
    world.branch_a.refresh_from_db()
    assert world.branch_a.name == "芙蓉区第一党支部"


@pytest.mark.parametrize("change, key", [
    ({"name": ""}, "name"),
    ({"founded_on": "2020-02-30"}, "founded_on"),
    ({"founded_on": "2020-01-01", "dissolved_on": "2019-01-01"}, "dissolved_on"),
    ({"type": "group"}, "type"),  # a group must sit under a branch; branch A sits under a committee
    ({"type": 3}, "type"),
])
def test_patch_invalid_is_400_keyed(people, world, change, key):
    before = Organization.objects.filter(pk=world.branch_a.pk).values().get()
    response = _client(people["province"]).patch(_detail(world.branch_a), change, format="json")
    assert response.status_code == 400, response.content
    assert key in response.json(), response.json()
    assert Organization.objects.filter(pk=world.branch_a.pk).values().get() == before
    assert not AuditEntry.objects.exists()


# --- fuzz ------------------------------------------------------------------------------------

ORG_FIELDS = ["code", "name", "type", "parent", "unit_name", "unit_category", "region_code", "founded_on",
              "dissolved_on", "contact_phone", "address", "id", "depth", "path"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=200)
    | st.dates().map(date.isoformat)
    | st.sampled_from(["2020-02-30", "\x00", "x" * 10_000, "group", "branch", "", " ", "9" * 40]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
HYPO = hsettings(max_examples=50, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@HYPO
@given(change=st.dictionaries(st.sampled_from(ORG_FIELDS), json_values, min_size=1, max_size=4))
def test_hypothesis_fuzz_create_and_patch(people, world, change):
    client = _client(people["province"])
    data = _new(world.county_a, code=f"F{testing._serial.__next__()}")
    data.update(change)
    before = Organization.objects.count()
    created = client.post(URL, data, format="json")
    assert created.status_code < 500, change
    if created.status_code != 201:
        assert Organization.objects.count() == before
    patched = client.patch(_detail(world.branch_a2), change, format="json")
    assert patched.status_code < 500, change


# --- a change of type the tree does not allow (issue 12, finding 6) ----------------------------

def test_a_committee_with_sub_organizations_cannot_become_a_branch(people, world):
    client = _client(people["province"])
    before = Organization.objects.filter(pk=world.city_a.pk).values().get()
    response = client.patch(_detail(world.city_a), {"type": "branch"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {"type": ["该党组织设有下级组织，不能改为此类别：党支部之下只能设党小组"]}
    assert Organization.objects.filter(pk=world.city_a.pk).values().get() == before
    assert not AuditEntry.objects.exists()


def test_a_branch_with_members_cannot_become_a_party_group(people, world):
    response = _client(people["province"]).patch(_detail(world.branch_a), {"type": "party_group"}, format="json")
    assert response.status_code == 400, response.content
    assert "该党组织有2名党员" in response.json()["type"][0]
    # an empty branch may become a temporary branch (its type keeps no members' relations)
    empty = _client(people["province"]).post(URL, _new(world.county_a), format="json").json()["id"]
    response = _client(people["province"]).patch(f"{URL}{empty}/", {"type": "temporary_branch"}, format="json")
    assert response.status_code == 200, response.content


def test_nothing_but_a_group_is_founded_under_a_branch(people, world):
    response = _client(people["province"]).post(URL, _new(world.branch_a, type="committee"), format="json")
    assert response.status_code == 400
    assert response.json() == {"type": ["党支部之下只能设党小组"]}
    assert not Organization.objects.filter(code="430102003").exists()


def test_the_root_is_not_renamed_into_a_branch_by_its_organization_department(people, world):
    client = _client(people["province"])
    body = client.get(_detail(world.province)).json()
    before = Organization.objects.filter(pk=world.province.pk).values().get()
    response = client.put(_detail(world.province), {**body, "name": "中共芙蓉区委", "type": "branch"}, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"name", "type"}
    assert "系统管理员" in response.json()["name"][0]
    assert Organization.objects.filter(pk=world.province.pk).values().get() == before
    # its address is the department's to keep
    assert client.patch(_detail(world.province), {"address": "长沙市芙蓉中路"}, format="json").status_code == 200


def test_the_system_administrator_renames_the_root_but_keeps_it_a_committee(people, world):
    client = _client(people["sysadmin"])
    response = client.patch(_detail(world.province), {"type": "branch"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"type": ["最高一级党组织只能是党委", "该党组织设有下级组织，不能改为此类别：党支部之下只能设党小组"]}
    response = client.patch(_detail(world.province), {"name": "中共湖南省委员会"}, format="json")
    assert response.status_code == 200, response.content
    assert Organization.objects.get(pk=world.province.pk).name == "中共湖南省委员会"


def test_the_edit_page_cites_the_same_rule(client, people, world):
    client.force_login(people["province"])
    form = client.get(f"/orgs/{world.city_a.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    response = client.post(f"/orgs/{world.city_a.pk}/edit/", {**data, "org_type": "branch"})
    assert response.status_code == 200
    assert "党支部之下只能设党小组" in response.content.decode()
    assert 'data-field-error="org_type"' in response.content.decode()
    assert Organization.objects.get(pk=world.city_a.pk).org_type == "committee"


# --- one check per field for the form and the API (issue 12, finding 8) -------------------------

@pytest.mark.parametrize("change, key", [
    ({"contact_phone": "__main__"}, "contact_phone"),
    ({"contact_phone": "0731-8888\x00"}, "contact_phone"),
    ({"region_code": "__main__"}, "region_code"),
    ({"name": "芙蓉区\u202e第一党支部"}, "name"),
    ({"address": "芙蓉中路\n1号"}, "address"),
    ({"unit_name": "某单位\x1b"}, "unit_name"),
])
def test_each_field_has_one_check_for_the_api_and_the_form(client, people, world, change, key):
    before = Organization.objects.filter(pk=world.branch_a.pk).values().get()
    response = _client(people["province"]).patch(_detail(world.branch_a), change, format="json")
    assert response.status_code == 400 and set(response.json()) == {key}, response.content
    created = _client(people["province"]).post(URL, _new(world.county_a, **change), format="json")
    assert created.status_code == 400 and key in created.json(), created.content
    client.force_login(people["province"])
    form = client.get(f"/orgs/{world.branch_a.pk}/edit/").context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    page = client.post(f"/orgs/{world.branch_a.pk}/edit/", {**data, **change})
    assert page.status_code == 200 and f'data-field-error="{key}"' in page.content.decode()
    assert Organization.objects.filter(pk=world.branch_a.pk).values().get() == before
    assert not Organization.objects.filter(code="430102003").exists()


def test_a_landline_and_a_mobile_are_a_contact_phone(people, world):
    for phone in ("0731-84567890", "13912345678"):
        response = _client(people["province"]).patch(_detail(world.branch_a), {"contact_phone": phone}, format="json")
        assert response.status_code == 200, response.content
