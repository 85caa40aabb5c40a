"""Member API: scope, masking and revealing ID numbers, writes through the services, filters, bad input."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from dangwu import testing
from dangwu.core.models import AuditEntry
from dangwu.members.models import Member

URL = "/api/v1/members/"
BIRTH = date(1980, 5, 20)


_client = testing.api_client


def _detail(member) -> str:
    return f"{URL}{member.pk}/"


_ids = testing.result_ids


def _valid(org, **overrides) -> dict:
    data = {
        "name": "刘备", "organization": org.pk, "member_type": "full", "gender": "male",
        "birth_date": BIRTH.isoformat(), "joined_on": "2005-07-01", "converted_on": "2006-07-01",
        "id_number": testing.make_id_number(BIRTH, male=True), "phone": "13912345678",
    }
    data.update(overrides)
    return data


def _bad_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def _audit_count(**filters) -> int:
    return AuditEntry.objects.filter(**filters).count()


@pytest.fixture
def committee(world):
    """A branch committee member of branch A: reads the branch, may not edit or see full numbers."""
    return testing.make_user("bc_a", ("branch_committee", world.branch_a))


# --- reading and scope ---------------------------------------------------------------------

def test_list_is_paginated_with_the_contract_fields(people):
    response = _client(people["province"]).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    row = next(r for r in body["results"] if r["id"] == people["m_plain"].pk)
    assert {"id", "name", "organization", "member_type", "standing", "id_number"} <= set(row)
    assert row["name"] == "张三"
    assert row["organization"] == people["m_plain"].organization_id
    assert row["member_type"] == "full"
    assert row["standing"] == "normal"


def test_fast_representation_equals_drf_generic_one(people, world):
    """The serializer's own loop over its fields (api.MemberSerializer.to_representation) answers
    what DRF's generic ModelSerializer would, for a record with every field filled and for one
    with the optional ones empty — and never reads a decrypted number."""
    from decimal import Decimal

    from django.test import RequestFactory
    from rest_framework import serializers

    from dangwu.members.api import MemberSerializer

    full = testing.make_member(world.branch_a, name="欧阳建国", native_place="湖南长沙", education="bachelor",
                               degree="学士", professional_title="工程师", occupation="staff", work_unit="某单位",
                               job_title="科长", work_started_on=date(2003, 7, 1), address="芙蓉路1号",
                               party_post="组织委员", applied_on=date(2004, 3, 1), is_outflow=True,
                               outflow_destination="广东深圳", lost_contact_since=date(2024, 1, 1), in_hardship=True,
                               is_party_worker=True, dues_standard=Decimal("12.50"), dues_paid_until=date(2026, 6, 1),
                               standing_since=date(2020, 1, 1))
    request = RequestFactory().get(URL)
    request.user = people["province"]
    for member in (Member.objects.get(pk=full.pk), Member.objects.get(pk=people["m_plain"].pk)):
        serializer = MemberSerializer(context={"request": request})
        generic = serializers.ModelSerializer.to_representation(serializer, member)
        fast = serializer.to_representation(member)
        assert {k: v for k, v in fast.items() if k not in {"id_number", "phone", "id_number_full"}} == generic
        assert fast["id_number"] == member.id_number_masked and fast["phone"] == member.phone_masked
    assert fast["dues_standard"] is None or isinstance(fast["dues_standard"], str)
    assert serializer.to_representation(Member.objects.get(pk=full.pk))["dues_standard"] == "12.50"


def test_pagination_next_link(people, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 3)
    client = _client(people["province"])
    first = client.get(URL).json()
    assert first["count"] == 4
    assert len(first["results"]) == 3
    assert first["previous"] is None and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None and second["previous"]
    assert _ids_from(first) | _ids_from(second) == {people[k].pk for k in ("m_sec", "m_plain", "m_other", "m_b")}


def _ids_from(body: dict) -> set[int]:
    return {row["id"] for row in body["results"]}


@pytest.mark.parametrize("who, expected", [
    ("secretary", {"m_sec", "m_plain"}),
    ("sibling", {"m_other"}),
    ("city_a", {"m_sec", "m_plain", "m_other"}),
    ("city_b", {"m_b"}),
    ("province", {"m_sec", "m_plain", "m_other", "m_b"}),
    ("discipline", {"m_sec", "m_plain", "m_other", "m_b"}),
    ("sysadmin", {"m_sec", "m_plain", "m_other", "m_b"}),
    ("plain", {"m_plain"}),
    ("auditor", set()),
    ("security", set()),
])
def test_list_is_scoped(people, who, expected):
    response = _client(people[who]).get(URL)
    assert response.status_code == 200
    assert _ids(response) == {people[k].pk for k in expected}
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("who, target", [
    ("secretary", "m_other"),
    ("secretary", "m_b"),
    ("city_a", "m_b"),
    ("city_b", "m_plain"),
    ("plain", "m_sec"),
    ("sibling", "m_plain"),
    ("auditor", "m_plain"),
])
def test_out_of_scope_detail_is_404_and_audited(people, who, target):
    member = people[target]
    before = _audit_count(action="access.denied")
    response = _client(people[who]).get(_detail(member))
    assert response.status_code == 404
    assert member.name.encode() not in response.content
    assert member.id_number_masked.encode() not in response.content
    assert _audit_count(action="access.denied") == before + 1


@pytest.mark.parametrize("who, target", [
    ("secretary", "m_plain"), ("city_a", "m_other"), ("city_b", "m_b"), ("plain", "m_plain"), ("province", "m_b"),
])
def test_in_scope_detail(people, who, target):
    member = people[target]
    response = _client(people[who]).get(_detail(member))
    assert response.status_code == 200
    assert response.json()["id"] == member.pk
    assert response.json()["name"] == member.name


@pytest.mark.parametrize("url", [
    f"{URL}abc/", f"{URL}-1/", f"{URL}1.5/", f"{URL}99999999999999999999999999/", f"{URL}0/",
    f"{URL}%00/", f"{URL}%E5%BC%A0/",
])
def test_nonsense_ids_are_404(people, url):
    response = _client(people["province"]).get(url)
    assert response.status_code == 404


# --- masking and revealing the ID number -----------------------------------------------------

@pytest.mark.parametrize("who", ["province", "secretary", "discipline", "sysadmin", "plain"])
def test_id_number_is_masked_in_list_and_detail(people, who):
    member = people["m_plain"]
    client = _client(people[who])
    listed = client.get(URL)
    detail = client.get(_detail(member))
    for body in (listed.content, detail.content):
        assert member.id_number.encode() not in body
        assert member.phone.encode() not in body
    row = next(r for r in listed.json()["results"] if r["id"] == member.pk)
    assert row["id_number"] == member.id_number_masked
    assert detail.json()["id_number"] == member.id_number_masked
    assert "*" in member.id_number_masked


@pytest.mark.parametrize("who", ["city_a", "discipline", "secretary", "province"])
def test_reveal_shows_full_number_and_is_audited(people, who):
    member = people["m_plain"]
    before = _audit_count(action="member.view_id_number", target_id=str(member.pk))
    response = _client(people[who]).get(_detail(member), {"reveal": "id_number"})
    assert response.status_code == 200
    assert response.json()["id_number"] == member.id_number
    assert len(member.id_number) == 18
    assert _audit_count(action="member.view_id_number", target_id=str(member.pk)) == before + 1
    entry = AuditEntry.objects.filter(action="member.view_id_number").latest("seq")
    assert entry.actor == people[who]


def test_a_member_reveals_their_own_number_and_no_one_elses(people):
    """Their own data (issue 11): a plain member reads their own full ID number, audited once; another
    member's record is out of their reach (404), and nothing is read or audited."""
    me, other = people["m_plain"], people["m_sec"]
    client = _client(people["plain"])
    assert client.get(_detail(me)).json()["id_number_full"] is True
    response = client.get(_detail(me), {"reveal": "id_number"})
    assert response.status_code == 200 and response.json()["id_number"] == me.id_number
    assert _audit_count(action="member.view_id_number", target_id=str(me.pk)) == 1
    response = client.get(_detail(other), {"reveal": "id_number"})
    assert response.status_code == 404 and other.id_number.encode() not in response.content
    assert _audit_count(action="member.view_id_number") == 1


