"""The API schema tells the truth (issue 12, finding 11): what `/api/schema/` says is what the API
answers. `scripts/api_fuzz.py` (run by .ci/run) checks it by fuzzing a live server; these are the
findings one by one, each against the generated schema and a real answer."""

from __future__ import annotations

import re
from datetime import date

import pytest
from drf_spectacular.generators import SchemaGenerator

from dangwu import testing

SEARCH = "/api/v1/members/search/"


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema: dict, name: str) -> dict:
    return schema["components"]["schemas"][name]


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_documents_its_error_answers(schema):
    operations = list(_operations(schema))
    assert len(operations) >= 37
    for path, method, operation in operations:
        codes = set(operation["responses"])
        expected = {"400", "403"}
        if path != "/api/v1/auth/token/":
            expected.add("401")  # the token login authenticates nobody: a wrong password is its 403
        if "{" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
            expected.add("404")
        assert expected <= codes, f"{method.upper()} {path} documents {sorted(codes)}"
        for code in expected:
            content = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert content.endswith("/ValidationError" if code == "400" else "/Error"), (path, code)
        # the web server's own page for a request line past its limit (the full fuzz met it: gunicorn
        # answered 414 to a GET /members/ with 60 `organization` values)
        assert operation["responses"]["414"]["content"] == {"text/html": {"schema": {"type": "string"}}}, path


def test_path_ids_are_integers_so_search_is_never_an_id(schema):
    for path, _method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["type"] == "integer", (path, parameter)


@pytest.mark.django_db
def test_get_on_the_search_route_is_not_taken_for_a_member(people):
    client = testing.api_client(people["province"])
    response = client.get(SEARCH)
    assert response.status_code == 405  # POST only; the detail route ({id}: digits) does not take "search"
    assert client.post(SEARCH, {"q": "张三"}, format="json").status_code == 200


def test_member_numbers_are_documented_as_answered_masked(schema):
    answer, request = _component(schema, "Member"), _component(schema, "MemberRequest")
    for name in ("id_number", "phone"):
        assert answer["properties"][name]["readOnly"] is True and "writeOnly" not in answer["properties"][name]
        assert "masked" in answer["properties"][name]["description"]
        assert name in request["properties"]
    assert answer["properties"]["id_number_full"]["type"] == "boolean"


@pytest.mark.django_db
def test_a_real_member_answer_has_exactly_the_documented_fields(schema, people):
    answer = testing.api_client(people["secretary"]).get(f"/api/v1/members/{people['m_plain'].pk}/").json()
    documented = _component(schema, "Member")
    assert set(answer) == set(documented["properties"])
    assert set(documented["required"]) <= set(answer)
    assert "*" in answer["id_number"]


@pytest.mark.django_db
def test_months_are_documented_as_the_months_answered(schema, people, world):
    from dangwu.dues.models import AssessmentRun

    run = AssessmentRun.objects.create(organization=world.branch_a, month=date(2026, 12, 1), created_by=people["secretary"])
    answer = testing.api_client(people["secretary"]).get(f"/api/v1/dues/assessment-runs/{run.pk}/").json()
    assert answer["month"] == "2026-12"
    for component in ("AssessmentRun", "Assessment"):
        month = _component(schema, component)["properties"]["month"]
        assert "format" not in month and re.match(month["pattern"], "2026-12")
    assert re.match(_component(schema, "AssessmentRunRequest")["properties"]["month"]["pattern"], "2026-12-01")


@pytest.mark.django_db
def test_names_and_codes_that_refuse_blanks_say_min_length(schema, people, world):
    for component, field in (("OrganizationRequest", "name"), ("OrganizationRequest", "code"),
                             ("PatchedOrganizationRequest", "name"), ("MemberRequest", "name"), ("ApplyRequest", "name")):
        assert _component(schema, component)["properties"][field]["minLength"] == 1, (component, field)
    client = testing.api_client(people["province"])
    refused = client.patch(f"/api/v1/organizations/{world.branch_a.pk}/", {"name": ""}, format="json")
    assert refused.status_code == 400 and "name" in refused.json()


@pytest.mark.django_db
def test_the_parent_of_a_new_organization_is_documented_required_and_not_null(schema, people, world):
    create = schema["paths"]["/api/v1/organizations/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body = _component(schema, create["$ref"].rsplit("/", 1)[1])
    assert "parent" in body["required"] and not body["properties"]["parent"].get("nullable")
    assert _component(schema, "PatchedOrganizationRequest")["properties"]["parent"]["nullable"] is True
    refused = testing.api_client(people["province"]).post(
        "/api/v1/organizations/", {"code": "439901", "name": "新党支部", "type": "branch", "parent": None}, format="json")
    assert refused.status_code == 400 and "parent" in refused.json()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["", "abc", "0", "-1", "1.5", "２", "last"])
def test_a_page_that_is_not_a_whole_number_from_1_is_bad_input(people, page):
    response = testing.api_client(people["province"]).get("/api/v1/members/", {"page": page})
    assert response.status_code == 400 and "page" in response.json()


@pytest.mark.django_db
def test_pages_that_exist_answer_and_a_page_past_the_last_is_404(schema, people):
    client = testing.api_client(people["province"])
    assert client.get("/api/v1/members/", {"page": "1"}).status_code == 200
    assert client.get("/api/v1/members/", {"page": "99"}).status_code == 404
    page = next(p for p in schema["paths"]["/api/v1/members/"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"] == {"type": "integer", "minimum": 1}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/members/abc/", "/api/v1/nowhere/", "/api/v1/members/%C2%84/"])
def test_an_api_address_that_no_route_matches_answers_json(people, url):
    response = testing.api_client(people["province"]).get(url)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.django_db
def test_pages_keep_their_html_error_pages_and_a_nul_in_an_api_query_is_json(client, people):
    assert client.get("/nowhere/")["Content-Type"].startswith("text/html")
    response = testing.api_client(people["province"]).get("/api/v1/members/?q=%00")
    assert response.status_code == 400 and response.json()["detail"]


# --- what the fuzzer found (scripts/api_fuzz.py) ----------------------------------------------

HUGE = "4351355535552099861397504"  # beyond a 64-bit integer


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    f"/api/v1/dues/payments/?member=-{HUGE}", f"/api/v1/dues/declarations/?member={HUGE}",
    f"/api/v1/dues/declarations/?year={HUGE}", f"/api/v1/dues/assessments/?member={HUGE}",
    f"/api/v1/dues/assessments/?organization={HUGE}", f"/api/v1/members/?organization={HUGE}",
    f"/api/v1/organizations/?parent={HUGE}", f"/api/v1/development/candidates/?organization={HUGE}",
    f"/api/v1/members/{HUGE}/", f"/api/v1/dues/reports/{HUGE}/", f"/api/v1/organizations/{HUGE}/stats/",
])
def test_a_number_beyond_64_bits_finds_nothing_rather_than_a_500(people, url):
    response = testing.api_client(people["province"]).get(url)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    if response.status_code == 200 and "results" in response.json():
        assert response.json()["results"] == []
