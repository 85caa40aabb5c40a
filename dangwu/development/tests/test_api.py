"""API of the recruitment pipeline: scoped reads, writes through the services, 400 keyed by field."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangwu.development import rules, services
from dangwu.development.models import Candidate, Step
from dangwu.development.tests.conftest import VOTE_OK, advance, new_applicant, publicity_start, schedule
from dangwu.testing import Snapshot, api_client, make_id_number, make_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/development/candidates/"


def test_apply_online_through_the_api_and_read_it_back(world):
    user = make_user("api_applicant")
    client = api_client(user)
    number = make_id_number(date(2001, 5, 6), serial=61)
    response = client.post(URL, {"organization": world.branch_a.pk, "name": "孙悦", "id_number": number}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id_number"] == number[:4] + "*" * 10 + number[-4:] and body["stage"] == "applicant"
    assert body["next_step"]["code"] == "first_talk"
    assert body["next_step"]["deadlines"][0]["step"] == "first_talk"
    assert [r["id"] for r in client.get(URL).json()["results"]] == [body["id"]]  # their own application


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "孙悦", "id_number": "123"}, "id_number"),
    ({"name": "", "id_number": "x"}, "name"),
    ({"id_number": "x"}, "name"),
    ({"name": "孙悦", "id_number": "young"}, "applied_on"),
    ({"name": "孙悦", "id_number": "ok", "organization": "county"}, "organization"),
    ({"name": "孙悦", "id_number": "ok", "organization": "abc"}, "organization"),
])
def test_apply_refusals_are_400_keyed_by_field(world, payload, field):
    client = api_client(make_user("api_applicant2"))
    today = timezone.localdate()
    if payload.get("id_number") == "young":
        payload["id_number"] = make_id_number(rules.add_years(today, -17), serial=62)
    elif payload.get("id_number") == "ok":
        payload["id_number"] = make_id_number(date(1990, 1, 1), serial=63)
    org = payload.pop("organization", None)
    payload["organization"] = world.county_a.pk if org == "county" else (org or world.branch_a.pk)
    before = Snapshot(candidates=Candidate.objects)
    response = client.post(URL, payload, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert before.unchanged()


def test_steps_through_the_api(world, people, branch_a_sponsors):
    candidate = advance(new_applicant(people["secretary"], world.branch_a), "application_form",
                        branch=people["secretary"], superior=people["city_a"], sponsors=branch_a_sponsors)
    dates = schedule(candidate.steps.get(code="application").done_on)
    services.start_publicity(actor=people["secretary"], candidate=candidate, starts_on=publicity_start(dates))
    client = api_client(people["secretary"])
    url = f"{URL}{candidate.pk}/steps/"
    response = client.post(url, {"code": "superior_talk", "done_on": str(dates["superior_talk"])}, format="json")
    assert response.status_code == 403  # the superior committee's step
    response = client.post(url, {"code": "branch_admission_vote", "done_on": str(dates["branch_admission_vote"]),
                                 "vote": {"should_attend": 10, "present": 5, "in_favour": 5}}, format="json")
    assert response.status_code == 400 and "present" in response.json()
    response = client.post(url, {"code": "oath", "done_on": str(dates["oath"])}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    response = client.post(url, {"code": "nope", "done_on": "2024-01-01"}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    response = client.post(url, {"code": "branch_admission_vote", "done_on": "not a date"}, format="json")
    assert response.status_code == 400 and "done_on" in response.json()
    response = client.post(url, {"code": "branch_admission_vote", "done_on": str(dates["branch_admission_vote"]),
                                 "vote": VOTE_OK}, format="json")
    assert response.status_code == 201 and response.json()["vote"]["in_favour"] == 7
    detail = client.get(f"{URL}{candidate.pk}/").json()
    assert detail["next_step"]["code"] == "superior_talk" and detail["next_step"]["superior"] is True
    assert len(detail["steps"]) == 15 and len(detail["sponsors"]) == 4
    assert Step.objects.filter(candidate=candidate).count() == 15


def test_lists_and_counts_are_scoped(world, people):
    new_applicant(people["secretary"], world.branch_a)
    new_applicant(people["secretary"], world.branch_a, name="王芳", male=False, serial=12,
                  start=timezone.localdate() - timedelta(days=10))
    assert api_client(people["city_b"]).get(URL).json()["count"] == 0
    assert api_client(people["sibling"]).get(URL).json()["count"] == 0
    assert api_client(people["city_a"]).get(URL).json()["count"] == 2
    response = api_client(people["province"]).get(f"{URL}stage-counts/?organization={world.province.pk}")
    assert response.json()["counts"]["applicant"] == 2
    assert response.json()["counts"]["overdue"] == 1  # the application four years ago had no talk
    assert api_client(people["city_a"]).get(f"{URL}?organization={world.city_b.pk}").json()["count"] == 0
    assert api_client(people["city_a"]).get(f"{URL}?stage=target").json()["count"] == 0


# --- one check per field, whichever way the value comes in (issue 12, finding 8) ----------------

@pytest.mark.parametrize(("payload", "field"), [
    ({"ethnicity": "<svg/onload=alert()>"}, "ethnicity"),
    ({"ethnicity": "火星族"}, "ethnicity"),
    ({"name": "孙\x07悦"}, "name"),
    ({"work_unit": "长沙\x1b[31m某公司"}, "work_unit"),
])
def test_application_fields_are_checked_as_the_member_record_checks_them(world, payload, field):
    number = make_id_number(date(1990, 1, 1), serial=64)
    body = {"organization": world.branch_a.pk, "name": "孙悦", "id_number": number, **payload}
    before = Snapshot(candidates=Candidate.objects)
    response = api_client(make_user("api_applicant3")).post(URL, body, format="json")
    assert response.status_code == 400 and set(response.json()) == {field}, response.json()
    assert before.unchanged()
    client = Client()
    client.force_login(make_user("web_applicant3"))
    page = client.post("/development/apply/", {**body, "ethnicity": body.get("ethnicity", "汉族")})
    assert page.status_code == 200 and f'data-field-error="{field}"' in page.content.decode()
    assert before.unchanged()


def test_an_ethnicity_is_stored_by_its_full_name(world):
    response = api_client(make_user("api_applicant4")).post(URL, {
        "organization": world.branch_a.pk, "name": "孙悦", "ethnicity": "土家",
        "id_number": make_id_number(date(1990, 1, 1), serial=65)}, format="json")
    assert response.status_code == 201, response.json()
    assert Candidate.objects.get().ethnicity == "土家族"