@pytest.mark.parametrize("who", ["committee", "sysadmin"])
def test_reveal_refused_without_the_capability(people, committee, who):
    user = committee if who == "committee" else people[who]
    member = people["m_plain"]
    response = _client(user).get(_detail(member), {"reveal": "id_number"})
    assert response.status_code == 403
    assert member.id_number.encode() not in response.content
    assert _audit_count(action="member.view_id_number") == 0


def test_reveal_out_of_scope_is_404(people):
    member = people["m_plain"]
    response = _client(people["sibling"]).get(_detail(member), {"reveal": "id_number"})
    assert response.status_code == 404
    assert member.id_number.encode() not in response.content
    assert _audit_count(action="member.view_id_number") == 0


@pytest.mark.parametrize("value", ["name", "id_number_encrypted", "__class__", "x" * 5000, "phone\x00"])
def test_reveal_of_other_fields_is_400(people, value):
    member = people["m_plain"]
    response = _client(people["province"]).get(_detail(member), {"reveal": value})
    assert response.status_code == 400
    assert member.id_number.encode() not in response.content
    assert not AuditEntry.objects.filter(action__startswith="member.view").exists()


# --- filters -------------------------------------------------------------------------------

@pytest.mark.parametrize("q, expected", [
    ("zs", {"m_plain"}),
    ("ZS", {"m_plain"}),
    ("zhangs", {"m_plain"}),
    ("zhangsan", {"m_plain"}),
    ("张", {"m_plain"}),
    ("张三", {"m_plain"}),
    ("lsj", {"m_sec"}),
    ("li", {"m_sec"}),
    ("ww", {"m_other"}),
    ("zl", {"m_b"}),
    ("z", {"m_plain", "m_b"}),
    ("xyz", set()),
    ("  zs  ", {"m_plain"}),
])
def test_q_by_name_and_pinyin(people, q, expected):
    response = _client(people["province"]).get(URL, {"q": q})
    assert response.status_code == 200
    assert _ids(response) == {people[k].pk for k in expected}


