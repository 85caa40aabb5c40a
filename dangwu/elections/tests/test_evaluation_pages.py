"""The evaluation's pages answer bad input with a message naming the field and write nothing;
members see the publicity only once the meeting has decided; the member's home card shows while
the evaluation is open to them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from dangwu import testing
from dangwu.elections import evaluation_services as services
from dangwu.elections.evaluation_models import Evaluation, EvaluationEntry, Rating, RatingRoll

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def evaluation(people, world):
    testing.make_member(world.branch_a, name="王芳", user=testing.make_user("member_a3"))
    evaluation = services.open_evaluation(actor=people["secretary"], organization=world.branch_a, year=YEAR)
    return services.advance(actor=people["secretary"], evaluation=evaluation)


def test_a_bad_grade_names_the_member_and_writes_nothing(people, evaluation):
    other = EvaluationEntry.objects.get(evaluation=evaluation, member__name="王芳")
    response = _client(people["plain"]).post(f"/elections/evaluation/{evaluation.pk}/rate/",
                                             {f"grade_{other.pk}": "perfect"})
    assert response.status_code == 400
    assert f'data-field-error="grade_{other.pk}"' in response.content.decode()
    assert not Rating.objects.exists() and not RatingRoll.objects.exists()
    response = _client(people["plain"]).post(f"/elections/evaluation/{evaluation.pk}/rate/",
                                             {f"grade_{other.pk}": "excellent"})
    assert response.status_code == 302 and Rating.objects.get().grade == "excellent"
    page = _client(people["plain"]).get(f"/elections/evaluation/{evaluation.pk}/rate/").content.decode()
    assert 'id="rate-done"' in page and 'id="rate-form"' not in page  # once


def test_an_empty_self_assessment_is_refused_by_name(people, evaluation):
    response = _client(people["plain"]).post(f"/elections/evaluation/{evaluation.pk}/self/", {"self_assessment": " "})
    assert response.status_code == 400 and 'data-field-error="self_assessment"' in response.content.decode()
    assert not EvaluationEntry.objects.exclude(self_assessment="").exists()


def test_a_refused_step_names_its_field(people, evaluation):
    client = _client(people["secretary"])
    client.post(f"/elections/evaluation/{evaluation.pk}/advance/")
    response = client.post(f"/elections/evaluation/{evaluation.pk}/decide/", {"meeting_on": "2026-13-40"}, follow=True)
    assert "党员大会日期：请填写党员大会日期。" in response.content.decode()
    assert Evaluation.objects.get(pk=evaluation.pk).phase == "proposal"


def test_members_see_grades_only_once_decided_and_the_home_card_while_open(people, evaluation):
    client = _client(people["plain"])
    assert 'id="own-evaluation"' in client.get("/").content.decode()
    services.advance(actor=people["secretary"], evaluation=evaluation)
    assert 'id="own-evaluation"' not in client.get("/").content.decode()
    page = client.get(f"/elections/evaluation/{evaluation.pk}/").content.decode()
    assert "data-grade=" not in page and "data-proposed=" not in page and 'id="entries"' not in page
    for entry in EvaluationEntry.objects.filter(evaluation=evaluation):  # nobody rated: no reason needed
        services.propose_grade(actor=people["secretary"], entry=entry, grade="competent")
    services.record_decision(actor=people["secretary"], evaluation=evaluation, meeting_on=timezone.localdate())
    page = client.get(f"/elections/evaluation/{evaluation.pk}/").content.decode()
    assert page.count("data-grade=") == 3 and 'id="manage-step"' not in page


def test_the_pages_speak_english(people, evaluation):
    client = _client(people["plain"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/elections/evaluation/{evaluation.pk}/rate/").content.decode()
    assert "Submit the ratings" in page and "Basically qualified" in page and "提交互评" not in page


def test_the_home_shortcut_leads_to_the_evaluation(people):
    for user in (people["secretary"], people["plain"], people["city_a"]):
        assert 'href="/elections/evaluation/"' in _client(user).get("/").content.decode()
    assert 'href="/elections/evaluation/"' not in _client(people["sysadmin"]).get("/").content.decode()