def test_q_by_exact_id_number(people):
    member = people["m_other"]
    client = _client(people["province"])
    assert _ids(client.get(URL, {"q": member.id_number})) == {member.pk}
    assert _ids(client.get(URL, {"q": member.id_number.lower()})) == {member.pk}
    assert _ids(client.get(URL, {"q": member.id_number[:17]})) == set()
    assert _ids(client.get(URL, {"q": member.id_number_masked})) == set()


def test_q_by_id_number_stays_in_scope(people):
    response = _client(people["secretary"]).get(URL, {"q": people["m_b"].id_number})
    assert response.status_code == 200
    assert _ids(response) == set()


@pytest.mark.parametrize("org, expected", [
    ("branch_a", {"m_sec", "m_plain"}),
    ("branch_a2", {"m_other"}),
    ("county_a", {"m_sec", "m_plain", "m_other"}),
    ("city_a", {"m_sec", "m_plain", "m_other"}),
    ("city_b", {"m_b"}),
    ("province", {"m_sec", "m_plain", "m_other", "m_b"}),
])
def test_organization_filter_takes_the_subtree(people, world, org, expected):
    response = _client(people["province"]).get(URL, {"organization": getattr(world, org).pk})
    assert response.status_code == 200
    assert _ids(response) == {people[k].pk for k in expected}


@pytest.mark.parametrize("value", ["abc", "", "-1", "99999999999999999999999", "1 OR 1=1", "%00"])
def test_organization_filter_nonsense(people, value):
    response = _client(people["province"]).get(URL, {"organization": value})
    assert response.status_code == 200
    if value:
        assert _ids(response) == set()


def test_organization_filter_out_of_scope_is_empty(people, world):
    response = _client(people["city_a"]).get(URL, {"organization": world.branch_b.pk})
    assert response.status_code == 200
    assert _ids(response) == set()


def test_member_type_and_standing_filters(people, world):
    probationary = testing.make_member(world.branch_a, name="孙七", member_type="probationary",
                                       birth=date(1995, 1, 1), joined_on=date(2024, 1, 1))
    Member.objects.filter(pk=people["m_sec"].pk).update(standing="suspended")
    client = _client(people["province"])
    assert _ids(client.get(URL, {"member_type": "probationary"})) == {probationary.pk}
    assert _ids(client.get(URL, {"member_type": "full"})) == {people[k].pk for k in ("m_sec", "m_plain", "m_other",
                                                                                     "m_b")}
    assert _ids(client.get(URL, {"standing": "suspended"})) == {people["m_sec"].pk}
    assert people["m_sec"].pk not in _ids(client.get(URL, {"standing": "normal"}))
    assert _ids(client.get(URL, {"standing": "bogus"})) == set()
    combined = client.get(URL, {"organization": world.branch_a.pk, "member_type": "full", "standing": "normal"})
    assert _ids(combined) == {people["m_plain"].pk}


@pytest.mark.parametrize("params", [
    {"q": "\x00"}, {"q": "zs\x00"}, {"q": "x" * 10_000}, {"q": "' OR 1=1 --"}, {"q": "%"}, {"q": "_"},
    {"q": "\U0001f600"}, {"member_type": "\x00"}, {"standing": "\x00" * 3}, {"page": "abc"}, {"page": "-1"},
    {"page": "999"}, {"reveal": ""}, {"organization": "\x00"}, {"q": "１２３４５６７８９０１２３４５６７８"},
])
def test_query_garbage_never_500(people, params):
    response = _client(people["province"]).get(URL, params)
    assert response.status_code < 500
    if response.status_code == 200:
        assert people["m_plain"].id_number.encode() not in response.content


# --- POST …/search/: the terms in the body, so that ID numbers stay out of URLs -------------------

SEARCH = f"{URL}search/"


def test_search_by_id_number_in_the_body(people):
    member = people["m_other"]
    client = _client(people["province"])
    for typed in (member.id_number, member.id_number.lower(), " " + member.id_number + " "):
        response = client.post(SEARCH, {"q": typed}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert _ids(response) == {member.pk} and body["count"] == 1
        assert member.id_number.encode() not in response.content  # answered masked, as the list does
    assert _ids(client.post(SEARCH, {"q": member.id_number_masked}, format="json")) == set()
    # in scope only
    assert _ids(_client(people["secretary"]).post(SEARCH, {"q": people["m_b"].id_number}, format="json")) == set()


def test_search_has_the_list_filters(people, world):
    client = _client(people["province"])
    assert _ids(client.post(SEARCH, {}, format="json")) == _ids(client.get(URL))
    assert _ids(client.post(SEARCH, {"q": "zs"}, format="json")) == {people["m_plain"].pk}
    by_org = client.post(SEARCH, {"organization": world.county_a.pk, "member_type": "full", "standing": "normal"},
                         format="json")
    assert _ids(by_org) == {people[k].pk for k in ("m_sec", "m_plain", "m_other")}
    assert _ids(client.post(SEARCH, {"organization": 99_999_999}, format="json")) == set()
    assert _ids(_client(people["city_a"]).post(SEARCH, {"organization": world.branch_b.pk}, format="json")) == set()
    assert _ids(client.post(SEARCH, {"q": "", "organization": None, "member_type": "", "standing": ""},
                            format="json")) == _ids(client.get(URL))
    assert _ids(_client(people["plain"]).post(SEARCH, {"q": "z"}, format="json")) == {people["m_plain"].pk}


def test_search_pages_like_the_list(people, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 3)
    client = _client(people["province"])
    first = client.post(SEARCH, {"q": ""}, format="json").json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["next"].endswith("search/?page=2")
    second = client.post(first["next"], {"q": ""}, format="json").json()
    assert len(second["results"]) == 1


@pytest.mark.parametrize("body, key", [
    ({"q": "x" * 51}, "q"),
    ({"q": "zs\x00"}, "q"),
    ({"q": ["zs"]}, "q"),
    ({"organization": "abc"}, "organization"),
    ({"organization": [1]}, "organization"),
    ({"member_type": "honorary"}, "member_type"),
    ({"standing": "\x00"}, "standing"),
])
def test_search_bad_body_is_400_keyed(people, body, key):
    response = _client(people["province"]).post(SEARCH, body, format="json")
    assert response.status_code == 400, response.content
    assert key in response.json()


@pytest.mark.parametrize("body", ["{not json", "[1]", "null", '"x"', "123"])
def test_search_body_not_an_object_is_400(people, body):
    response = _client(people["province"]).generic("POST", SEARCH, body, content_type="application/json")
    assert response.status_code == 400


def test_search_writes_nothing(people):
    _client(people["province"]).post(SEARCH, {"q": people["m_plain"].id_number}, format="json")
    assert not AuditEntry.objects.exists()
    assert Member.objects.count() == 4


def test_search_refused_to_anonymous(people):
    assert APIClient().post(SEARCH, {"q": "zs"}, format="json").status_code in (401, 403)


def test_search_is_in_the_schema(people):
    client = _client(people["plain"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/members/search/"]["post"]
    assert "requestBody" in operation


# --- one member: the list's filters do not apply -----------------------------------------------

@pytest.mark.parametrize("params", [{"q": "zzz"}, {"member_type": "probationary"}, {"standing": "expelled"},
                                    {"organization": "abc"}])
def test_detail_ignores_the_list_filters(people, world, params):
    member = people["m_plain"]
    response = _client(people["secretary"]).get(_detail(member), params)
    assert response.status_code == 200
    assert response.json()["id"] == member.pk
    assert not AuditEntry.objects.filter(action="access.denied").exists()
    other = _client(people["secretary"]).get(_detail(member), {"organization": world.branch_a2.pk})
    assert other.status_code == 200


def test_percent_and_underscore_are_literal(people):
    client = _client(people["province"])
    assert _ids(client.get(URL, {"q": "%"})) == set()
    assert _ids(client.get(URL, {"q": "_"})) == set()


# --- create --------------------------------------------------------------------------------

@pytest.mark.parametrize("who, org", [("secretary", "branch_a"), ("city_a", "branch_a2"), ("province", "branch_b")])
def test_create_member(people, world, who, org):
    target = getattr(world, org)
    data = _valid(target)
    before_members, before_audit = Member.objects.count(), AuditEntry.objects.count()
    response = _client(people[who]).post(URL, data, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    member = Member.objects.get(pk=body["id"])
    assert member.name == "刘备"
    assert member.organization_id == target.pk
    assert member.id_number == data["id_number"]
    assert member.phone == "13912345678"
    assert member.name_initials == "lb"
    assert body["organization"] == target.pk
    assert body["id_number"] == member.id_number_masked != data["id_number"]
    assert data["id_number"] not in response.content.decode()
    assert Member.objects.count() == before_members + 1
    assert AuditEntry.objects.count() == before_audit + 1
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.target_id, entry.actor) == ("member.create", str(member.pk), people[who])


def test_created_member_is_found_by_pinyin(people, world):
    client = _client(people["secretary"])
    created = client.post(URL, _valid(world.branch_a), format="json").json()
    assert created["id"] in _ids(client.get(URL, {"q": "lb"}))
    assert created["id"] in _ids(client.get(URL, {"q": "liubei"}))


def test_create_by_real_token(people, world):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "sec_a", "password": testing.PASSWORD},
                        format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.post(URL, _valid(world.branch_a), format="json")
    assert response.status_code == 201
    assert AuditEntry.objects.filter(action="member.create", actor=people["secretary"]).count() == 1


def _change(data: dict, change: dict) -> dict:
    data = dict(data)
    for key, value in change.items():
        if value is _DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return data


_DROP = object()
_GOOD_ID = testing.make_id_number(BIRTH, male=True)


@pytest.mark.parametrize("change, key", [
    ({"id_number": _bad_checksum(_GOOD_ID)}, "id_number"),
    ({"id_number": _GOOD_ID[:17]}, "id_number"),
    ({"id_number": "43010219800230001X"}, "id_number"),
    ({"id_number": "ABCDEFGHIJKLMNOPQR"}, "id_number"),
    ({"id_number": _GOOD_ID + "1"}, "id_number"),
    ({"id_number": _DROP}, "id_number"),
    ({"id_number": None}, "id_number"),
    ({"birth_date": "1981-05-20"}, "birth_date"),
    ({"gender": "female"}, "gender"),
    ({"gender": "robot"}, "gender"),
    ({"organization": 99_999_999}, "organization"),
    ({"organization": "abc"}, "organization"),
    ({"organization": None}, "organization"),
    ({"organization": 10**30}, "organization"),
    ({"organization": _DROP}, "organization"),
    ({"name": _DROP}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "名" * 51}, "name"),
    ({"name": None}, "name"),
    ({"name": ["张三"]}, "name"),
    ({"name": {"first": "张"}}, "name"),
    ({"name": "张\x00三"}, "name"),
    ({"joined_on": "2020-13-01"}, "joined_on"),
    ({"joined_on": "2020-02-30"}, "joined_on"),
    ({"joined_on": "yesterday"}, "joined_on"),
    ({"joined_on": 20200101}, "joined_on"),
    ({"joined_on": "2999-01-01"}, "joined_on"),
    ({"joined_on": "1990-01-01"}, "joined_on"),  # aged 9
    ({"birth_date": "not-a-date"}, "birth_date"),
    ({"converted_on": "2004-01-01"}, "converted_on"),
    ({"member_type": "probationary"}, "converted_on"),
    ({"member_type": "honorary"}, "member_type"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "1" * 21}, "phone"),
    ({"dues_standard": "lots"}, "dues_standard"),
    ({"dues_standard": "NaN"}, "dues_standard"),
    ({"dues_standard": 10**20}, "dues_standard"),
    ({"is_outflow": True}, "outflow_destination"),
    ({"lost_contact": True}, "lost_contact_since"),
    ({"is_outflow": "perhaps"}, "is_outflow"),
    ({"education": "phd-ish"}, "education"),
])
def test_create_invalid_is_400_keyed_and_commits_nothing(people, world, change, key):
    data = _change(_valid(world.branch_a), change)
    before_members, before_audit = Member.objects.count(), AuditEntry.objects.count()
    response = _client(people["secretary"]).post(URL, data, format="json")
    assert response.status_code == 400, response.content
    assert key in response.json(), response.json()
    assert Member.objects.count() == before_members
    assert AuditEntry.objects.count() == before_audit


def test_create_out_of_scope_organization_is_400_organization(people, world):
    for who, org in (("secretary", world.branch_a2), ("secretary", world.branch_b), ("city_a", world.city_b)):
        response = _client(people[who]).post(URL, _valid(org), format="json")
        assert response.status_code == 400
        assert "organization" in response.json()
    assert not Member.objects.filter(name="刘备").exists()
    assert not AuditEntry.objects.filter(action="member.create").exists()


def test_create_duplicate_id_number_is_400(people, world):
    existing = people["m_b"]
    data = _valid(world.branch_a, id_number=existing.id_number, birth_date="1985-06-15")
    response = _client(people["province"]).post(URL, data, format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert Member.objects.count() == 4


def test_create_reports_several_fields_at_once(people, world):
    data = _valid(world.branch_a, name="", joined_on="2020-02-30", gender="robot")
    response = _client(people["secretary"]).post(URL, data, format="json")
    assert response.status_code == 400
    assert {"name", "joined_on", "gender"} <= set(response.json())


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("", "application/json"),
    ("[1, 2]", "application/json"),
    ('"a string"', "application/json"),
    ("null", "application/json"),
    ("123", "application/json"),
    ('{"name": "\\ud800"}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    ("<xml/>", "application/xml"),
    ("name=%E5%88%98", "application/x-www-form-urlencoded"),
])
def test_non_json_or_wrong_shape_body_is_4xx(people, body, content_type):
    response = _client(people["secretary"]).generic("POST", URL, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert Member.objects.count() == 4
    assert not AuditEntry.objects.exists()


def test_read_only_fields_are_ignored_on_create(people, world):
    data = _valid(world.branch_a, standing="expelled", id=1, created_at="2000-01-01T00:00:00Z",
                  id_number_full=True)
    response = _client(people["secretary"]).post(URL, data, format="json")
    assert response.status_code == 201
    member = Member.objects.get(pk=response.json()["id"])
    assert member.standing == "normal"
    assert member.pk not in {people[k].pk for k in ("m_sec", "m_plain", "m_other", "m_b")}
    assert "id_number_full" not in data or response.json()["id_number_full"] is True


@pytest.mark.parametrize("who", ["committee", "sysadmin", "plain", "auditor", "discipline"])
def test_create_refused_without_member_edit(people, world, committee, who):
    user = committee if who == "committee" else people[who]
    response = _client(user).post(URL, _valid(world.branch_a), format="json")
    assert response.status_code == 403
    assert Member.objects.count() == 4
    assert not AuditEntry.objects.exists()


def test_anonymous_create_refused(people, world):
    response = APIClient().post(URL, _valid(world.branch_a), format="json")
    assert response.status_code in (401, 403)
    assert Member.objects.count() == 4


# --- update --------------------------------------------------------------------------------

def test_patch_member(people):
    member = people["m_plain"]
    before_audit = AuditEntry.objects.count()
    response = _client(people["secretary"]).patch(_detail(member), {"name": "张叁", "work_unit": "长沙银行"},
                                                  format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "张叁"
    member.refresh_from_db()
    assert (member.name, member.work_unit, member.name_initials) == ("张叁", "长沙银行", "zs")
    assert AuditEntry.objects.count() == before_audit + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "member.update"
    assert entry.summary["fields"] == ["name", "work_unit"]


def test_patch_id_number_is_audited_without_the_number(people):
    member = people["m_plain"]
    new = testing.make_id_number(member.birth_date, male=True)
    response = _client(people["city_a"]).patch(_detail(member), {"id_number": new}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.id_number == new
    entry = AuditEntry.objects.latest("seq")
    assert "id_number" in entry.summary["fields"]
    assert new not in json.dumps(entry.summary)
    assert new not in response.content.decode()


def test_patch_nothing_changed_writes_no_audit(people):
    member = people["m_plain"]
    response = _client(people["secretary"]).patch(_detail(member), {"name": member.name}, format="json")
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="member.update").exists()


def test_put_full_update(people, world):
    member = people["m_plain"]
    data = _valid(world.branch_a, id_number=member.id_number, birth_date=member.birth_date.isoformat(),
                  joined_on="2010-07-01", converted_on="2011-07-01", name="张三丰")
    response = _client(people["secretary"]).put(_detail(member), data, format="json")
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.name == "张三丰"


def test_put_of_what_get_answered_changes_nothing(people):
    member = people["m_plain"]
    client = _client(people["secretary"])
    before = Member.objects.filter(pk=member.pk).values().get()
    body = client.get(_detail(member)).json()
    assert "*" in body["id_number"] and "*" in body["phone"]
    response = client.put(_detail(member), body, format="json")
    assert response.status_code == 200, response.content
    assert Member.objects.filter(pk=member.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="member.update").exists()
    # the same body with one field changed changes that field only
    response = client.put(_detail(member), {**body, "work_unit": "长沙银行"}, format="json")
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert (member.work_unit, member.id_number, member.phone) == ("长沙银行", people["m_plain"].id_number,
                                                                  people["m_plain"].phone)
    assert AuditEntry.objects.get(action="member.update").summary["fields"] == ["work_unit"]


def test_id_number_and_phone_may_be_left_out_of_an_update(people):
    member = people["m_plain"]
    client = _client(people["secretary"])
    body = client.get(_detail(member)).json()
    del body["id_number"], body["phone"]
    response = client.put(_detail(member), {**body, "job_title": "科员"}, format="json")
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.job_title == "科员" and member.id_number == people["m_plain"].id_number
    assert member.phone == people["m_plain"].phone


def test_masked_phone_in_a_patch_keeps_the_stored_one(people):
    member = people["m_plain"]
    response = _client(people["secretary"]).patch(_detail(member), {"phone": "139****0000", "id_number": "4301**"},
                                                  format="json")
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert member.phone == "13800138000"
    assert not AuditEntry.objects.filter(action="member.update").exists()


def test_masked_id_number_on_create_is_400_id_number(people, world):
    data = _valid(world.branch_a, id_number="4301**********1234")
    response = _client(people["secretary"]).post(URL, data, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"id_number"}
    assert not Member.objects.filter(name="刘备").exists()


def test_create_in_a_dissolved_organization_is_400_organization(people, world):
    from dangwu.orgs.models import Organization

    Organization.objects.filter(pk=world.branch_a.pk).update(dissolved_on=date(2025, 1, 1))
    response = _client(people["city_a"]).post(URL, _valid(world.branch_a), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"organization"}
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("change, key", [
    ({"id_number": "430102198506150000"}, "id_number"),
    ({"id_number": "1"}, "id_number"),
    ({"birth_date": "1986-06-15"}, "birth_date"),
    ({"birth_date": "2020-02-30"}, "birth_date"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": 12345}, None),  # a number is taken as text by DRF's CharField: 200 or 400, never 500
    ({"joined_on": "1999-99-99"}, "joined_on"),
    ({"joined_on": ["2010-07-01"]}, "joined_on"),
    ({"organization": 99_999_999}, "organization"),
    ({"gender": "female"}, "gender"),
    ({"converted_on": "2009-01-01"}, "converted_on"),
    ({"phone": "not a phone"}, "phone"),
])
def test_patch_invalid_is_400_keyed_and_changes_nothing(people, change, key):
    member = people["m_plain"]
    before = Member.objects.filter(pk=member.pk).values().get()
    response = _client(people["secretary"]).patch(_detail(member), change, format="json")
    if key is None:
        assert response.status_code in (200, 400)
        return
    assert response.status_code == 400, response.content
    assert key in response.json()
    after = Member.objects.filter(pk=member.pk).values().get()
    assert after == before
    assert not AuditEntry.objects.filter(action="member.update").exists()


def test_patch_organization_is_refused(people, world):
    member = people["m_plain"]
    response = _client(people["city_a"]).patch(_detail(member), {"organization": world.branch_a2.pk},
                                              format="json")
    assert response.status_code == 400
    assert "organization" in response.json()
    member.refresh_from_db()
    assert member.organization_id == world.branch_a.pk


@pytest.mark.parametrize("who, target", [("secretary", "m_other"), ("city_a", "m_b"), ("sibling", "m_plain")])
def test_patch_out_of_scope_is_404(people, who, target):
    member = people[target]
    response = _client(people[who]).patch(_detail(member), {"name": "改名"}, format="json")
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.name != "改名"


@pytest.mark.parametrize("who", ["committee", "sysadmin", "plain", "discipline"])
def test_patch_refused_without_member_edit(people, committee, who):
    user = committee if who == "committee" else people[who]
    member = people["m_plain"]
    response = _client(user).patch(_detail(member), {"name": "改名"}, format="json")
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.name == "张三"
    assert not AuditEntry.objects.exists()


def test_delete_is_not_allowed(people):
    response = _client(people["province"]).delete(_detail(people["m_plain"]))
    assert response.status_code == 405
    assert Member.objects.filter(pk=people["m_plain"].pk).exists()


# --- fuzz: no input answers 500 ---------------------------------------------------------------

FIELDS = ["name", "organization", "member_type", "gender", "birth_date", "joined_on", "converted_on",
          "applied_on", "id_number", "phone", "ethnicity", "education", "dues_standard", "dues_paid_until",
          "is_outflow", "outflow_destination", "lost_contact", "lost_contact_since", "address", "work_started_on"]

GARBAGE = [
    None, "", " ", "\x00", "a\x00b", "x" * 100_000, "名" * 5_000, "\U0001f600" * 50, "\u202e\u200b", "\ud7ff",
    0, -1, 10**40, -(10**40), 1.5, float("1e308"), True, False, [], [1, "a"], {}, {"a": {"b": [None]}},
    "2020-02-30", "2020-13-01", "0000-00-00", "9999-12-31", "1899-12-31", "2020-01-01T25:61:00", "NaN",
    "Infinity", "-0", "1e999", "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%s%s%n",
    "00000000000000000X", "11010519491231002X", "１２３４５６７８９０１２３４５６７８",
]


@pytest.mark.parametrize("field", FIELDS)
def test_table_fuzz_create(people, world, field):
    client = _client(people["province"])
    for value in GARBAGE:
        before = Member.objects.count()
        data = _valid(world.branch_a, **{field: value})
        response = client.post(URL, data, format="json")
        assert response.status_code < 500, (field, value)
        if response.status_code == 400:
            assert Member.objects.count() == before
        Member.objects.filter(name="刘备").delete()


@pytest.mark.parametrize("field", FIELDS)
def test_table_fuzz_patch(people, field):
    client = _client(people["province"])
    member = people["m_other"]
    for value in GARBAGE:
        before = Member.objects.filter(pk=member.pk).values().get()
        response = client.patch(_detail(member), {field: value}, format="json")
        assert response.status_code < 500, (field, value)
        if response.status_code == 400:
            assert Member.objects.filter(pk=member.pk).values().get() == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=300)
    | st.dates().map(date.isoformat) | st.sampled_from(GARBAGE[:30]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
field_changes = st.dictionaries(st.sampled_from(FIELDS + ["standing", "id", "user", "zzz"]), json_values,
                                min_size=1, max_size=5)
HYPO = hsettings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@HYPO
@given(change=field_changes)
def test_hypothesis_fuzz_create(people, world, change):
    client = _client(people["province"])
    before = Member.objects.count()
    response = client.post(URL, _valid(world.branch_a, **change), format="json")
    assert response.status_code < 500, change
    if response.status_code != 201:
        assert Member.objects.count() == before
    Member.objects.filter(pk__gt=people["m_b"].pk).delete()


@HYPO
@given(change=field_changes)
def test_hypothesis_fuzz_patch(people, change):
    member = people["m_other"]
    before = Member.objects.filter(pk=member.pk).values().get()
    response = _client(people["province"]).patch(_detail(member), change, format="json")
    assert response.status_code < 500, change
    if response.status_code != 200:
        assert Member.objects.filter(pk=member.pk).values().get() == before


# --- one check per field for the form, the API and the import (issue 12, finding 8) -------------

@pytest.mark.parametrize("change, key", [
    ({"name": "张\x07三"}, "name"),
    ({"work_unit": "长沙银行\u202e"}, "work_unit"),
    ({"native_place": "湖南\r\n长沙"}, "native_place"),
    ({"ethnicity": "<svg/onload=alert()>"}, "ethnicity"),
])
def test_control_characters_and_unknown_ethnicities_are_refused_by_the_api_and_the_form(client, people, change, key):
    member = people["m_plain"]
    before = Member.objects.filter(pk=member.pk).values().get()
    response = _client(people["secretary"]).patch(_detail(member), change, format="json")
    assert response.status_code == 400 and key in response.json(), response.content
    client.force_login(people["secretary"])
    form = {"name": member.name, "gender": "male", "ethnicity": "汉族", "birth_date": member.birth_date.isoformat(),
            "member_type": member.member_type, "joined_on": member.joined_on.isoformat(),
            "converted_on": member.converted_on.isoformat() if member.converted_on else "", **change}
    page = client.post(f"/members/{member.pk}/edit/", form)
    assert page.status_code == 200 and f'data-field-error="{key}"' in page.content.decode()
    assert Member.objects.filter(pk=member.pk).values().get() == before


def test_a_dues_standard_of_minus_zero_is_stored_as_zero(people):
    member = people["m_plain"]
    response = _client(people["secretary"]).patch(_detail(member), {"dues_standard": "-0"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["dues_standard"] == "0.00"
    assert str(Member.objects.get(pk=member.pk).dues_standard) == "0.00"
